"""Token-bucket rate limiting with an injectable clock.

A bucket holds up to ``capacity`` tokens and refills at ``rate`` tokens per
second; each request takes one. Absorb documents 200 requests per second with a
burst of 100 more (seed 003, Appendix A "Rate Limiting"), so the profile's
[ratelimit] gives capacity = requests + burst and rate = requests / per_seconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Clock = Callable[[], float]


@dataclass
class TokenBucket:
    capacity: float
    rate: float
    clock: Clock = time.monotonic
    tokens: float = field(init=False)
    updated: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.updated = self.clock()

    def _refill(self) -> None:
        now = self.clock()
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now

    def take(self) -> float:
        """Spend one token: 0.0 when allowed, else the seconds until one is available."""
        self._refill()
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


@dataclass
class RateLimiter:
    """One bucket per key (the API key); ``check`` answers a whole-second Retry-After or None.

    ``sticky_s`` > 0 is a fault: once a key is refused, it stays refused that long whatever
    the bucket holds, while each refusal still advertises a one-second Retry-After.
    """

    capacity: float
    rate: float
    clock: Clock = time.monotonic
    enabled: bool = True
    sticky_s: float = 0.0
    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    blocked_until: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_profile(cls, settings: Mapping[str, Any], clock: Clock, *, capacity: float | None = None,
                     enabled: bool = True, sticky_s: float = 0.0) -> RateLimiter:
        requests = float(settings["requests"])
        rate = requests / float(settings.get("per_seconds", 1.0))
        full = requests + float(settings.get("burst", 0))
        return cls(capacity=full if capacity is None else capacity, rate=rate, clock=clock, enabled=enabled,
                   sticky_s=sticky_s)

    def check(self, key: str) -> int | None:
        if not self.enabled:
            return None
        if self.clock() < self.blocked_until.get(key, float("-inf")):
            return 1
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = TokenBucket(self.capacity, self.rate, self.clock)
        wait = bucket.take()
        if wait == 0.0:
            return None
        if self.sticky_s > 0:
            self.blocked_until[key] = self.clock() + self.sticky_s
        return max(1, math.ceil(wait))
