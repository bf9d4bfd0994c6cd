"""The default (ticket-sized) report reads a trimmed copy of each profile's Allure results.

What a ticket does not need goes: the fixtures every test shares (profile, target, client...: the same
set-up and tear-down listed under each of hundreds of tests) unless one broke, the host/thread labels,
parameter values longer than PARAMETER_LIMIT (a resource's whole definition; its name stays first) but a
failed test's first request, and
the curl attachment of a passed test (its first exchange carries its curl line); then each passed test folds into its
rules' results (conformance/reporting/fold.py). The run's own results
stay whole; ``lmsconf report --full`` reads them with every exchange whole.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from conformance.reporting import fold
from conformance.reporting.allure import cut
from conformance.reporting.summary import read_object

EVIDENCE = "_lmsconf_evidence"
DROPPED_LABELS = {"host", "thread", "framework", "language", "package"}
PARAMETER_LIMIT = 60
KEPT_PARAMETERS = {"first request"}   # a failed test's request, as sent (redacted), kept whole
PASSED_BODY_CUT = 1024   # characters of a body in a passed test's first exchange
PASSED = {"passed", "skipped"}


def _short(value: Any) -> Any:
    text = str(value)
    return text if len(text) <= PARAMETER_LIMIT else text[:PARAMETER_LIMIT] + "..."


def _dropped(label: dict[str, Any], rule_outcome: bool) -> bool:
    """Labels a ticket does without; the seed citation stays on each rule's own result."""
    return label.get("name") in DROPPED_LABELS or (label.get("name") == "contract" and not rule_outcome)


def _trim_result(path: Path, data: dict[str, Any]) -> None:
    labels = data.get("labels", [])
    rule_outcome = {"name": "tag", "value": "rule-outcome"} in labels
    data["labels"] = [label for label in labels if not _dropped(label, rule_outcome)]
    for parameter in data.get("parameters", []):
        if parameter.get("name") not in KEPT_PARAMETERS:
            parameter["value"] = _short(parameter.get("value", ""))
    path.write_text(json.dumps(data), encoding="utf-8")


def _keeps(fixture: dict[str, Any]) -> bool:
    return str(fixture.get("name", "")).startswith(EVIDENCE) or fixture.get("status") in ("failed", "broken")


def _trim_container(path: Path, data: dict[str, Any], passed: set[str]) -> None:
    befores = [f for f in data.get("befores", []) if _keeps(f)]
    afters = [f for f in data.get("afters", []) if _keeps(f)]
    if not befores and not afters:
        path.unlink()
        return
    if set(data.get("children", [])) <= passed:
        for fixture in afters:
            kept = [a for a in fixture.get("attachments", []) if a.get("name") != "curl"]
            for gone in fixture.get("attachments", []):
                if gone not in kept:
                    (path.parent / str(gone.get("source", ""))).unlink(missing_ok=True)
            fixture["attachments"] = kept
            for attachment in kept:
                _recut(path.parent / str(attachment.get("source", "")))
    data["befores"], data["afters"] = befores, afters
    path.write_text(json.dumps(data), encoding="utf-8")


def _recut(path: Path) -> None:
    """A passed test's exchange document with its bodies cut to PASSED_BODY_CUT."""
    if not path.name.endswith(".json"):
        return
    document = read_object(path)
    if document is None or "request" not in document:
        return
    for side in ("request", "response"):
        part = document.get(side) or {}
        if isinstance(part.get("body"), str):
            part["body"] = cut(part["body"], PASSED_BODY_CUT)
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")


def trimmed(results: Path, destination: Path) -> Path:
    """A trimmed copy of ``results`` at ``destination``."""
    shutil.copytree(results, destination)
    passed: set[str] = set()
    for path in destination.glob("*-result.json"):
        data = read_object(path)
        if data is None:
            continue
        if data.get("status") in PASSED:
            passed.add(str(data.get("uuid")))
        _trim_result(path, data)
    for path in destination.glob("*-container.json"):
        data = read_object(path)
        if data is not None:
            _trim_container(path, data, passed)
    fold.folded(destination)
    return destination
