"""How the simulated API writes its answers: HAL JSON with the profile's media type, the page envelope, links
and error bodies.

Seed "Requests": "All requests should supply the Accept: application/vnd.assignr.v2.hal+json header"; every
answer is that type whatever the client accepted (real clients send ``Accept: application/json``).
VENDOR-FACTS (Assignr): a collection is ``{"page": {records, pages, current_page, next_page, prev_page,
limit}, "_links": {"self", "next", "prev": {"href"}}, "_embedded": {"<key>": [...]}}`` and each item carries
``_links.self: {"resource-type", "href"}``; a single record is the bare item with its ``_links``.

Assumed (no error body is published): ``{"error": {"code": "<snake_case status name>", "message": "...",
"details": {"<field>": ["..."]}}}`` (``details`` on a validation failure only).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

HAL_TYPE = "application/vnd.assignr.v2.hal+json"
JSON_TYPE = "application/json"
CODES = {400: "bad_request", 401: "unauthorized", 402: "payment_required", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 415: "unsupported_media_type", 422: "unprocessable_entity",
         429: "too_many_requests", 500: "internal_server_error"}


class Denied(Exception):
    """Raised by a guard or handler; the app answers with the response it carries."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Writer:
    """Writes every answer. ``content_type`` is the HAL type (fault hal-type-missing: application/json);
    ``validation_status`` the status of a validation failure (422; fault validation-as-400: 400)."""

    content_type: str = HAL_TYPE
    validation_status: int = 422

    def json(self, body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        return Response(encode(body), status, headers=dict(headers or {}), media_type=self.content_type)

    def empty(self, status: int = 204, headers: Mapping[str, str] | None = None) -> Response:
        return Response(b"", status, headers=dict(headers or {}))

    def error(self, status: int, message: str, headers: Mapping[str, str] | None = None,
              details: Mapping[str, list[str]] | None = None) -> Response:
        error: dict[str, Any] = {"code": CODES.get(status, "error"), "message": message}
        if details:
            error["details"] = {k: list(v) for k, v in details.items()}
        return self.json({"error": error}, status, headers)

    def deny(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> Denied:
        return Denied(self.error(status, message, headers))

    def invalid(self, details: Mapping[str, list[str]]) -> Denied:
        """A validation failure: 422 naming each field's problems."""
        message = "Validation failed: " + "; ".join(f"{field} {', '.join(problems)}"
                                                     for field, problems in details.items())
        return Denied(self.error(self.validation_status, message, details=details))


def link(resource_type: str, href: str) -> dict[str, str]:
    return {"resource-type": resource_type, "href": href}


def collection(key: str, rows: list[dict[str, Any]], page: Mapping[str, Any],
               links: Mapping[str, str | None]) -> dict[str, Any]:
    return {"page": dict(page), "_links": {name: {"href": href} for name, href in links.items() if href},
            "_embedded": {key: rows}}
