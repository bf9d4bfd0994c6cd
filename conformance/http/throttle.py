"""Client-side throttle at the documented rate, so the suite never causes a 429 by accident."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pyrate_limiter import AbstractBucket, BucketFactory, Duration, InMemoryBucket, Limiter, Rate, RateItem

from conformance.errors import ConfigError

if TYPE_CHECKING:
    from conformance.profiles import Profile

Window = tuple[int, float]  # (requests, per_seconds)
_BUFFER_MS = 5
WINDOW_MARGIN_S = 0.25   # added to every fixed window the client keeps to (latency jitter)
MAX_PACE_S = 65.0        # the longest one pause the target's stated count makes the client take


class _PerKey(BucketFactory):
    """One in-memory bucket per key (an endpoint), each with every window: a vendor that counts each client
    and endpoint combination on its own (QSES "Rate Limiting") is kept under its limits endpoint by endpoint."""

    def __init__(self, rates: list[Rate], per_key: bool) -> None:
        self.rates = rates
        self.per_key = per_key
        self.buckets: dict[str, AbstractBucket] = {}
        self._lock = threading.Lock()

    def wrap_item(self, name: str, weight: int = 1) -> RateItem:
        return RateItem(name, int(time.time() * 1000), weight=weight)

    def get(self, item: RateItem) -> AbstractBucket:
        key = item.name if self.per_key else ""
        with self._lock:
            if key not in self.buckets:
                self.buckets[key] = self.create(InMemoryBucket, list(self.rates))
            return self.buckets[key]


class Throttle:
    """Blocks until a request slot is free under every window; counts the time spent waiting.

    Several windows (e.g. 180 per minute and 500 per 5 minutes; 10 per second, 120 per minute ... per
    week) may apply at once; with ``per_key`` each key (the request's endpoint) has its own count.
    """

    def __init__(self, windows: Sequence[Window], *, per_key: bool = False, margin_s: float = 0.0) -> None:
        self.windows: tuple[Window, ...] = tuple(windows)
        self.per_key = per_key
        self.margin_s = margin_s   # what each window was lengthened by (the target's are that much shorter)
        self._limiter = Limiter(_PerKey([_rate(n, s) for n, s in self.windows], per_key),
                                buffer_ms=_BUFFER_MS) if self.windows else None
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()   # throttled requests per key ("" when not counted per key)
        self._waited_s = 0.0
        self._acquired = 0
        self._delayed = 0
        self._not_before = 0.0   # set by what the target says is left (pace)

    @classmethod
    def from_profile(cls, profile: Profile) -> Throttle:
        """At the profile's [ratelimit]: requests per per_seconds (a token bucket), or every one of its
        windows (limit per seconds), per endpoint when it says so; disabled when it has neither."""
        section = profile.ratelimit
        if section.get("model") == "windows":
            # Each window a little longer than documented: requests spaced by the client arrive bunched when the
            # network's latency varies, and the target counts them as they arrive.
            margin = float(section.get("client_margin_s", WINDOW_MARGIN_S))
            windows = [(int(w["limit"]), float(w["seconds"]) + margin) for w in section.get("windows", ())]
            return cls(windows, per_key=bool(section.get("per_endpoint", False)), margin_s=margin)
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

    def acquire(self, key: str = "requests") -> float:
        """Take one slot (of ``key``'s count when counted per key), blocking until one is free; returns the
        seconds waited."""
        with self._lock:
            self.counts[key if self.per_key else ""] += 1
            paced = self._not_before - time.monotonic()
        start = time.monotonic()
        paced = min(paced, MAX_PACE_S)
        if paced > 0:
            time.sleep(paced)
        if self._limiter is None:
            paused = max(0.0, paced)
            with self._lock:
                self._acquired += 1
                self._waited_s += paused
            return paused
        self._limiter.try_acquire(key)
        waited = time.monotonic() - start
        with self._lock:
            self._acquired += 1
            self._waited_s += waited
            if waited >= _BUFFER_MS / 1000:
                self._delayed += 1
        return waited

    def pace(self, left: int, seconds: float, limit: int) -> None:
        """What the target says is left of its window (headers such as X-Ratelimit-Remaining and
        -Reset-Seconds-Remaining): once fewer than a twentieth of the limit is left, the next requests are spread
        over the seconds that remain (none left: wait them out), so a count other clients share is not run into."""
        with self._lock:
            if left > max(1, limit // 20) or seconds <= 0:
                self._not_before = 0.0
                return
            self._not_before = time.monotonic() + min(seconds / (left + 1), MAX_PACE_S)

    def elapse(self, seconds: float) -> None:
        """Time the target saw pass without this process waiting (the embedded simulator's clock moved on):
        once it spans the longest window, every count the target keeps has restarted, and so does this one."""
        with self._lock:
            self._not_before = 0.0
        if self._limiter is None or seconds < max(per for _, per in self.windows) - self.margin_s:
            return
        with self._lock:
            old, self._limiter = self._limiter, Limiter(_PerKey([_rate(n, s) for n, s in self.windows], self.per_key),
                                                        buffer_ms=_BUFFER_MS)
        old.close()

    def note(self, key: str = "requests") -> None:
        """Count a request sent without waiting (a deliberate burst) where it still fits, so the requests after
        it keep to what the target has counted."""
        if self._limiter is not None:
            self._limiter.try_acquire(key, blocking=False)

    def bound_s(self) -> float:
        """The least time the documented windows allow for the throttled requests so far (a deliberate burst is
        the target's to refuse, not part of the run's budget): per key, the longest
        any window makes its requests take ((ceil(n / limit) - 1) x seconds); the largest over the keys."""
        with self._lock:
            counts = list(self.counts.values())
        return max((max(((math.ceil(n / limit) - 1) * seconds for limit, seconds in self.windows), default=0.0)
                    for n in counts), default=0.0)

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
