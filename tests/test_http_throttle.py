"""The client-side throttle holds the documented rate."""

from __future__ import annotations

import dataclasses
import time

import pytest

from conformance import profiles
from conformance.errors import ConfigError
from conformance.http.throttle import Throttle

pytestmark = pytest.mark.timing  # rates and delays against a bound: run alone (make test)


def test_throttle_holds_five_per_half_second() -> None:
    throttle = Throttle([(5, 0.5)])
    try:
        start = time.monotonic()
        stamps = []
        for _ in range(11):
            throttle.acquire()
            stamps.append(time.monotonic() - start)
    finally:
        throttle.close()
    assert stamps[4] < 0.2  # the first five pass at once
    assert stamps[5] >= 0.45  # the sixth waits for the window
    assert stamps[10] >= 0.95
    assert stamps[10] < 2.0
    assert throttle.waited_s >= 0.9
    assert throttle.acquired == 11
    assert throttle.delayed >= 2


def test_any_window_of_the_given_length_holds_at_most_the_limit() -> None:
    throttle = Throttle([(4, 0.3)])
    try:
        start = time.monotonic()
        stamps = []
        for _ in range(10):
            throttle.acquire()
            stamps.append(time.monotonic() - start)
    finally:
        throttle.close()
    for i, t in enumerate(stamps):
        assert sum(1 for u in stamps[i:] if u - t < 0.3) <= 4


def test_disabled_throttle_never_waits() -> None:
    throttle = Throttle.disabled()
    start = time.monotonic()
    for _ in range(1000):
        assert throttle.acquire() == 0.0
    assert time.monotonic() - start < 0.5
    assert not throttle.enabled
    assert throttle.acquired == 1000
    throttle.close()


def test_from_profile_uses_the_documented_rate() -> None:
    profile = profiles.load("absorb-v1_5")
    throttle = Throttle.from_profile(profile)
    assert throttle.windows == ((200, 1.0),)
    assert throttle.enabled
    throttle.close()
    bare = dataclasses.replace(profile, raw={k: v for k, v in profile.raw.items() if k != "ratelimit"})
    assert not Throttle.from_profile(bare).enabled


def test_a_rate_below_a_millisecond_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        Throttle([(1, 0.0001)])


def test_per_key_windows_count_each_endpoint_on_its_own() -> None:
    throttle = Throttle([(3, 0.4), (5, 2.0)], per_key=True)
    try:
        start = time.monotonic()
        for _ in range(3):
            throttle.acquire("/contacts")
        for _ in range(3):
            throttle.acquire("/courses")   # another endpoint: its own count, no wait
        quick = time.monotonic() - start
        throttle.acquire("/contacts")      # the fourth on /contacts waits for its 0.4 s window
        waited = time.monotonic() - start
    finally:
        throttle.close()
    assert quick < 0.3
    assert waited >= 0.35


def test_windows_profile_gives_every_window_per_endpoint() -> None:
    profile = profiles.load("qses")
    throttle = Throttle.from_profile(profile)
    try:
        assert throttle.per_key
        documented = [(10, 1.0), (120, 60.0), (3600, 3600.0), (43200, 86400.0), (216000, 604800.0)]
        assert throttle.windows == tuple((n, s + 0.25) for n, s in documented)   # a margin for latency jitter
    finally:
        throttle.close()
