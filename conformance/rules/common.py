"""Evidence helpers shared by rule modules: how an exchange is described in a violation."""

from __future__ import annotations

import json
from typing import Any, Protocol


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
    """(True, parsed) when the body is JSON, else (False, None)."""
    try:
        return True, json.loads(ex.response_body)
    except (ValueError, TypeError):
        return False, None


def media_type(ex: Answer) -> str:
    value = ex.response_headers.get("content-type", "")
    return value.split(";", 1)[0].strip().lower()
