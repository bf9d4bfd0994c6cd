"""Evidence helpers shared by rule modules: how an exchange is described in a violation."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

from conformance import schemas
from conformance.rules.registry import Violation


class Answer(Protocol):
    """The part of a recorded exchange rules look at (conformance.http.record.Exchange fits)."""

    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def status(self) -> int | None: ...
    @property
    def response_headers(self) -> dict[str, str]: ...
    @property
    def response_body(self) -> str: ...


def describe(ex: Answer) -> str:
    return f"{ex.method} {ex.url} answered {ex.status if ex.status is not None else 'nothing'}"


def json_body(ex: Answer) -> tuple[bool, Any]:
    """(True, parsed) when the body is JSON, else (False, None).

    Rules judge whole bodies: an exchange of which the recorder kept only a clipped copy (for the report) is
    a RuntimeError, a fault of the suite, never a violation of the target."""
    if getattr(ex, "clipped", False):
        raise RuntimeError(f"{describe(ex)}: only a clipped copy of the body was kept; a rule needs it whole")
    try:
        return True, json.loads(ex.response_body)
    except (ValueError, TypeError):
        return False, None


def media_type(ex: Answer) -> str:
    value = ex.response_headers.get("content-type", "")
    return value.split(";", 1)[0].strip().lower()


def expect_status(exchanges: Iterable[Answer], expected: int, situation: str = "") -> None:
    """Every exchange answered ``expected``; the violation lists the first few that did not."""
    wrong = [describe(ex) for ex in exchanges if ex.status != expected]
    if wrong:
        raise Violation(f"expected HTTP {expected}{situation}; " + "; ".join(wrong[:5]))


def expect_json_matching(ex: Answer, schema: str, what: str) -> None:
    """The body is JSON and matches ``schema``; ``what`` names the body in the violation."""
    ok, body = json_body(ex)
    if not ok:
        raise Violation(f"{what} is not JSON; {describe(ex)}")
    problems = schemas.errors(schema, body)
    if problems:
        raise Violation(f"{what} does not match {schema}: {'; '.join(problems)}; {describe(ex)}")
