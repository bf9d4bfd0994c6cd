"""How the simulated API writes its answers: JSON with the profile's Content-Type, the page and record
envelopes, error bodies.

VENDOR-FACTS (iHASCO, the legacy public SDK): a page is ``{"data": [...], "dataCount", "pagination":
{"next_url", "prev_url"}}`` (``dataCount`` the rows in ``data``), a single record ``{"data": {...},
"dataCount": 1}``, an error ``{"errors": [{"title", "detail"}]}``. Seed "Problem: 400 Bad Request": "a
summary of errors encountered"; each validation error names its field in ``source.pointer`` (``/email``) or,
for a query parameter, ``source.parameter`` (assumed, JSON:API's error object).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.responses import PlainTextResponse, Response

JSON_TYPE = "application/json"


class Denied(Exception):
    """Raised by a guard or handler; the app answers with the response it carries."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True)
class Problem:
    """One validation error: what is wrong, and where (``pointer`` into the body, or a query ``parameter``)."""

    title: str
    detail: str
    pointer: str | None = None
    parameter: str | None = None

    def body(self) -> dict[str, Any]:
        source = {"pointer": self.pointer} if self.pointer is not None else {"parameter": self.parameter}
        return {"title": self.title, "detail": self.detail, "source": source}


def encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Writer:
    """Writes every answer of the simulated API.

    ``plain_errors`` is fault ihasco-error-body-plain (every error body the text "error", status unchanged);
    ``empty_summary`` is fault validation-summary-missing (a refused PATCH answers ``{"errors": []}``).
    """

    content_type: str = JSON_TYPE
    plain_errors: bool = False
    empty_summary: bool = False

    def json(self, body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        return Response(encode(body), status, headers=dict(headers or {}), media_type=self.content_type)

    def errors(self, status: int, errors: Sequence[Mapping[str, Any]],
               headers: Mapping[str, str] | None = None) -> Response:
        if self.plain_errors:
            return PlainTextResponse("error", status, headers=dict(headers or {}))
        return self.json({"errors": [dict(e) for e in errors]}, status, headers)

    def error(self, status: int, title: str, detail: str, headers: Mapping[str, str] | None = None) -> Response:
        return self.errors(status, [{"title": title, "detail": detail}], headers)

    def deny(self, status: int, title: str, detail: str, headers: Mapping[str, str] | None = None) -> Denied:
        return Denied(self.error(status, title, detail, headers))

    def invalid(self, status: int, problems: Sequence[Problem], *, write: bool = False) -> Denied:
        """A validation failure, one error per problem; a refused write (``write``) lists none under fault
        validation-summary-missing."""
        shown = [] if write and self.empty_summary else [p.body() for p in problems]
        return Denied(self.errors(status, shown))


def page(rows: list[Any], count: int, next_url: str | None, prev_url: str | None) -> dict[str, Any]:
    return {"data": rows, "dataCount": count, "pagination": {"next_url": next_url, "prev_url": prev_url}}


def item(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"data": dict(row), "dataCount": 1}
