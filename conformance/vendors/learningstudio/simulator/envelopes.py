"""How the simulated API writes its answers: JSON bodies, the ``.xml`` rendering, one error shape.

Collections are wrapped in an object under the resource's plural name (``{"courses": [...]}``,
``{"enrolledUsers": [...]}``); a single record is the same wrapper around a list of one, as the public PHP
sample reads a course (``$course_info->courses[0]->title`` from ``GET /courses/{id}``). An exam attempt is
``{"attempt": {...}}`` and a list of them ``{"attempts": [...]}`` (the Java library's ExamService reads
``attempt.pearsonExamToken`` and ``attempts[].isCompleted``); ``/systemDateTime`` is ``{"systemDateTime":
{"value": ...}}`` (AbstractService).

Every error body, from the token endpoint or any other, is ``{"error": <code>, "error_description": <text>}``
(assumed: the OAuth 2 / RFC 6749 5.2 form the token endpoint answers, used throughout; the seed says only "The
response includes message text that describes the reason for the error"). Codes, not texts, are the contract.

XML (a ``.xml`` suffix on a GET path, as the Java library's ``DataFormat.XML`` appends): the JSON body written
as elements, each list's items named by the list's name without its final "s" (``<courses><course>``) -
assumed, kept simple. Errors stay JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from starlette.responses import Response

JSON_TYPE, XML_TYPE = "application/json", "application/xml"

# error codes (the ``error`` field)
INVALID_TOKEN, EXPIRED_TOKEN = "invalid_token", "expired_token"
INVALID_GRANT, INVALID_CLIENT, UNSUPPORTED_GRANT = "invalid_grant", "invalid_client", "unsupported_grant_type"
INVALID_REQUEST, NOT_FOUND, FORBIDDEN = "invalid_request", "not_found", "forbidden"
METHOD_NOT_ALLOWED, NOT_ACCEPTABLE, TOO_MANY = "method_not_allowed", "not_acceptable", "too_many_requests"
SERVER_ERRORS = {500: "server_error", 502: "bad_gateway", 503: "service_unavailable"}


class Denied(Exception):
    """Raised by a guard or handler; the app answers with the response it carries."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _element(name: str, value: Any) -> str:
    if isinstance(value, Mapping):
        inner = "".join(_element(str(k), v) for k, v in value.items())
    elif isinstance(value, list):
        child = name[:-1] if name.endswith("s") and len(name) > 1 else "item"
        inner = "".join(_element(child, v) for v in value)
    elif value is None:
        return f"<{name}/>"
    elif isinstance(value, bool):
        inner = "true" if value else "false"
    else:
        inner = escape(str(value))
    return f"<{name}>{inner}</{name}>"


def to_xml(body: Any) -> bytes:
    """A JSON body as XML: an object of one key is the root element; anything else sits under ``<response>``."""
    if isinstance(body, Mapping) and len(body) == 1:
        (name, value), = body.items()
        text = _element(str(name), value)
    else:
        text = _element("response", body)
    return ('<?xml version="1.0" encoding="utf-8"?>' + text).encode("utf-8")


@dataclass(frozen=True)
class Writer:
    """Writes every answer. ``forbidden_as_404`` is fault forbidden-as-404 (every 403 answers 404)."""

    forbidden_as_404: bool = False

    def json(self, body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        return Response(encode(body), status, headers=dict(headers or {}), media_type=JSON_TYPE)

    def empty(self, status: int = 204) -> Response:
        return Response(b"", status)

    def error(self, status: int, code: str, description: str, headers: Mapping[str, str] | None = None) -> Response:
        if status == 403 and self.forbidden_as_404:
            status = 404
        return self.json({"error": code, "error_description": description}, status, headers)

    def deny(self, status: int, code: str, description: str, headers: Mapping[str, str] | None = None) -> Denied:
        return Denied(self.error(status, code, description, headers))


def wrap(key: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A collection, or a single record as a list of one, under its plural name."""
    return {key: rows}
