"""Letting time pass: the embedded simulator's clock is moved forward (a 4-hour token lifetime or an hour's
rate-limit window is observed in milliseconds); a live target is waited for in real time, up to a bound."""

from __future__ import annotations

import time

import pytest

from conformance.http.throttle import Throttle
from conformance.target import Target


class Waiter:
    """``wait(s)`` moves the embedded simulator's clock, or sleeps on a live target when ``s`` is within
    ``live_max_s`` (else the test is skipped: the rule is not checked, never passed). A simulated wait is
    passed on to the client's ``throttle``, whose counts restart with the target's."""

    def __init__(self, target: Target, live_max_s: float = 65.0, throttle: Throttle | None = None) -> None:
        self.target = target
        self.live_max_s = live_max_s
        self.throttle = throttle
        self.simulated = target.embedded and target.simulator is not None

    def can_wait(self, seconds: float) -> bool:
        return self.simulated or seconds <= self.live_max_s

    def wait(self, seconds: float, why: str) -> None:
        if seconds <= 0:
            return
        if self.simulated:
            self.target.simulator.advance_clock(seconds)
            if self.throttle is not None:
                self.throttle.elapse(seconds)
            return
        if seconds > self.live_max_s:
            pytest.skip(f"{why} takes {seconds:.0f} s; a live run waits at most {self.live_max_s:.0f} s")
        time.sleep(seconds)
