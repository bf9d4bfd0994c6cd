"""ASGI middleware in front of every route: a doubled slash folded, the token guard, then the rate limits.

Real clients build URLs with a doubled slash (``.../api/v2//sites``): every run of slashes in the path counts
as one. The token endpoint passes without a token. Any other request needs ``Authorization: Bearer <token>``
of a live token (401 otherwise, counting nothing and carrying no rate-limit header).

VENDOR-FACTS (Assignr, rate-limits): 180 requests a minute, 500 per 5 minutes, 5000 an hour; every answer
carries ``X-Ratelimit-Limit``, ``-Period``, ``-Remaining``, ``-Reset`` (epoch seconds) and
``-Reset-Seconds-Remaining``, describing whichever rule has the fewest requests left; seed 429: "The
X-Ratelimit-Reset and X-Ratelimit-Reset-Seconds-Remaining headers in this response will indicate when a
request can be retried". Per token (assumed), fixed windows from the token's first counted request
(``conformance.simulator.windows`` on the simulator's clock), every answer to a live token counted (errors
too). Ties of the fewest left go to the shortest window. A 429 describes, of the windows past their limit,
the one that resets last (when a retry is served); its Remaining is 0. The reset epoch is the simulator's
clock carried onto wall time at start-up, so advancing the clock moves it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.simulator.windows import SHARED, Throttle, Window
from conformance.vendors.assignr.simulator.hal import Writer
from conformance.vendors.assignr.simulator.tokens import Tokens

SLASHES = re.compile(r"/{2,}")
LIMIT, PERIOD, REMAINING = "X-Ratelimit-Limit", "X-Ratelimit-Period", "X-Ratelimit-Remaining"
RESET, RESET_SECONDS = "X-Ratelimit-Reset", "X-Ratelimit-Reset-Seconds-Remaining"


@dataclass(frozen=True)
class State:
    """One window for one token now: what is left of it and when (simulator clock) it resets."""

    window: Window
    left: int
    over: bool
    ends: float


@dataclass
class Limits:
    throttle: Throttle
    tokens: Tokens
    fault: Callable[[str], bool]

    def states(self, token: str) -> list[State]:
        throttle = self.throttle
        now = throttle.clock()
        with throttle.lock:
            counters = throttle.counts.get((token, SHARED)) or [None] * len(throttle.windows)
            found: list[State] = []
            for window, count in zip(throttle.windows, counters, strict=True):
                if count is None or now >= count.start + window.seconds:
                    found.append(State(window, window.limit, False, now + window.seconds))
                else:
                    found.append(State(window, max(0, window.limit - count.hits), count.hits > window.limit,
                                       count.start + window.seconds))
            return found

    def described(self, states: list[State], refused: bool) -> State:
        if self.fault("wrong-window-described"):
            return max(states, key=lambda s: s.window.seconds)
        enforced = [s for s in states if s.over and s.window.period not in self.throttle.unenforced]
        if refused and enforced:
            return max(enforced, key=lambda s: (s.ends, s.window.seconds))
        return min(states, key=lambda s: (s.left, s.window.seconds))

    def hit(self, token: str) -> tuple[bool, dict[str, str]]:
        """Count one request of ``token``: whether it is refused, and the headers its answer carries."""
        refused = self.throttle.hit(token, SHARED) is not None
        state = self.described(self.states(token), refused)
        now = self.throttle.clock()
        left = state.window.limit if self.fault("assignr-remaining-constant") else (0 if refused else state.left)
        headers = {LIMIT: str(state.window.limit), PERIOD: str(int(state.window.seconds)), REMAINING: str(left),
                   RESET: str(math.ceil(self.tokens.epoch_base + state.ends))}
        if not self.fault("reset-seconds-missing"):
            headers[RESET_SECONDS] = str(max(0, math.ceil(state.ends - now)))
        return refused, headers

    def charge(self, period: str, count: int, token: str | None = None) -> None:
        """Test hook: add ``count`` hits to the ``period`` window of ``token`` (every issued token when None)."""
        for key in [token] if token is not None else self.tokens.issued():
            self.throttle.charge(key, SHARED, period, count)

    def reset(self) -> None:
        self.throttle.reset()


@dataclass(frozen=True)
class Policy:
    tokens: Tokens
    limits: Limits
    writer: Writer
    token_paths: frozenset[str]
    bad_token: int
    rate_limited: int


class Front:
    def __init__(self, app: ASGIApp, policy: Policy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = SLASHES.sub("/", scope["path"])
        if path != scope["path"]:
            scope = {**scope, "path": path, "raw_path": path.encode("utf-8")}
        policy = self.policy
        if path.rstrip("/") in policy.token_paths:
            await self.app(scope, receive, send)
            return
        grant = policy.tokens.live(Headers(scope=scope).get("authorization"))
        if grant is None:
            response = policy.writer.error(policy.bad_token, "A valid bearer token is required.",
                                           {"WWW-Authenticate": 'Bearer realm="assignr"'})
            await response(scope, receive, send)
            return
        refused, headers = policy.limits.hit(grant.token)
        if refused:
            response = policy.writer.error(policy.rate_limited, "Rate limit exceeded: retry after "
                                           f"{headers.get(RESET_SECONDS, 'the reset')} seconds.", headers)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["grant"] = grant

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(headers)
            await send(message)

        await self.app(scope, receive, counted)
