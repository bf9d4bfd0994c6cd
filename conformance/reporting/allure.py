"""Allure labels and redacted exchange attachments for each conformance test."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import allure

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


def exchange_document(ex: Any) -> dict[str, Any]:
    """An already-redacted exchange as a JSON-ready document."""
    return {
        "seq": ex.seq,
        "purpose": ex.purpose,
        "request": {"method": ex.method, "url": ex.url, "headers": ex.request_headers,
                    "body": _clip(ex.request_body)},
        "response": {"status": ex.status, "reason": ex.reason, "headers": ex.response_headers,
                     "body": _clip(ex.response_body)},
        "elapsed_s": round(ex.elapsed_s, 4),
        "curl": ex.curl(),
    }


def attach_exchanges(exchanges: Sequence[Any], *, failed: bool = False) -> None:
    """Attach the exchanges of one test: an index of all, and the first and last in full (more when it failed)."""
    if not exchanges:
        return
    index = "\n".join(f"{ex.seq:>6} {ex.method:<6} {ex.status!s:<4} {ex.url}  ({ex.purpose})" for ex in exchanges)
    allure.attach(index, name=f"exchanges ({len(exchanges)})", attachment_type=allure.attachment_type.TEXT)
    shown = list(exchanges)
    ends = HEAD_TAIL_FAILED if failed else HEAD_TAIL_PASSED
    if len(shown) > 2 * ends:
        shown = shown[:ends] + shown[-ends:]
    for ex in shown:
        name = f"#{ex.seq} {ex.method} {ex.status} {ex.url.split('?', 1)[0]}"
        allure.attach(json.dumps(exchange_document(ex), indent=2), name=name,
                      attachment_type=allure.attachment_type.JSON)
    allure.attach("\n".join(ex.curl() for ex in shown), name="curl", attachment_type=allure.attachment_type.TEXT)
