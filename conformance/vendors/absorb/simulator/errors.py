"""Absorb error bodies: v1.5's GenericErrorResponse and v1's ASP.NET ``{"Message"}``.

v1.5 (VENDOR-FACTS "Error body (GenericErrorResponse)"): ``{validations, code,
message, term, _meta}``. v1 was ASP.NET Web API, whose errors are
``{"Message": ...}`` (assumed: no source shows a v1 error body; this is the
framework's default shape, and what VENDOR-FACTS reports for another ASP.NET
API of the same era).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

MESSAGES: dict[int, tuple[str, str]] = {
    400: ("The request is invalid.", "BadRequest"),
    401: ("Authorization has been denied for this request.", "Unauthorized"),
    403: ("Forbidden", "Forbidden"),
    404: ("Resource not found", "NotFound"),
    405: ("The requested method is not allowed.", "MethodNotAllowed"),
    422: ("A validation error occurred", "ValidationError"),
    429: ("Too many requests", "TooManyRequests"),
    500: ("An error has occurred.", "InternalServerError"),
}


class Denied(Exception):
    """Raised by a guard or handler; the app answers with the response it carries."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True)
class ErrorStyle:
    """How one API version words an error; ``plain`` is the error-body-plain fault (v1.5 only)."""

    version: Literal["v1_5", "v1"]
    plain: bool = False

    def response(self, status: int, *validations: str, message: str | None = None,
                 headers: dict[str, str] | None = None) -> Response:
        default_message, term = MESSAGES.get(status, ("An error has occurred.", "Error"))
        if self.version == "v1":
            text = message or (validations[0] if validations else default_message)
            return JSONResponse({"Message": text}, status, headers=headers)
        if self.plain:
            return PlainTextResponse("error", status, headers=headers)
        body = {"validations": list(validations), "code": status, "message": message or default_message,
                "term": term, "_meta": {}}
        return JSONResponse(body, status, headers=headers)

    def deny(self, status: int, *validations: str, **kwargs: Any) -> Denied:
        return Denied(self.response(status, *validations, **kwargs))


Handler = Callable[[Request, Exception], Awaitable[Response]]


def error_handlers(style: ErrorStyle) -> dict[Any, Handler]:
    """Starlette exception handlers answering every error in the style's body."""
    async def on_denied(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Denied)
        return exc.response

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return style.response(exc.status_code, headers=dict(exc.headers or {}))

    async def on_crash(request: Request, exc: Exception) -> Response:
        return style.response(500)

    return {Denied: on_denied, HTTPException: on_http_error, Exception: on_crash}
