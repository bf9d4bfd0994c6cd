"""Client-side throttle at the documented rate, so the suite never causes a 429 by accident."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pyrate_limiter import Duration, InMemoryBucket, Limiter, Rate

from conformance.errors import ConfigError

if TYPE_CHECKING:
    from conformance.profiles import Profile

Window = tuple[int, float]  # (requests, per_seconds)
_BUFFER_MS = 5


class Throttle:
    """Blocks until a request slot is free under every window; counts the time spent waiting.

    Several windows (e.g. 180 per minute and 500 per 5 minutes) may apply at once.
    """

    def __init__(self, windows: Sequence[Window]) -> None:
        self.windows: tuple[Window, ...] = tuple(windows)
        self._limiter = Limiter(InMemoryBucket([_rate(n, s) for n, s in self.windows]),
                                buffer_ms=_BUFFER_MS) if self.windows else None
        self._lock = threading.Lock()
        self._waited_s = 0.0
        self._acquired = 0
        self._delayed = 0

    @classmethod
    def from_profile(cls, profile: Profile) -> Throttle:
        """At the profile's [ratelimit] requests per per_seconds; disabled when it has none."""
        section = profile.ratelimit
        if "requests" not in section:
            return cls.disabled()
        return cls([(int(section["requests"]), float(section["per_seconds"]))])

    @classmethod
    def disabled(cls) -> Throttle:
        """A throttle that never waits (for deliberate bursts)."""
        return cls(())

    @property
    def enabled(self) -> bool:
        return self._limiter is not None

    def acquire(self) -> float:
        """Take one slot, blocking until one is free; returns the seconds waited."""
        if self._limiter is None:
            with self._lock:
                self._acquired += 1
            return 0.0
        start = time.monotonic()
        self._limiter.try_acquire("requests")
        waited = time.monotonic() - start
        with self._lock:
            self._acquired += 1
            self._waited_s += waited
            if waited >= _BUFFER_MS / 1000:
                self._delayed += 1
        return waited

    @property
    def waited_s(self) -> float:
        """Total seconds spent blocked in `acquire`."""
        with self._lock:
            return self._waited_s

    @property
    def acquired(self) -> int:
        with self._lock:
            return self._acquired

    @property
    def delayed(self) -> int:
        """How many acquisitions had to wait for a slot."""
        with self._lock:
            return self._delayed

    def close(self) -> None:
        """Stop the limiter's background leak thread."""
        if self._limiter is not None:
            self._limiter.close()


def _rate(requests: int, per_seconds: float) -> Rate:
    interval_ms = int(Duration.SECOND * per_seconds)
    if requests < 1 or interval_ms < 1:
        raise ConfigError(f"rate limit {requests} per {per_seconds} s cannot be enforced")
    return Rate(requests, interval_ms)
