"""ASGI middleware in front of every route: the server-error switch, the ``.xml`` suffix, the token guard and
the rate limit, in that order. The token endpoint passes straight through (never failed, never counted).

Rate limit (seed 429: "Keys are limited to 500 requests per second"): a token bucket per key - the calling
token's ``client_id``, the application id - on the simulator's clock (``conformance.simulator.ratelimit``,
capacity and rate from the profile's ``[ratelimit]``). A refused token counts nothing. Past the limit: 429
with an error body and ``Retry-After`` (whole seconds; the seed documents none).

Server-error switch (seed 500/502/503: "Retry the request"): ``Switch.set(status, next, share)`` makes the
next ``next`` requests - or, with ``share``, every k-th request (k = round(1/share)) - or, with neither, every
request answer ``status`` with an error body until ``set(0)`` clears it. Faults server-error-persists,
bad-gateway-persists and unavailable-persists make a switched-on 500, 502 or 503 fail every request until
cleared (it never runs out).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.simulator.ratelimit import RateLimiter
from conformance.vendors.learningstudio.simulator.auth import Auth, Caller
from conformance.vendors.learningstudio.simulator.envelopes import SERVER_ERRORS, TOO_MANY, Writer

XML_SUFFIX = ".xml"
PERSISTS = {500: "server-error-persists", 502: "bad-gateway-persists", 503: "unavailable-persists"}
EARLY_LIMIT = 250      # fault ls-rate-limit-early: refused past this many a second


@dataclass
class Switch:
    """The server-error switch a test turns on through ``app.state.hooks["fail"]``."""

    faults: Callable[[str], bool]
    status: int = 0
    left: int = 0          # requests still to fail (counting mode)
    every: int = 0         # every k-th request fails (share mode)
    seen: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, status: int, next: int = 0, share: float = 0.0) -> None:
        if status and status not in SERVER_ERRORS:
            raise ValueError(f"status {status}: the switch answers 500, 502 or 503")
        if next < 0 or not 0.0 <= share <= 1.0:
            raise ValueError("next is a count (>= 0) and share a fraction (0 to 1)")
        with self.lock:
            self.status, self.left, self.seen = status, next, 0
            self.every = max(1, round(1 / share)) if share > 0 and not next else 0

    def fires(self) -> int:
        """The status this request must answer (0: serve it)."""
        with self.lock:
            if not self.status:
                return 0
            if self.faults(PERSISTS[self.status]):
                return self.status
            if self.left:
                self.left -= 1
                status = self.status
                if not self.left:
                    self.status = 0
                return status
            if self.every:
                self.seen += 1
                return self.status if self.seen % self.every == 0 else 0
            return self.status


def limiter(settings: dict[str, object], clock: Callable[[], float], faults: Callable[[str], bool]) -> RateLimiter:
    if faults("ls-rate-limit-early"):
        return RateLimiter(capacity=EARLY_LIMIT, rate=EARLY_LIMIT, clock=clock)
    return RateLimiter.from_profile(settings, clock, enabled=not faults("ls-no-rate-limit"))


@dataclass(frozen=True)
class Policy:
    auth: Auth
    limiter: RateLimiter
    switch: Switch
    writer: Writer
    token_path: str
    rate_limited: int


class Front:
    def __init__(self, app: ASGIApp, policy: Policy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == self.policy.token_path:
            await self.app(scope, receive, send)
            return
        policy = self.policy
        failing = policy.switch.fires()
        if failing:
            response = policy.writer.error(failing, SERVER_ERRORS[failing], "Retry the request.")
            await response(scope, receive, send)
            return
        path: str = scope["path"]
        xml = scope["method"] in ("GET", "HEAD") and path.lower().endswith(XML_SUFFIX)
        if xml:
            path = path[:-len(XML_SUFFIX)]
            scope = {**scope, "path": path, "raw_path": path.encode("utf-8")}
        caller = policy.auth.caller(Headers(scope=scope))
        if not isinstance(caller, Caller):
            await caller(scope, receive, send)
            return
        wait = policy.limiter.check(caller.client_id)
        if wait is not None:
            response = policy.writer.error(policy.rate_limited, TOO_MANY,
                                           "Keys are limited to 500 requests per second.", {"Retry-After": str(wait)})
            await response(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["caller"], state["xml"] = caller, xml
        await self.app(scope, receive, send)
