"""Allure labels and redacted exchange attachments for each conformance test, and one result per rule.

A test's attachments are ticket-sized: a failed test shows every exchange in full; a passed one shows one
line per exchange (method, redacted URL, status, size, time) and its first exchange in full; a body longer
than BODY_CUT keeps its head and states its full size. Every exchange of every test is also saved whole
(already redacted) under ``DIR/<profile>/exchanges/``, from which ``lmsconf report --full`` builds a report
that keeps everything (conformance/reporting/full.py).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import allure

from conformance.reporting.summary import ERROR, FAILED, ProfileSummary, RuleTally
from conformance.rules.registry import REGISTRY, SEVERITIES, Rule

BODY_CUT = 8 * 1024                  # characters of a body shown in the default report
EXCHANGES_LABEL = "lmsconf-exchanges"   # hidden label: the key of the test's saved exchanges
EXCHANGES_DIR = "exchanges"
CATEGORY_LABEL = "lmsconf-category"     # hidden label matched by the report's categories
CONTRACT_VIOLATION, TARGET_UNAVAILABLE = "contract-violation", "target-unavailable"
AUTH_OR_CONFIG, RATE_LIMITED = "auth-or-config", "rate-limited"


def exchanges_key(nodeid: str) -> str:
    """The file name (without suffix) a test's whole exchanges are saved under."""
    return hashlib.sha256(nodeid.encode()).hexdigest()[:24]


def severity_of(rules: Sequence[Rule]) -> str:
    """The gravest severity among the rules a test checks."""
    return min((r.severity for r in rules), key=SEVERITIES.index, default="normal")


def label(profile_id: str, rules: Sequence[Rule], key: str | None = None) -> None:
    """epic = profile, feature = area, story = rule id (one story per rule a test checks); the severity,
    the seed section each rule enforces, and (hidden) the key of the test's saved exchanges."""
    allure.dynamic.epic(profile_id)
    allure.dynamic.parent_suite(profile_id)
    for area in sorted({r.area for r in rules}):
        allure.dynamic.feature(area)
    for item in rules:
        allure.dynamic.story(item.id)
        allure.dynamic.label("rule", item.id)
        allure.dynamic.label("contract", f"{item.id}: {item.cites}")
    allure.dynamic.severity(allure.severity_level(severity_of(rules)))
    allure.dynamic.parameter("profile", profile_id)
    if key:
        allure.dynamic.label(EXCHANGES_LABEL, key)


def cut(text: str | None, limit: int | None = BODY_CUT) -> str | None:
    """``text`` whole when it fits ``limit`` (None: no limit), else its head and its full size."""
    if text is None or limit is None or len(text) <= limit:
        return text
    return text[:limit] + f"\n[lmsconf: {limit} of {len(text)} characters shown; `lmsconf report --full` shows all]"


def exchange_document(ex: Any, account: str | None = None, limit: int | None = BODY_CUT) -> dict[str, Any]:
    """An already-redacted exchange as a JSON-ready document; ``account`` names the account (or client id) a
    vendor's support desk asks for with it (never the token: that is redacted from every exchange)."""
    return {
        **({"account": account} if account else {}),
        "seq": ex.seq,
        "purpose": ex.purpose,
        "request": {"method": ex.method, "url": ex.url, "headers": ex.request_headers,
                    "body": cut(ex.request_body, limit)},
        "response": {"status": ex.status, "reason": ex.reason, "headers": ex.response_headers,
                     "body": cut(ex.response_body, limit)},
        "elapsed_s": round(ex.elapsed_s, 4),
        "curl": ex.curl(),
    }


def index_line(ex: Any) -> str:
    """One line for one exchange: number, method, status, response size, time, redacted URL, purpose."""
    size = len((ex.response_body or "").encode("utf-8", errors="replace"))
    return (f"#{ex.seq:<6} {ex.method:<6} {ex.status!s:<4} {size:>9} B {ex.elapsed_s * 1000:>8.1f} ms  "
            f"{ex.url}  ({ex.purpose})")


def attachment_name(document: dict[str, Any]) -> str:
    request, response = document["request"], document["response"]
    return f"#{document['seq']} {request['method']} {response['status']} {request['url'].split('?', 1)[0]}"


def attach_documents(documents: Sequence[dict[str, Any]]) -> None:
    """Each exchange document as a JSON attachment, then their curl lines."""
    for document in documents:
        allure.attach(json.dumps(document, indent=2), name=attachment_name(document),
                      attachment_type=allure.attachment_type.JSON)
    if documents:
        allure.attach("\n".join(d["curl"] for d in documents), name="curl",
                      attachment_type=allure.attachment_type.TEXT)


def describe_failure(doc: str | None, exchanges: Sequence[Any]) -> None:
    """A failed test's overview: its docstring, then the first request as sent (secrets as placeholders)."""
    intro = " ".join((doc or "").split())
    text = f"{intro}\n\nFirst request of {len(exchanges)}, as sent (secrets as `${{LMSCONF_*}}` placeholders):\n\n"
    allure.dynamic.description(text + "    " + exchanges[0].curl() + "\n")
    allure.dynamic.parameter("first request", exchanges[0].curl(), excluded=True)


def attach_exchanges(exchanges: Sequence[Any], *, failed: bool = False, account: str | None = None,
                     doc: str | None = None) -> None:
    """Attach the exchanges of one test: one line for each; every one in full when it failed (and the first
    request in its overview), else the first."""
    if not exchanges:
        return
    if failed:
        describe_failure(doc, exchanges)
    if account:
        allure.dynamic.parameter("account", account)
    index = "\n".join(index_line(ex) for ex in exchanges)
    allure.attach(index, name=f"exchanges ({len(exchanges)})", attachment_type=allure.attachment_type.TEXT)
    shown = exchanges if failed else exchanges[:1]
    attach_documents([exchange_document(ex, account) for ex in shown])


def save_exchanges(folder: Path, key: str, exchanges: Sequence[Any], account: str | None = None) -> Path | None:
    """Save every exchange of one test whole (already redacted) for ``lmsconf report --full``."""
    if not exchanges:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.json.gz"
    documents = [exchange_document(ex, account, limit=None) for ex in exchanges]
    path.write_bytes(gzip.compress(json.dumps(documents).encode("utf-8"), compresslevel=5))
    return path


def problem_category(kind: str, reason: str) -> str | None:
    """Which of the report's categories a problem falls in: a violation ("violation", or "blocked" by one),
    a configuration or credentials error ("config"), else the target: rate limited when a 429 is named."""
    if kind in ("violation", "blocked"):
        return CONTRACT_VIOLATION
    if kind == "config":
        return AUTH_OR_CONFIG
    if kind != "target":
        return None
    return RATE_LIMITED if "429" in reason or "rate limit" in reason.lower() else TARGET_UNAVAILABLE


def category(tally: RuleTally) -> str | None:
    """The category of a rule's outcome (None: passed or not checked)."""
    if tally.outcome == FAILED:
        return CONTRACT_VIOLATION
    if tally.outcome != ERROR:
        return None
    return problem_category(tally.error_kind or "target", tally.reason)


def categorise(kind: str, reason: str) -> None:
    """Label the running test with its problem's category."""
    found = problem_category(kind, reason)
    if found:
        allure.dynamic.label(CATEGORY_LABEL, found)


# A waived rule: skipped (a known failure does not fail the report), marked known, tagged "waived", its ticket a
# parameter; its message says "waived by <ticket> (<reason>); the check failed: ...".
ALLURE_STATUS = {"passed": "passed", "failed": "failed", "error": "broken", "not-checked": "skipped",
                 "waived": "skipped"}


def _rule_labels(profile_id: str, rule_id: str, tally: RuleTally) -> list[dict[str, str]]:
    area = rule_id.split(".", 1)[0]
    known = REGISTRY.get(rule_id)
    labels = [{"name": "epic", "value": profile_id}, {"name": "parentSuite", "value": profile_id},
              {"name": "feature", "value": area}, {"name": "story", "value": rule_id},
              {"name": "rule", "value": rule_id}, {"name": "suite", "value": "rule outcomes"},
              {"name": "tag", "value": "rule-outcome"},
              {"name": "severity", "value": known.severity if known else "normal"}]
    if known is not None:
        labels.append({"name": "contract", "value": f"{rule_id}: {known.cites}"})
    kind = category(tally)
    if kind:
        labels.append({"name": CATEGORY_LABEL, "value": kind})
    return labels


def rule_result(profile_id: str, rule_id: str, tally: RuleTally, when_ms: int) -> dict[str, Any]:
    """One Allure result per applicable rule, carrying the rule's own outcome and its reason."""
    history = hashlib.sha256(f"{profile_id}:{rule_id}".encode()).hexdigest()
    known = REGISTRY.get(rule_id)
    description = f"{known.summary}\n\nContract: {known.cites}" if known else ""
    result: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "historyId": history,
        "testCaseId": history,
        "name": f"rule {rule_id}: {tally.outcome}",
        "fullName": f"{profile_id}.rules.{rule_id}",
        "description": description,
        "status": ALLURE_STATUS[tally.outcome],
        "statusDetails": {"message": tally.reason},
        "stage": "finished",
        "start": when_ms,
        "stop": when_ms,
        "labels": _rule_labels(profile_id, rule_id, tally),
        "parameters": [{"name": "profile", "value": profile_id},
                       {"name": "tests", "value": str(tally.tests)},
                       {"name": "requests", "value": str(tally.requests)}],
    }
    if tally.outcome == "waived" and tally.waiver:
        result["statusDetails"]["known"] = True
        result["labels"].append({"name": "tag", "value": "waived"})
        result["parameters"].append({"name": "waiver", "value": str(tally.waiver["ticket"])})
    return result


def write_rule_results(results_dir: Path, summary: ProfileSummary) -> None:
    """Write the rule-outcome results beside the tests' own (allure-pytest's files)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    now = int(time.time() * 1000)
    for rule_id, tally in sorted(summary.rules.items()):
        result = rule_result(summary.profile, rule_id, tally, now)
        (results_dir / f"{result['uuid']}-result.json").write_text(json.dumps(result), encoding="utf-8")
