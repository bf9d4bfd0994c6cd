"""Write rules every vendor that creates records by POST shares (seed 002 'Examples', Example 4: "the response
header provides the location of the just created resource")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.rules.common import Answer, describe, json_body
from conformance.rules.registry import Violation, rule
from conformance.walk import dig


@rule("writes.created-location", cites="002_b0b03e2e2867055f.txt 'Examples' (Example 4 - POST (create) a new "
      "resource); RFC 9110 section 15.3.2 (201 Created)",
      summary="a POST that creates answers 201 with a Location that resolves to the created record")
def created_location(created: Answer, expected: int, fetched: Answer | None, record_path: str | None,
                     sent: Mapping[str, Any]) -> None:
    if created.status != expected:
        raise Violation(f"the create was not answered {expected}; {describe(created)}")
    if not created.response_headers.get("location"):
        raise Violation(f"the {expected} answer has no Location header; {describe(created)}")
    if fetched is None or fetched.status != 200:
        where = describe(fetched) if fetched is not None else "it was not fetched"
        raise Violation(f"the Location {created.response_headers['location']!r} does not resolve; {where}")
    ok, body = json_body(fetched)
    record = dig(body, record_path)
    if not ok or not isinstance(record, dict):
        raise Violation(f"the Location answered no record; {describe(fetched)}")
    differs = [k for k, v in sent.items() if record.get(k) != v]
    if differs:
        raise Violation(f"the record at the Location is not the one created: {', '.join(sorted(differs)[:5])} "
                        "differ from what was sent")
