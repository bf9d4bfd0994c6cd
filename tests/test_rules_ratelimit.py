"""The rate-limit rules pass on evidence that keeps the contract and fail on evidence that breaks it."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from conformance.http.record import Exchange
from conformance.rules import RuleViolation, ratelimit
from conformance.rules.ratelimit import Limits, advised_wait, overran, retry_after_problem, seen_before
from tests.fakes import absorb

ABSORB = Limits(requests=200, per_seconds=1.0, burst=100, retry_after="optional")
T0 = 1_700_000_000.0


def answer(status: int, at: float, *, took: float = 0.001, retry_after: str | None = None) -> Exchange:
    headers = {"content-type": "application/json"}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    return Exchange(method="GET", url="http://127.0.0.1/users?_limit=1", status=status, response_headers=headers,
                    started_at=T0 + at, elapsed_s=took)


def burst(count: int, per_second: float, *, limited_from: int | None = None,
          retry_after: str | None = "1") -> list[Exchange]:
    """`count` requests sent one after another at `per_second`; 429 from index `limited_from` on."""
    step = 1 / per_second
    return [answer(429, n * step, took=step / 2, retry_after=retry_after)
            if limited_from is not None and n >= limited_from else answer(200, n * step, took=step / 2)
            for n in range(count)]


def test_limits_read_from_the_profile() -> None:
    limits = Limits.from_profile(absorb().ratelimit)
    assert (limits.capacity, limits.rate, limits.refill_s) == (300, 200.0, 1.5)
    assert limits.allowance(0.5) == 400
    with pytest.raises(ValueError, match="retry_after"):
        Limits.from_profile({"requests": 1, "retry_after": "sometimes"})


# ---- ratelimit.enforced -------------------------------------------------------------------------


def test_a_fast_burst_that_meets_a_429_is_enforced() -> None:
    ratelimit.enforced(burst(380, 1000, limited_from=370), ABSORB)


def test_a_fast_burst_all_admitted_is_not_enforced() -> None:
    sent = burst(900, 1000)
    assert overran(sent, ABSORB)
    with pytest.raises(RuleViolation, match=r"ratelimit\.enforced.*900 requests.*none answered 429"):
        ratelimit.enforced(sent, ABSORB)


def test_a_burst_within_the_allowance_proves_nothing() -> None:
    slow = burst(400, 190)  # slower than the refill: a token bucket never empties
    assert not overran(slow, ABSORB)
    with pytest.raises(ValueError, match="within the documented allowance"):
        ratelimit.enforced(slow, ABSORB)


def test_the_limited_status_comes_from_the_caller() -> None:
    sent = burst(900, 1000, limited_from=400)
    with pytest.raises(RuleViolation):
        ratelimit.enforced(sent, ABSORB, limited_status=503)


# ---- ratelimit.allows-documented-burst ---------------------------------------------------------


def test_first_429_after_the_allowance_is_allowed() -> None:
    ratelimit.allows_documented_burst(burst(380, 1000, limited_from=368), ABSORB)


def test_429_late_in_the_window_after_the_allowance_is_allowed() -> None:
    ratelimit.allows_documented_burst(burst(320, 400, limited_from=310), ABSORB)


def test_429_before_requests_plus_burst_is_a_violation() -> None:
    with pytest.raises(RuleViolation, match=r"allows-documented-burst.*after at most 100 requests.*allows 300"):
        ratelimit.allows_documented_burst(burst(130, 1000, limited_from=100), ABSORB)


def test_429_after_the_first_window_is_not_judged() -> None:
    ratelimit.allows_documented_burst(burst(260, 200, limited_from=250), ABSORB)


def test_429_within_the_clock_tolerance_of_the_window_end_is_not_judged() -> None:
    sent = [answer(200, 0.0), answer(429, ABSORB.per_seconds - 0.02)]
    ratelimit.allows_documented_burst(sent, ABSORB)
    with pytest.raises(RuleViolation):
        ratelimit.allows_documented_burst(sent, ABSORB, tolerance_s=0.0)


def test_no_429_at_all_keeps_the_burst_allowance() -> None:
    ratelimit.allows_documented_burst(burst(900, 1000), ABSORB)
    ratelimit.allows_documented_burst([], ABSORB)


def test_parallel_requests_answered_later_count_as_possibly_seen_first() -> None:
    # 4 senders: a 429 sent as the 298th may arrive after requests sent later, so the server may have seen 300
    parallel = [answer(200, n * 0.001, took=0.004) for n in range(297)]
    hit = answer(429, 0.297, took=0.004, retry_after="1")
    later = [answer(200, 0.298, took=0.001), answer(200, 0.299, took=0.001), answer(200, 0.300, took=0.001)]
    assert seen_before(hit, [*parallel, hit, *later]) == 300
    ratelimit.allows_documented_burst([*parallel, hit, *later], ABSORB)
    with pytest.raises(RuleViolation):
        ratelimit.allows_documented_burst([*parallel, hit], ABSORB)


# ---- ratelimit.retry-after-valid ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "0", "120", " 3 ", "Wed, 21 Oct 2015 07:28:00 GMT",
                                   "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"])
def test_delay_seconds_and_http_dates_are_valid(value: str) -> None:
    assert retry_after_problem(value) is None
    for presence in ("required", "optional"):
        ratelimit.retry_after_valid([answer(429, 0.0, retry_after=value)], presence)


@pytest.mark.parametrize("value", ["", "soon", "-1", "1.5", "+2", "1e3", "2015-10-21T07:28:00Z", "Oct 2015"])
def test_other_values_are_invalid_whenever_present(value: str) -> None:
    assert retry_after_problem(value) is not None
    for presence in ("required", "optional"):
        with pytest.raises(RuleViolation, match=r"retry-after-valid.*neither delay-seconds"):
            ratelimit.retry_after_valid([answer(429, 0.0, retry_after="1"), answer(429, 0.1, retry_after=value)],
                                        presence)


def test_missing_retry_after_fails_only_when_required() -> None:
    bare = [answer(429, 0.0)]
    ratelimit.retry_after_valid(bare, "optional")
    ratelimit.retry_after_valid(bare, "absent")
    with pytest.raises(RuleViolation, match="no Retry-After header"):
        ratelimit.retry_after_valid(bare, "required")


def test_present_retry_after_fails_when_the_profile_says_absent() -> None:
    with pytest.raises(RuleViolation, match="carries none"):
        ratelimit.retry_after_valid([answer(429, 0.0, retry_after="1")], "absent")


def test_an_unknown_presence_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="presence"):
        ratelimit.retry_after_valid([], "maybe")


# ---- ratelimit.recovers-after-wait ---------------------------------------------------------------


def test_success_after_the_advised_seconds_recovers() -> None:
    hit = answer(429, 0.0, took=0.01, retry_after="1")
    assert advised_wait(hit, ABSORB) == 1.0
    ratelimit.recovers_after_wait(hit, answer(200, 1.02), ABSORB)


def test_success_after_an_http_date_recovers() -> None:
    hit = answer(429, 0.0, took=0.0, retry_after=formatdate(T0 + 2, usegmt=True))
    assert advised_wait(hit, ABSORB) == pytest.approx(2.0)
    ratelimit.recovers_after_wait(hit, answer(200, 2.0), ABSORB)


def test_without_a_usable_retry_after_one_window_is_waited() -> None:
    for value in (None, "later"):
        hit = answer(429, 0.0, took=0.0, retry_after=value)
        assert advised_wait(hit, ABSORB) == ABSORB.per_seconds
        ratelimit.recovers_after_wait(hit, answer(200, 1.0), ABSORB)


def test_still_limited_after_the_advised_wait_is_a_violation() -> None:
    hit = answer(429, 0.0, took=0.0, retry_after="1")
    with pytest.raises(RuleViolation, match=r"recovers-after-wait.*answered 429 1\.05 s after a 429"):
        ratelimit.recovers_after_wait(hit, answer(429, 1.05, retry_after="1"), ABSORB)
    with pytest.raises(RuleViolation, match="answered 503"):
        ratelimit.recovers_after_wait(hit, answer(503, 1.05), ABSORB)


def test_a_follow_up_sent_too_soon_proves_nothing() -> None:
    hit = answer(429, 0.0, took=0.0, retry_after="2")
    with pytest.raises(ValueError, match="before the advised"):
        ratelimit.recovers_after_wait(hit, answer(200, 1.0), ABSORB)


def held_back(count: int, per_second: float, *, admitted: int, hold_s: float) -> list[Exchange]:
    """Sent at `per_second`; after the first `admitted`, every answer is held back `hold_s` (a 429 hidden
    by queueing) instead of being refused."""
    step = 1 / per_second
    return [answer(200, n * step, took=0.05 if n < admitted else hold_s) for n in range(count)]


def test_answers_held_back_instead_of_refused_overran_at_the_measured_round_trip() -> None:
    sent = held_back(514, 600, admitted=450, hold_s=1.0)   # 64 requests in flight held a second each
    assert not overran(sent, ABSORB)               # judged by when answers came back: within the allowance
    assert overran(sent, ABSORB, arrival_s=0.05)   # they reached the target within one round trip
    with pytest.raises(RuleViolation, match=r"ratelimit\.enforced.*514 requests were admitted"):
        ratelimit.enforced(sent, ABSORB, arrival_s=0.05)


def test_a_measured_round_trip_never_delays_an_answer_that_came_sooner() -> None:
    slow = burst(400, 190)
    assert not overran(slow, ABSORB, arrival_s=5.0)


def test_burst_senders_follow_the_round_trip_within_bounds() -> None:
    from conformance.suites.test_ratelimit import MAX_WORKERS, senders_for

    assert senders_for(ABSORB, 0.001) == 2            # loopback: 200/s x 1 ms x 6
    assert senders_for(ABSORB, 0.05) == 60            # 50 ms: 200/s x 50 ms x 6
    assert senders_for(ABSORB, 0.15) == MAX_WORKERS == 64
    assert senders_for(ABSORB, 0.0) == 1
