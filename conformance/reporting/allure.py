"""Allure labels and redacted exchange attachments for each conformance test, and one result per rule."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import allure

from conformance.reporting.summary import ProfileSummary, RuleTally
from conformance.rules.registry import Rule

BODY_LIMIT = 32 * 1024
HEAD_TAIL_FAILED = 25   # exchanges shown in full from each end of a failed test
HEAD_TAIL_PASSED = 5    # and of a passed one (the index lists every exchange either way)


def label(profile_id: str, rules: Sequence[Rule]) -> None:
    """epic = profile, feature = area, story = rule id (one story per rule a test checks)."""
    allure.dynamic.epic(profile_id)
    allure.dynamic.parent_suite(profile_id)
    for area in sorted({r.area for r in rules}):
        allure.dynamic.feature(area)
    for item in rules:
        allure.dynamic.story(item.id)
        allure.dynamic.label("rule", item.id)
    allure.dynamic.parameter("profile", profile_id)


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= BODY_LIMIT:
        return text
    return text[:BODY_LIMIT] + f"\n... [{len(text) - BODY_LIMIT} more characters not shown]"


def exchange_document(ex: Any, account: str | None = None) -> dict[str, Any]:
    """An already-redacted exchange as a JSON-ready document; ``account`` names the account (or client id) a
    vendor's support desk asks for with it (never the token: that is redacted from every exchange)."""
    return {
        **({"account": account} if account else {}),
        "seq": ex.seq,
        "purpose": ex.purpose,
        "request": {"method": ex.method, "url": ex.url, "headers": ex.request_headers,
                    "body": _clip(ex.request_body)},
        "response": {"status": ex.status, "reason": ex.reason, "headers": ex.response_headers,
                     "body": _clip(ex.response_body)},
        "elapsed_s": round(ex.elapsed_s, 4),
        "curl": ex.curl(),
    }


def attach_exchanges(exchanges: Sequence[Any], *, failed: bool = False, account: str | None = None) -> None:
    """Attach the exchanges of one test: an index of all, and the first and last in full (more when it failed),
    each naming the ``account`` when the profile says which setting holds it."""
    if not exchanges:
        return
    if account:
        allure.dynamic.parameter("account", account)
    index = "\n".join(f"{ex.seq:>6} {ex.method:<6} {ex.status!s:<4} {ex.url}  ({ex.purpose})" for ex in exchanges)
    allure.attach(index, name=f"exchanges ({len(exchanges)})", attachment_type=allure.attachment_type.TEXT)
    shown = list(exchanges)
    ends = HEAD_TAIL_FAILED if failed else HEAD_TAIL_PASSED
    if len(shown) > 2 * ends:
        shown = shown[:ends] + shown[-ends:]
    for ex in shown:
        name = f"#{ex.seq} {ex.method} {ex.status} {ex.url.split('?', 1)[0]}"
        allure.attach(json.dumps(exchange_document(ex, account), indent=2), name=name,
                      attachment_type=allure.attachment_type.JSON)
    allure.attach("\n".join(ex.curl() for ex in shown), name="curl", attachment_type=allure.attachment_type.TEXT)


# A waived rule: skipped (a known failure does not fail the report), marked known, tagged "waived", its ticket a
# parameter; its message says "waived by <ticket> (<reason>); the check failed: ...".
ALLURE_STATUS = {"passed": "passed", "failed": "failed", "error": "broken", "not-checked": "skipped",
                 "waived": "skipped"}


def rule_result(profile_id: str, rule_id: str, tally: RuleTally, when_ms: int) -> dict[str, Any]:
    """One Allure result per applicable rule, carrying the rule's own outcome and its reason."""
    area = rule_id.split(".", 1)[0]
    history = hashlib.sha256(f"{profile_id}:{rule_id}".encode()).hexdigest()
    result: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "historyId": history,
        "testCaseId": history,
        "name": f"rule {rule_id}: {tally.outcome}",
        "fullName": f"{profile_id}.rules.{rule_id}",
        "status": ALLURE_STATUS[tally.outcome],
        "statusDetails": {"message": tally.reason},
        "stage": "finished",
        "start": when_ms,
        "stop": when_ms,
        "labels": [{"name": "epic", "value": profile_id}, {"name": "parentSuite", "value": profile_id},
                   {"name": "feature", "value": area}, {"name": "story", "value": rule_id},
                   {"name": "rule", "value": rule_id}, {"name": "suite", "value": "rule outcomes"},
                   {"name": "tag", "value": "rule-outcome"}],
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
