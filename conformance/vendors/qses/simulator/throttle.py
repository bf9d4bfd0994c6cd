"""Fixed-window throttles per client IP and endpoint, as WebApiThrottle keeps them.

Seed 002 "Rate Limiting": "an IP and endpoint concurrent request throttle"; "per second, per minute, per
hour, per day and per week. Each of these has its own count, and if either of them reaches the threshold
then you request will be rejected"; "429 API calls quota exceeded! maximum admitted 10 per Second." and
"Retry-After: 33 ... the number of seconds left before your count will be reset".

WebApiThrottle's semantics (the library that reason phrase comes from): each window's count starts at the
first request counted and resets ``seconds`` after that start; every request, refused ones too, adds one to
every window; a request is refused when some window's count exceeds its limit, and the first such window in
the profile's order is the one named. Times come from the simulator's clock.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.simulator.ratelimit import Clock

SHARED = "*"   # the endpoint every request counts against when throttles are shared (fault throttle-shared)


@dataclass(frozen=True)
class Window:
    period: str
    seconds: float
    limit: int


@dataclass
class Count:
    start: float
    hits: int = 0


@dataclass(frozen=True)
class Refusal:
    """The window that tripped and the whole seconds until its count resets (at least 1)."""

    window: Window
    retry_after: int


@dataclass
class Throttle:
    """Counts per (client, endpoint); ``hit`` counts one request and says whether it is refused.

    ``per_endpoint`` False shares one count per client (fault throttle-shared); ``unenforced`` names windows
    that count but never refuse (fault hour-window-unenforced).
    """

    windows: tuple[Window, ...]
    clock: Clock
    per_endpoint: bool = True
    unenforced: frozenset[str] = frozenset()
    counts: dict[tuple[str, str], list[Count | None]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_profile(cls, settings: Mapping[str, Any], clock: Clock, *, shared: bool = False,
                     unenforced: Iterable[str] = ()) -> Throttle:
        windows = tuple(Window(str(w["period"]), float(w["seconds"]), int(w["limit"]))
                        for w in settings.get("windows", ()))
        per_endpoint = bool(settings.get("per_endpoint", True)) and not shared
        return cls(windows, clock, per_endpoint, frozenset(unenforced))

    def _key(self, client: str, endpoint: str) -> tuple[str, str]:
        return client, endpoint if self.per_endpoint else SHARED

    def _current(self, counters: list[Count | None], index: int, now: float) -> Count:
        count = counters[index]
        if count is None or now >= count.start + self.windows[index].seconds:
            count = counters[index] = Count(now)
        return count

    def _counters(self, client: str, endpoint: str) -> list[Count | None]:
        return self.counts.setdefault(self._key(client, endpoint), [None] * len(self.windows))

    def hit(self, client: str, endpoint: str) -> Refusal | None:
        with self.lock:
            now = self.clock()
            counters = self._counters(client, endpoint)
            refusal: Refusal | None = None
            for index, window in enumerate(self.windows):
                count = self._current(counters, index, now)
                count.hits += 1
                if refusal is None and count.hits > window.limit and window.period not in self.unenforced:
                    left = count.start + window.seconds - now
                    refusal = Refusal(window, max(1, math.ceil(left)))
            return refusal

    def charge(self, client: str, endpoint: str, period: str, hits: int) -> None:
        """Add ``hits`` requests to one window's count for (client, endpoint), as if they had been made
        now (the count starts now when its window was not running): a test hook that proves the Hour, Day
        and Week thresholds without sending thousands of requests."""
        index = self.index(period)
        with self.lock:
            counters = self._counters(client, endpoint)
            self._current(counters, index, self.clock()).hits += hits

    def index(self, period: str) -> int:
        for index, window in enumerate(self.windows):
            if window.period.casefold() == period.casefold():
                return index
        raise ValueError(f"no window {period!r} (windows: {', '.join(w.period for w in self.windows)})")

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()


def reason(template: str, window: Window) -> str:
    """The profile's reason phrase for the window that tripped."""
    return template.format(limit=window.limit, period=window.period)
