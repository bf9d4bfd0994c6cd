"""How the simulated API writes its answers: JSON with one Content-Type, the two envelopes, error bodies.

Seed 002 "Content Type": "Whenever the API responds with some content, the response will be in JSON and
include ... Content-Type: application/json; charset=utf-8". "Response Envelopes": a collection comes as a
DtosEnvelope ``{"Data": [...], "Meta": {"Offset", "Limit", "HasMore", "TotalCount"}}`` ("TotalCount ... is
only not null when client explicitly asked"), a single record as a DtoEnvelope ``{"Data": {...}, "Meta":
{}}``. Errors are ASP.NET Web API's ``{"Message": ...}``: the seed's denial ("Authorization has been denied
for this request.") and its 415 body (``Message``, ``ExceptionMessage``, ``ExceptionType``, ``StackTrace``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import PlainTextResponse, Response

DENIED = "Authorization has been denied for this request."
INVALID = "The request is invalid."
CRASHED = "An error has occurred."
UNSUPPORTED_TYPE = "System.Net.Http.UnsupportedMediaTypeException"
UNSUPPORTED_TRACE = (
    "   at System.Net.Http.HttpContentExtensions.ReadAsAsync[T](HttpContent content, Type type, IEnumerable`1 "
    "formatters, IFormatterLogger formatterLogger, CancellationToken cancellationToken)\r\n"
    "   at System.Web.Http.ModelBinding.FormatterParameterBinding.ReadContentAsync(HttpRequestMessage request, "
    "Type type, IEnumerable`1 formatters, IFormatterLogger formatterLogger, CancellationToken cancellationToken)")
JSON_TYPE = "application/json"


class Denied(Exception):
    """Raised by a guard or handler; the app answers with the response it carries."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Writer:
    """Writes every answer of one simulated API.

    ``content_type`` is the profile's response Content-Type (fault charset-missing: without its charset);
    ``plain_errors`` is fault error-body-plain (every error body the text "error", status unchanged).
    """

    content_type: str
    plain_errors: bool = False

    @classmethod
    def from_profile(cls, media: Mapping[str, Any], *, charset_missing: bool, plain_errors: bool) -> Writer:
        content_type = str(media.get("response_content_type", f"{JSON_TYPE}; charset=utf-8"))
        if charset_missing:
            content_type = content_type.split(";", 1)[0].strip()
        return cls(content_type, plain_errors)

    def json(self, body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        return Response(encode(body), status, headers=dict(headers or {}), media_type=self.content_type)

    def error_body(self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Response:
        """Any error answer (an OAuth error too): the body given, or "error" as text under error-body-plain."""
        if self.plain_errors:
            return PlainTextResponse("error", status, headers=dict(headers or {}))
        return self.json(dict(body), status, headers)

    def error(self, status: int, message: str, headers: Mapping[str, str] | None = None, **extra: Any) -> Response:
        return self.error_body(status, {"Message": message, **extra}, headers)

    def deny(self, status: int, message: str, headers: Mapping[str, str] | None = None, **extra: Any) -> Denied:
        return Denied(self.error(status, message, headers, **extra))

    def unsupported(self, status: int, media_type: str, dto: str) -> Denied:
        """The seed's 415 body for a request body of ``media_type``."""
        return self.deny(
            status, f"The request entity's media type '{media_type}' is not supported for this resource.",
            ExceptionMessage=f"No MediaTypeFormatter is available to read an object of type '{dto}' from content "
                             f"with media type '{media_type}'.",
            ExceptionType=UNSUPPORTED_TYPE, StackTrace=UNSUPPORTED_TRACE)


def dtos(rows: list[Any], *, offset: int, limit: int, has_more: bool, total: int | None) -> dict[str, Any]:
    """A DtosEnvelope around one page of rows."""
    return {"Data": rows, "Meta": {"Offset": offset, "Limit": limit, "HasMore": has_more, "TotalCount": total}}


def dto(row: Mapping[str, Any]) -> dict[str, Any]:
    """A DtoEnvelope around one record."""
    return {"Data": dict(row), "Meta": {}}
