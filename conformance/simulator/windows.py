"""Fixed-window rate limits: counts per (key, endpoint), each window starting at its first counted request.

The key is whatever a dialect throttles by (a client IP, a token) and the endpoint what it counts separately
(a path, or one constant for a count across every endpoint). Each window's count starts at the first request
counted and resets ``seconds`` after that start; every request, refused ones too, adds one to every window; a
request is refused when some window's count exceeds its limit, and the first such window in the order given
is the one named. ``remaining`` says what is left of a window for a key, so an answer can carry it. Times come
from the simulator's clock. (These are WebApiThrottle's semantics, which QS Enrolment Solutions' API shows.)
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.simulator.ratelimit import Clock

SHARED = "*"   # the endpoint every request counts against when counts are shared across endpoints


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
    """Counts per (key, endpoint); ``hit`` counts one request and says whether it is refused.

    ``per_endpoint`` False shares one count per key across endpoints; ``unenforced`` names windows that count
    but never refuse.
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
        """The profile's ``[ratelimit]`` windows; ``shared`` (or ``per_endpoint = false``) counts every endpoint
        of a key together."""
        windows = tuple(Window(str(w["period"]), float(w["seconds"]), int(w["limit"]))
                        for w in settings.get("windows", ()))
        per_endpoint = bool(settings.get("per_endpoint", True)) and not shared
        return cls(windows, clock, per_endpoint, frozenset(unenforced))

    def _key(self, key: str, endpoint: str) -> tuple[str, str]:
        return key, endpoint if self.per_endpoint else SHARED

    def _expired(self, count: Count | None, index: int, now: float) -> bool:
        return count is None or now >= count.start + self.windows[index].seconds

    def _current(self, counters: list[Count | None], index: int, now: float) -> Count:
        count = counters[index]
        if count is None or self._expired(count, index, now):
            count = counters[index] = Count(now)
        return count

    def _counters(self, key: str, endpoint: str) -> list[Count | None]:
        return self.counts.setdefault(self._key(key, endpoint), [None] * len(self.windows))

    def hit(self, key: str, endpoint: str) -> Refusal | None:
        with self.lock:
            now = self.clock()
            counters = self._counters(key, endpoint)
            refusal: Refusal | None = None
            for index, window in enumerate(self.windows):
                count = self._current(counters, index, now)
                count.hits += 1
                if refusal is None and count.hits > window.limit and window.period not in self.unenforced:
                    left = count.start + window.seconds - now
                    refusal = Refusal(window, max(1, math.ceil(left)))
            return refusal

    def remaining(self, key: str, endpoint: str, period: str | None = None) -> int:
        """What is left of one window (``period``; the first when None) for (key, endpoint): its limit less the
        requests counted in the running window, never below 0; the whole limit when no window is running."""
        index = 0 if period is None else self.index(period)
        window = self.windows[index]
        with self.lock:
            counters = self.counts.get(self._key(key, endpoint))
            count = counters[index] if counters is not None else None
            if count is None or self._expired(count, index, self.clock()):
                return window.limit
            return max(0, window.limit - count.hits)

    def charge(self, key: str, endpoint: str, period: str, hits: int) -> None:
        """Add ``hits`` requests to one window's count for (key, endpoint), as if they had been made now (the
        count starts now when its window was not running): a test hook that proves long windows' thresholds
        without sending thousands of requests."""
        index = self.index(period)
        with self.lock:
            counters = self._counters(key, endpoint)
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
    """A reason phrase template (``{limit} per {period}``) filled for the window that tripped."""
    return template.format(limit=window.limit, period=window.period)
