"""Retry-After parsing (seconds or HTTP-date) and full-jitter backoff."""

from __future__ import annotations

import dataclasses
import random
from email.utils import formatdate

import pytest

from conformance import profiles
from conformance.http.retry import RetryPolicy, full_jitter, parse_retry_after

NOW = 1_700_000_000.0


@pytest.mark.parametrize(("value", "expected"), [
    ("0", 0.0), ("3", 3.0), (" 120 ", 120.0), ("1.5", 1.5),
    (None, None), ("", None), ("-5", None), ("soon", None), ("3s", None), ("Mon, 99 Foo 2024", None),
])
def test_delay_seconds_and_garbage(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_http_date_in_the_future_gives_the_remaining_seconds() -> None:
    assert parse_retry_after(formatdate(NOW + 42, usegmt=True), now=NOW) == pytest.approx(42.0)


def test_http_date_in_the_past_gives_zero() -> None:
    assert parse_retry_after(formatdate(NOW - 600, usegmt=True), now=NOW) == 0.0


def test_obsolete_date_formats_are_accepted() -> None:
    # RFC 9110 5.6.7: recipients accept the RFC 850 and asctime forms too.
    assert parse_retry_after("Tuesday, 14-Nov-23 22:30:00 GMT", now=NOW) == pytest.approx(1000.0)
    assert parse_retry_after("Tue Nov 14 22:30:00 2023", now=NOW) == pytest.approx(1000.0)


def test_full_jitter_stays_within_the_exponential_ceiling() -> None:
    rng = random.Random(1)
    for attempt in range(12):
        ceiling = min(2.0, 0.05 * 2 ** attempt)
        for _ in range(50):
            assert 0.0 <= full_jitter(attempt, 0.05, 2.0, rng) <= ceiling


def test_full_jitter_tolerates_huge_attempt_numbers() -> None:
    assert 0.0 <= full_jitter(10_000, 0.05, 2.0, random.Random(0)) <= 2.0


def test_policy_from_profile_reads_the_ratelimit_section() -> None:
    profile = profiles.load("absorb-v1_5")
    assert RetryPolicy.from_profile(profile) == RetryPolicy(max_retries=5, base_s=0.05, cap_s=2.0, max_wait_s=60)
    bare = dataclasses.replace(profile, raw={**profile.raw, "ratelimit": {"requests": 1, "per_seconds": 1}})
    assert RetryPolicy.from_profile(bare) == RetryPolicy()


def test_policy_delay_prefers_retry_after_and_caps_it() -> None:
    policy = RetryPolicy(max_wait_s=60)
    rng = random.Random(0)
    assert policy.delay(0, "7", rng) == 7.0
    assert policy.delay(0, "3600", rng) == 60.0
    assert 0.0 <= policy.delay(3, None, rng) <= min(policy.cap_s, policy.base_s * 8)
