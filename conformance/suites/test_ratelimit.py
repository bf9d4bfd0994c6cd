"""Rate limits (seed 003 Appendix A 'Rate Limiting'): one bounded burst, then a wait and a retry.

Every test here spends the target's quota on purpose (marker ``quota``; leave them
out of a live run with ``-m "not quota"``). The burst is sent once per module,
unthrottled and without retries, only after the allowance has had time to refill,
and it stops a few requests after the first 429, at ``CAP_FACTOR`` times the
allowance, or after ``CAP_S`` seconds, whichever comes first. Before the module
ends it waits for the allowance to refill again, so the tests that run after it
(through the throttled client) never meet a 429 they did not ask for.

The burst is sized from the target's round trip, measured with a few requests first:
``rate x round trip x MARGIN`` senders in parallel (at least one, at most
``MAX_WORKERS``; one against the embedded simulator, which serves from this process), so
a target behind a real network is still sent requests faster than its documented rate. One
request per sender opens the connections before the allowance refills. When no 429 comes
back and the burst could not be shown to outpace the allowance, the rules end not checked
("could not provoke ..."), never passed.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import pytest

from conformance.http.client import POOL_SIZE, Client
from conformance.http.record import Exchange, Recorder
from conformance.profiles import Profile
from conformance.reporting import allure as allure_report
from conformance.rules import ratelimit
from conformance.rules.ratelimit import Limits, advised_wait, in_order, received_at
from conformance.target import Target
from conformance.walk import paging_headers

pytestmark = pytest.mark.quota

CAP_FACTOR = 5           # at most this many times requests + burst in one burst
CAP_S = 8.0              # and never longer than this
AFTER_FIRST_429 = 5      # further requests sent once limited, for more than one 429 to read
MARGIN = 6               # senders = rate x round trip x MARGIN: outpace the rate by far enough that an answer
                         # held back instead of refused shows (see ratelimit.overran)
MAX_WORKERS = POOL_SIZE  # and never more senders than the client keeps connections
RTT_PROBES = 5           # requests that measure the round trip (the median counts)
MAX_WAIT_S = 5.0         # the longest Retry-After the recovery test honours
MAX_SETTLE_S = 10.0      # the longest the module waits for the allowance to refill at the end
BURST, AFTER_WAIT, RTT, WARM_UP = "burst", "after-wait", "round-trip", "warm-up"
NOT_PROVOKED = "could not provoke a {status}"


@dataclass
class _Budget:
    """Shared by the senders: how many requests remain, and when to stop."""

    cap: int
    deadline: float
    limited_after: int
    sent: int = 0
    limited: int = 0
    stopped: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        with self.lock:
            if (self.stopped or self.sent >= self.cap or self.limited > self.limited_after
                    or time.monotonic() >= self.deadline):
                return False
            self.sent += 1
            return True

    def stop(self) -> None:
        with self.lock:
            self.stopped = True

    def answered(self, status: int, limited_status: int) -> None:
        if status == limited_status:
            with self.lock:
                self.limited += 1


@dataclass(frozen=True)
class Probe:
    """The cheap request the burst repeats: the first top-level collection at its smallest page."""

    path: str
    params: dict[str, str]
    headers: dict[str, str]

    @classmethod
    def for_profile(cls, profile: Profile) -> Probe:
        top = [r for r in profile.resources if not r.nested] or list(profile.resources)
        res = next((r for r in top if r.paginated), top[0])
        pg = profile.pagination
        params = {pg["limit_param"]: str(pg.get("min_limit", 1))} if res.paginated and "limit_param" in pg else {}
        return cls(res.path, params, paging_headers(profile, res))

    def send(self, client: Client, purpose: str, *, throttle: bool = False) -> int:
        response = client.request("GET", self.path, params=self.params, headers=self.headers, retry_429=False,
                                  deliberate=True, throttle=throttle, purpose=purpose)
        return response.status_code

    def round_trip(self, client: Client, probes: int = RTT_PROBES) -> float:
        """The target's round trip in seconds: the median of a few requests sent one after another (throttled)."""
        times = []
        for _ in range(probes):
            began = time.perf_counter()
            self.send(client, RTT, throttle=True)
            times.append(time.perf_counter() - began)
        return statistics.median(times)


def senders_for(limits: Limits, round_trip_s: float, margin: float = MARGIN, most: int = MAX_WORKERS) -> int:
    """Parallel senders that outpace `limits` at `round_trip_s`: each sends 1/round_trip requests a second."""
    return max(1, min(most, math.ceil(limits.rate * round_trip_s * margin)))


class BurstRun:
    """The module's one burst, sent when a test first asks for it."""

    def __init__(self, client: Client, recorder: Recorder, profile: Profile, limits: Limits,
                 in_process: bool = False) -> None:
        self.client, self.recorder, self.limits, self.in_process = client, recorder, limits, in_process
        self.probe = Probe.for_profile(profile)
        self.limited_status = int(profile.status.get("rate_limited", 429))
        self.round_trip_s = 0.0
        self.workers = 1

    @cached_property
    def exchanges(self) -> list[Exchange]:
        self.round_trip_s = self.probe.round_trip(self.client)
        # The embedded simulator serves from this process: its senders and server share one interpreter lock,
        # so more than one sender only slows both down (one reaches ~1000 requests/s on loopback).
        self.workers = 1 if self.in_process else senders_for(self.limits, self.round_trip_s)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="burst") as pool:
            # One request per sender at once, well within the allowance: the burst then starts on open
            # connections (no handshakes in its first window) once the allowance has refilled.
            for warm in [pool.submit(self.probe.send, self.client, WARM_UP) for _ in range(self.workers)]:
                warm.result()
            self._sleep_until(self._quiet_since() + self.limits.refill_s)
            mark = self.recorder.mark()
            budget = _Budget(cap=CAP_FACTOR * self.limits.capacity, deadline=time.monotonic() + CAP_S,
                             limited_after=AFTER_FIRST_429)
            senders = [pool.submit(self._send, budget) for _ in range(self.workers)]
        for sender in senders:
            sender.result()  # a sender's failure (e.g. the target went away) fails the test that asked
        return in_order([ex for ex in self.recorder.since(mark) if ex.purpose == BURST])

    def evidence(self) -> list[Exchange]:
        """The burst; a test that did not send it itself gets it attached to its report too."""
        sent_earlier = "exchanges" in self.__dict__
        if sent_earlier:
            allure_report.attach_exchanges(self.exchanges)
        return self.exchanges

    def overran(self) -> bool:
        """The burst outpaced the allowance, each request taken to reach the target within one round trip."""
        return ratelimit.overran(self.exchanges, self.limits, arrival_s=self.round_trip_s)

    def describe(self) -> str:
        """The burst in a few words, for a reason."""
        sent = self.exchanges
        if not sent:
            return "no requests sent"
        return (f"{len(sent)} requests in {received_at(sent[-1]) - sent[0].started_at:.2f} s from {self.workers} "
                f"senders, round trip {self.round_trip_s * 1000:.0f} ms")

    @property
    def limited(self) -> list[Exchange]:
        return ratelimit.limited(self.exchanges, self.limited_status)

    def follow_up(self) -> Exchange:
        mark = self.recorder.mark()
        self.probe.send(self.client, AFTER_WAIT)
        return [ex for ex in self.recorder.since(mark) if ex.purpose == AFTER_WAIT][-1]

    def settle(self) -> None:
        """Wait until the allowance has refilled after the burst (and the single request after it)."""
        if "exchanges" not in self.__dict__ or not self.exchanges:
            return
        wait = max([self.limits.refill_s, *(advised_wait(ex, self.limits) for ex in self.limited[-1:])])
        refilled = max(received_at(ex) for ex in self.exchanges) + min(wait, MAX_SETTLE_S)
        self._sleep_until(max(refilled, self._quiet_since() + 1 / self.limits.rate))

    def _send(self, budget: _Budget) -> None:
        try:
            while budget.take():
                budget.answered(self.probe.send(self.client, BURST), self.limited_status)
        except BaseException:
            budget.stop()
            raise

    def _quiet_since(self) -> float:
        made = self.recorder.exchanges
        return max((received_at(ex) for ex in made[-50:]), default=0.0)

    @staticmethod
    def _sleep_until(moment: float) -> None:
        time.sleep(max(0.0, moment - time.time()))


@pytest.fixture(scope="module")
def limits(profile: Profile) -> Limits:
    if "requests" not in profile.ratelimit:
        model = profile.ratelimit.get("model")
        pytest.skip(f"profile {profile.id} documents no token-bucket rate limit"
                    + (f" (its model is {model}: test_windows.py checks it)" if model else ""))
    return Limits.from_profile(profile.ratelimit)


@pytest.fixture(scope="module")
def burst(client: Client, recorder: Recorder, profile: Profile, target: Target,
          limits: Limits) -> Iterator[BurstRun]:
    run = BurstRun(client, recorder, profile, limits, in_process=target.embedded)
    try:
        yield run
    finally:
        run.settle()


def _not_provoked(burst: BurstRun, why: str) -> str:
    return f"{NOT_PROVOKED.format(status=burst.limited_status)}: {why} ({burst.describe()})"


def _limited_or_skip(burst: BurstRun) -> list[Exchange]:
    burst.evidence()
    hits = burst.limited
    if not hits:
        pytest.skip(_not_provoked(burst, f"the burst was never answered {burst.limited_status}"))
    return hits


@pytest.mark.rule("ratelimit.enforced")
def test_a_burst_past_the_allowance_is_limited(burst: BurstRun, limits: Limits) -> None:
    sent = burst.evidence()
    if not burst.limited and not burst.overran():
        pytest.skip(_not_provoked(burst, "the burst did not outpace the documented allowance"))
    ratelimit.enforced(sent, limits, burst.limited_status, arrival_s=burst.round_trip_s)


@pytest.mark.rule("ratelimit.allows-documented-burst")
def test_the_documented_burst_is_admitted(burst: BurstRun, limits: Limits) -> None:
    sent = burst.evidence()
    first_window = [ex for ex in sent if ex.started_at - sent[0].started_at < limits.per_seconds] if sent else []
    if len(first_window) < limits.capacity and not ratelimit.limited(first_window, burst.limited_status):
        pytest.skip(_not_provoked(burst, f"the burst sent fewer than {limits.capacity} requests in its first window"))
    ratelimit.allows_documented_burst(sent, limits, burst.limited_status)


@pytest.mark.rule("ratelimit.retry-after-valid")
def test_429_carries_retry_after_as_documented(burst: BurstRun, limits: Limits) -> None:
    ratelimit.retry_after_valid(_limited_or_skip(burst), limits.retry_after)


@pytest.mark.rule("ratelimit.recovers-after-wait")
def test_a_request_after_the_advised_wait_succeeds(burst: BurstRun, limits: Limits) -> None:
    last = max(_limited_or_skip(burst), key=received_at)
    wait = advised_wait(last, limits)
    if wait > MAX_WAIT_S:
        pytest.skip(f"the 429 asks for {wait:.0f} s; this suite waits at most {MAX_WAIT_S:.0f} s")
    time.sleep(max(0.0, received_at(last) + wait + 0.02 - time.time()))
    ratelimit.recovers_after_wait(last, burst.follow_up(), limits)
