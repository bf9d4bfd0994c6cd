"""ASGI middleware in front of every route: the token guard, then the per-token minute, then routing.

Seed "Problem: 429 Too Many Requests response": "Requests to the API are limited to 200 per minute per request
token. Your remaining requests within that limit are provided in a response header named
x-ratelimit-remaining"; past the limit a 429 whose ``retry-after`` is "the amount of seconds you must wait".
The count is one fixed window per token (the profile's ``[ratelimit]`` windows; assumed: the minute starts at
the token's first counted request), ``conformance.simulator.windows`` on the simulator's clock, across every
endpoint. A refused token answers 401 and counts nothing, without the header; every answer to a live token -
an error, a 404, a 405 too - counts, and carries what is left of its minute after it (the 200th request's
answer says 0). The next one is refused 429 with ``retry-after`` (whole seconds until the minute resets, at
least 1), ``x-ratelimit-remaining: 0`` and an errors body.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.simulator.windows import SHARED, Refusal, Throttle
from conformance.vendors.ihasco.simulator.envelopes import Writer
from conformance.vendors.ihasco.simulator.tokens import Tokens

ALL_ENDPOINTS = SHARED       # one count per token, whatever the endpoint
SHARED_KEY = "*"             # fault tokens-share-count: every token counts against this key
REMAINING = "x-ratelimit-remaining"
RETRY_AFTER = "retry-after"


@dataclass
class Limiter:
    """The per-token minute and the header that reports it, with the rate-limit faults applied."""

    throttle: Throttle
    faults: Callable[[str], bool]
    lowest: dict[str, int] = field(default_factory=dict)   # fault remaining-not-reset: the least reported
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def limit(self) -> int:
        return self.throttle.windows[0].limit

    def key(self, token: str) -> str:
        return SHARED_KEY if self.faults("tokens-share-count") else token

    def hit(self, token: str) -> tuple[Refusal | None, int]:
        """Count one request of ``token``: the refusal (None when served) and the header's value."""
        key = self.key(token)
        refusal = self.throttle.hit(key, ALL_ENDPOINTS)
        left = self.throttle.remaining(key, ALL_ENDPOINTS)
        if self.faults("remaining-constant"):
            return refusal, self.limit
        if self.faults("remaining-not-reset"):
            with self.lock:
                left = self.lowest[key] = min(left, self.lowest.get(key, left))
        if refusal is None and self.faults("remaining-off-by-one"):
            left += 1
        return refusal, left

    def reset(self) -> None:
        self.throttle.reset()
        with self.lock:
            self.lowest.clear()


@dataclass(frozen=True)
class Policy:
    tokens: Tokens
    limiter: Limiter
    writer: Writer
    bad_token: int
    rate_limited: int
    faults: Callable[[str], bool]


class Front:
    def __init__(self, app: ASGIApp, policy: Policy) -> None:
        self.app = app
        self.policy = policy

    def _refused_headers(self, refusal: Refusal, left: int) -> dict[str, str]:
        fault = self.policy.faults
        headers = {REMAINING: str(left)}
        if not fault("ihasco-retry-after-missing"):
            headers[RETRY_AFTER] = "1" if fault("ihasco-retry-after-short") else str(refusal.retry_after)
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.policy
        token = policy.tokens.live(Headers(scope=scope).get("authorization"))
        if token is None:
            response = policy.writer.error(policy.bad_token, "Unauthorized",
                                           "The access token is missing, malformed, unknown or removed.")
            await response(scope, receive, send)
            return
        refusal, left = policy.limiter.hit(token)
        if refusal is not None:
            response = policy.writer.error(policy.rate_limited, "Too Many Requests",
                                           f"Requests are limited to {refusal.window.limit} per "
                                           f"{refusal.window.period.lower()} per token.",
                                           self._refused_headers(refusal, left))
            await response(scope, receive, send)
            return

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REMAINING] = str(left)
            await send(message)

        await self.app(scope, receive, counted)
