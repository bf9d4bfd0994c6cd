"""Fixed rate-limit windows per client and endpoint (seed 002 'Rate Limiting'): each window's threshold, the
reason phrase naming it, a Retry-After that is enough, and a count per endpoint.

Every test here spends quota on purpose (marker ``quota``). Each window is tried on an endpoint of its own (an
item path no other test calls: the vendor counts each path apart), so its count starts fresh. Requests are
spaced so only the window under test trips: the embedded simulator's clock is moved forward between them, a
live target is waited for. A live run provokes only the profile's ``live_windows`` (an hour's or a week's
threshold is not spent on a sandbox); on the embedded simulator the longer windows' counts are filled through its
test hook up to a few requests below the threshold, then the last requests are really sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance.http.client import Client
from conformance.http.record import Exchange, Recorder
from conformance.http.retry import parse_retry_after
from conformance.plugin import STATE
from conformance.profiles import Profile, Resource
from conformance.rules import check_all, not_checked, ratelimit
from conformance.rules.ratelimit import Window
from conformance.suites.fixtures import cached_walk, max_limit
from conformance.suites.timing import Waiter
from conformance.target import Target

pytestmark = pytest.mark.quota
SENT_PAST_THRESHOLD = 1   # requests sent after the one that should be refused (none: each spends quota)
FILLED_BELOW = 3          # a filled window is left this many requests below its threshold
QUOTA = "quota"
CONCURRENT_UP_TO = 64     # the shortest window's requests go out at once when there are no more than this


def windows(profile: Profile | None) -> list[Window]:
    if profile is None or profile.ratelimit.get("model") != "windows":
        return []
    return Window.all_from(profile.ratelimit)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "window" in metafunc.fixturenames:
        found = windows(metafunc.config.stash[STATE].profile)
        metafunc.parametrize("window", found, ids=[w.period for w in found])


@pytest.fixture(scope="module")
def endpoints(client: Client, profile: Profile) -> Iterator[list[str]]:
    """Item paths of distinct records of the first collection: one per window test, and a spare."""
    resource = _first_with_items(profile)
    rows = cached_walk(client, profile, resource, max_limit(profile)).rows
    needed = len(windows(profile)) + 1
    if rows and profile.ratelimit.get("key") == "token":   # one count per token: any path will do for all
        rows = [rows[0]] * needed   # the first: a vendor may list what it refuses (Assignr's unpaid site) last
    if len(rows) < needed:
        pytest.skip(f"{resource.path} holds {len(rows)} records; the window tests need {needed}")
    yield [(resource.item_path or "").format(id=row[resource.id_field]) for row in rows[-needed:]]


def _first_with_items(profile: Profile) -> Resource:
    for resource in profile.resources:
        if resource.item_path and resource.paginated and not resource.nested:
            return resource
    pytest.skip(f"profile {profile.id} has no collection with single-record paths")


def _send(client: Client, path: str) -> Exchange:
    client.request("GET", path, deliberate=True, retry_429=False, throttle=False, purpose=QUOTA)
    return client.recorder.exchanges[-1]


def _send_at_once(client: Client, recorder: Recorder, path: str, count: int) -> list[Exchange]:
    """``count`` requests to ``path`` from as many senders at once; their exchanges in the order sent."""
    mark = recorder.mark()
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(lambda _: client.request("GET", path, deliberate=True, retry_429=False, throttle=False,
                                               purpose=QUOTA), range(count)))
    return sorted((ex for ex in recorder.since(mark) if ex.purpose == QUOTA), key=lambda ex: ex.started_at)


def _fill(target: Target, path: str, window: Window, count: int, *, per_token: bool = False) -> None:
    """Count ``count`` requests in the window through the simulator's ``charge`` hook: of the endpoint's count, or
    of every token's where the count is per token."""
    hook = target.simulator.hook("charge") if target.simulator is not None else None
    if hook is None:
        pytest.skip(f"the {window.period} window cannot be filled on this target")
    hook(period=window.period, count=count, **({} if per_token else {"endpoint": path}))


def _with_token(client: Client, path: str, token: str) -> Exchange:
    client.request("GET", path, headers=client.auth_headers(token=token), auth=False, deliberate=True,
                   retry_429=False, throttle=False, purpose=QUOTA)
    return client.recorder.exchanges[-1]


def _counted_already(client: Client, path: str, window: Window, header: str | None, waiter: Waiter) -> int:
    """How much of the window's count is spent before the test's requests, where every request of the run counts
    (a count per token): the embedded simulator's clock is moved on a whole window (nothing counted); a live
    target is asked once, and its stated remaining count tells (that request included)."""
    if waiter.simulated:
        waiter.wait(window.seconds, f"a fresh {window.period} window")
        return 0
    if header is None:
        pytest.skip(f"the {window.period} count is shared by every request of the run and no header states it")
    left = ratelimit.remaining(_send(client, path), header)
    if left is None:
        pytest.skip(f"no {header} to learn how much of the {window.period} count is spent")
    return window.limit - left


def _per_token(client: Client, profile: Profile, target: Target, limited: Exchange, path: str,
               window: Window, header: str) -> None:
    name = str(profile.auth.get("second_token", ""))
    second = target.setting(name) if name else None
    if second is None:
        not_checked("ratelimit.per-token", f"no second token to try: set {name or '[auth] second_token'}")
        return
    client.redactor.add(name, second)
    ratelimit.per_token(limited, _with_token(client, path, second), header, window.limit,
                        int(profile.status.get("rate_limited", 429)))


@pytest.mark.rule("ratelimit.windows-enforced", "ratelimit.reason-names-window", "ratelimit.retry-after-valid",
                  "ratelimit.retry-after-sufficient", "ratelimit.per-endpoint", "ratelimit.refused-at-zero",
                  "ratelimit.remaining-resets", "ratelimit.per-token")
def test_each_window_trips_at_its_threshold(client: Client, recorder: Recorder, profile: Profile, target: Target,
                                            window: Window, endpoints: list[str]) -> None:
    every = windows(profile)
    index = every.index(window)
    path = endpoints[index]
    waiter = Waiter(target, live_max_s=float(profile.ratelimit.get("max_wait_s", 65)), throttle=client.throttle)
    live_windows = profile.ratelimit.get("live_windows", [w.period for w in every])
    per_token = profile.ratelimit.get("key") == "token"
    header = profile.ratelimit.get("remaining_header")
    counted = 0
    if not waiter.simulated and window.period not in live_windows:
        pytest.skip(f"a live run does not spend the {window.period} quota (profile live_windows)")
    if per_token:
        counted = _counted_already(client, path, window, header, waiter)
    if window.period not in live_windows:   # embedded only: fill the long window's count, send the last few
        counted = window.limit - FILLED_BELOW
        _fill(target, path, window, counted, per_token=per_token)
    shorter = every[:index]
    answers: list[Exchange] = []
    started = {w.period: 0 for w in shorter}
    # the shortest window's requests go out at once, unless the answers state a remaining count: then one after
    # another, so each count can be read against the refusal (ratelimit.refused-at-zero)
    together = not shorter and not header and window.limit - counted < CONCURRENT_UP_TO
    if together:   # the shortest window: sent at once, so a slow network still lands them in one window
        answers = _send_at_once(client, recorder, path, window.limit - counted + SENT_PAST_THRESHOLD)
    for _ in range(0 if together else window.limit - counted + SENT_PAST_THRESHOLD):
        for w in shorter:   # keep under every shorter window: wait for it to reset before it would trip
            if started[w.period] >= w.limit:
                waiter.wait(w.seconds + 0.05, f"the {w.period} window resetting")
                started = {s.period: 0 if s.seconds <= w.seconds else started[s.period] for s in shorter}
        answers.append(_send(client, path))
        started = {k: v + 1 for k, v in started.items()}
        if answers[-1].status == profile.status.get("rate_limited", 429):
            break
    limited = next((ex for ex in reversed(answers) if ex.status == profile.status.get("rate_limited", 429)), None)
    took = max(ex.started_at + ex.elapsed_s for ex in answers) - min(ex.started_at for ex in answers)
    if limited is None and not waiter.simulated and took >= window.seconds:
        pytest.skip(f"could not provoke a 429: the {len(answers)} requests took {took:.0f} s, longer than one "
                    f"{window.period} window")
    limited_status = int(profile.status.get("rate_limited", 429))
    checks = {"ratelimit.windows-enforced": lambda: ratelimit.windows_enforced(window, answers, counted, limited_status,
                                                                                concurrent=together)}
    if header and not together:
        checks["ratelimit.refused-at-zero"] = lambda: ratelimit.refused_at_zero(answers, header, limited_status)
    if limited is not None:
        checks["ratelimit.reason-names-window"] = lambda: ratelimit.reason_names_window(window, limited)
        checks["ratelimit.retry-after-valid"] = lambda: ratelimit.retry_after_valid(
            [limited], str(profile.ratelimit.get("retry_after")))
        if per_token and header:
            checks["ratelimit.per-token"] = lambda: _per_token(client, profile, target, limited, path, window, header)
        elif index == 0:   # the spare endpoint no window test uses
            checks["ratelimit.per-endpoint"] = lambda: ratelimit.per_endpoint(limited, _send(client, endpoints[-1]))
    check_all(*(call for rule_id, call in checks.items() if profile.applies(rule_id)))
    assert limited is not None
    wait_header = str(profile.ratelimit.get("wait_header", "retry-after")).lower()
    wait = parse_retry_after(limited.response_headers.get("retry-after") or limited.response_headers.get(wait_header))
    if wait is None:
        pytest.skip("the 429 named no usable wait (Retry-After, or the profile's wait_header) to wait for")
    waiter.wait(wait, f"the {window.period} wait the 429 advised")
    follow_up = _send(client, path)
    check_all(lambda: ratelimit.retry_after_sufficient(window, limited, follow_up, wait)
              if profile.applies("ratelimit.retry-after-sufficient") else None,
              lambda: ratelimit.remaining_resets(follow_up, header, window.limit)
              if header and profile.applies("ratelimit.remaining-resets") else None)


@pytest.mark.rule("ratelimit.fewest-left-described")
def test_the_headers_describe_the_window_with_fewest_left(client: Client, profile: Profile, target: Target,
                                                         endpoints: list[str]) -> None:
    """Embedded only: every window fresh (the clock moved past the longest), one request - the shortest window
    has the fewest left; then the longest window filled close to its limit, one request - it has. The windows
    are fresh again afterwards."""
    every = windows(profile)
    waiter = Waiter(target, throttle=client.throttle)
    if not waiter.simulated or profile.ratelimit.get("key") != "token" or len(every) < 2:
        pytest.skip("the windows' counts are known only on the embedded simulator, whose clock and counts the test "
                    "sets")
    longest = max(every, key=lambda w: w.seconds)
    checks = []
    try:
        waiter.wait(longest.seconds, "every window fresh")
        first = _send(client, endpoints[0])
        checks.append(lambda: ratelimit.fewest_left_described(first, every, {w.period: 1 for w in every}))
        filled = longest.limit - FILLED_BELOW * 2
        _fill(target, endpoints[0], longest, filled, per_token=True)
        second = _send(client, endpoints[0])
        counts = {w.period: 2 for w in every} | {longest.period: filled + 2}
        checks.append(lambda: ratelimit.fewest_left_described(second, every, counts))
    finally:
        waiter.wait(longest.seconds, "every window fresh again")
    check_all(*checks)
