"""Retry on 429: `Retry-After` parsing (RFC 9110 section 10.2.3) and full-jitter backoff."""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.profiles import Profile

_DELAY_SECONDS = re.compile(r"\d+(?:\.\d+)?")
_MAX_EXPONENT = 62


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value: delay-seconds or an HTTP-date.

    None for a missing, negative or unreadable value; 0 for a date already past.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if _DELAY_SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def full_jitter(attempt: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    """AWS "full jitter": uniform in [0, min(cap, base * 2**attempt)]; `attempt` counts from 0."""
    ceiling = min(cap_s, base_s * 2 ** min(max(attempt, 0), _MAX_EXPONENT))
    return rng.uniform(0, ceiling)


@dataclass(frozen=True)
class RetryPolicy:
    """How a client retries a 429: at most `max_retries` times; a 429 that asks for more than `max_wait_s`,
    or a wait that would take the request's waiting past `max_total_wait_s`, is given up on and returned."""

    max_retries: int = 5
    base_s: float = 0.05
    cap_s: float = 2.0
    max_wait_s: float = 60.0
    max_total_wait_s: float = 120.0

    @classmethod
    def from_profile(cls, profile: Profile) -> RetryPolicy:
        """Built from the profile's [ratelimit] section (max_retries, backoff_base_s, backoff_cap_s)."""
        section = profile.ratelimit
        return cls(
            max_retries=int(section.get("max_retries", cls.max_retries)),
            base_s=float(section.get("backoff_base_s", cls.base_s)),
            cap_s=float(section.get("backoff_cap_s", cls.cap_s)),
            max_wait_s=float(section.get("max_wait_s", cls.max_wait_s)),
            max_total_wait_s=float(section.get("max_total_wait_s", cls.max_total_wait_s)),
        )

    @classmethod
    def for_server_errors(cls, profile: Profile) -> ServerErrorRetry:
        """The profile's [retry] advice for server errors (which statuses, how often, how long between)."""
        section = profile.section("retry")
        policy = cls(max_retries=int(section.get("max_retries", 0)), base_s=float(section.get("backoff_base_s", 0.2)),
                     cap_s=float(section.get("backoff_cap_s", 2.0)))
        return ServerErrorRetry(frozenset(int(s) for s in section.get("statuses", ())), policy)

    def delay(self, attempt: int, retry_after: str | None, rng: random.Random,
              now: float | None = None) -> float:
        """Seconds to wait before retry number `attempt` (from 0): Retry-After if readable, else jitter."""
        advised = parse_retry_after(retry_after, now)
        wait = full_jitter(attempt, self.base_s, self.cap_s, rng) if advised is None else advised
        return min(wait, self.max_wait_s)

    def next_wait(self, attempt: int, retry_after: str | None, rng: random.Random, waited_s: float,
                  now: float | None = None) -> float | None:
        """The wait before retry number `attempt`, or None to give up and return the 429: retries spent, a
        Retry-After asking for more than `max_wait_s`, or `waited_s` so far plus this wait over the total."""
        if attempt >= self.max_retries:
            return None
        advised = parse_retry_after(retry_after, now)
        if advised is not None and advised > self.max_wait_s:
            return None
        wait = self.delay(attempt, retry_after, rng, now)
        return None if waited_s + wait > self.max_total_wait_s else wait


IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class ServerErrorRetry:
    """Server errors a vendor says to retry (LearningStudio: 500, 502, 503 "Retry the request"): an idempotent
    request answered one of ``statuses`` is sent again up to ``policy.max_retries`` times with full-jitter
    backoff (Retry-After when given); a POST never is (it could create twice). What still fails is returned."""

    statuses: frozenset[int]
    policy: RetryPolicy

    def applies(self, method: str, status: int) -> bool:
        return status in self.statuses and method.upper() in IDEMPOTENT
