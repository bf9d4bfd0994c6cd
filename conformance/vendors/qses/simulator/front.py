"""ASGI middleware in front of every route: paths matched like ASP.NET routes, the throttles, and the faults
that bend every answer alike (an honoured Accept, CORS granted).

Paths compare without regard to case or a trailing slash (``gateway.normal_path``). Every request - the
token's, Diagnostics', an unknown path's, a refused one - counts against the throttle of its client IP and
endpoint (the normalised path without the query); a refused request answers 429 with no body, the
profile's reason phrase for the window that tripped (through the simulator server's reason-phrase header,
``conformance.simulator.reason``) and ``Retry-After``. The counts are ``conformance.simulator.windows``'
fixed windows (seed 002 "Rate Limiting": "an IP and endpoint concurrent request throttle"; "per second, per
minute, per hour, per day and per week. Each of these has its own count"; "Retry-After: 33 ... the number of
seconds left before your count will be reset"). Seed 002 "The Same Origin Policy": no answer carries
``Access-Control-Allow-Origin``, and a CORS preflight is not granted (OPTIONS is no route's method: 405).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.simulator.dialects.gateway import normalised
from conformance.simulator.reason import REASON_HEADER
from conformance.simulator.windows import Refusal, Throttle, reason
from conformance.vendors.qses.simulator.envelopes import Writer

GENERIC_REASON = "Too Many Requests"     # fault reason-generic
JSON_RANGES = frozenset({"*/*", "application/*", "application/json", "text/json"})
CORS_GRANT = {"Access-Control-Allow-Origin": "*"}
UNKNOWN_CLIENT = "unknown"


def accepts_json(accept: str | None) -> bool:
    """Whether an Accept header admits JSON (no header admits anything)."""
    if not accept or not accept.strip():
        return True
    return any(part.split(";", 1)[0].strip().lower() in JSON_RANGES for part in accept.split(","))


def is_preflight(scope: Scope, headers: Headers) -> bool:
    return scope["method"] == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers


@dataclass(frozen=True)
class Policy:
    """What the front applies, from the profile and the faults."""

    throttle: Throttle
    reason: str                      # the profile's reason phrase template
    rate_limited: int
    writer: Writer
    faults: Callable[[str], bool]


class Front:
    def __init__(self, app: ASGIApp, policy: Policy) -> None:
        self.app = app
        self.policy = policy

    def refused(self, refusal: Refusal) -> Response:
        fault = self.policy.faults
        headers = {REASON_HEADER: GENERIC_REASON if fault("reason-generic") else reason(self.policy.reason,
                                                                                          refusal.window)}
        if not fault("retry-after-missing"):
            headers["Retry-After"] = "1" if fault("retry-after-short") else str(refusal.retry_after)
        return Response(status_code=self.policy.rate_limited, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = normalised(scope)
        path = scope["path"]
        client = scope.get("client")
        fault = self.policy.faults
        cors = fault("cors-any-origin")
        send = _granting(send) if cors else send
        refusal = self.policy.throttle.hit(client[0] if client else UNKNOWN_CLIENT, path)
        if refusal is not None:
            await self.refused(refusal)(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if cors and is_preflight(scope, headers):
            allowed = {"Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
                       "Access-Control-Allow-Headers": headers.get("access-control-request-headers", "*"),
                       "Access-Control-Max-Age": "600"}
            await self.policy.writer.json({}, 200, allowed)(scope, receive, send)
            return
        if fault("accept-honoured") and not accepts_json(headers.get("accept")):
            response = self.policy.writer.error(406, "The requested media type is not acceptable: this resource "
                                                     "answers application/json only.")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _granting(send: Send) -> Send:
    """Fault cors-any-origin: every answer grants any origin."""
    async def granting(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in CORS_GRANT.items():
                headers[name] = value
        await send(message)
    return granting
