"""pytest plugin for lms-conformance (registered through the pytest11 entry point).

Adds --profile/--base-url/--report-dir/--read-only, starts the embedded simulator
when no --base-url is given, gives the suites a recorded HTTP client, labels
every test for Allure with its rule ids, attaches the redacted exchanges, and
writes ``<report-dir>/<profile>/summary.json``.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import profiles
from conformance.cleanup import PREFIX, Ledger, new_run_id, sweep_paths
from conformance.errors import ConfigError, CredentialsRejected, TargetUnreachable, TokenUnreadable
from conformance.http.client import Client
from conformance.http.record import Recorder
from conformance.profiles import Profile
from conformance.reporting import allure as allure_report
from conformance.reporting.summary import ProfileSummary, write_part
from conformance.rules import REGISTRY, Rule
from conformance.target import Target, embedded, live
from conformance.walk import walk

STATE = pytest.StashKey["RunState"]()
REQUESTS = pytest.StashKey[int]()
OUTCOME = pytest.StashKey[str]()
MARKERS = (
    "rule(*ids): the contract rule ids a test checks",
    "pagination: walks paginated collections",
    "writes: creates, changes or deletes data on the target",
    "quota: deliberately spends the target's rate-limit quota",
    "slow: takes more than a few seconds",
)


class RunState:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.profile: Profile | None = None
        self.summary: ProfileSummary | None = None
        self.target: Target | None = None
        self.client: Client | None = None
        self.started = time.monotonic()
        self.report_dir = Path(config.getoption("lmsconf_report_dir"))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lmsconf", "lms-conformance")
    group.addoption("--profile", dest="lmsconf_profile", default=None,
                    help="vendor profile name or path to a profile .toml")
    group.addoption("--base-url", dest="lmsconf_base_url", default=None,
                    help="base URL of a live sandbox (credentials from LMSCONF_* variables); "
                         "omit to run against the embedded simulator")
    group.addoption("--counterpart-base-url", dest="lmsconf_counterpart_base_url", default=None,
                    help="base URL of the older API the versions suite compares with (Absorb v1 beside v1.5); "
                         "the embedded simulator serves both")
    group.addoption("--report-dir", dest="lmsconf_report_dir", default="reports",
                    help="where summary.json is written (default: reports)")
    group.addoption("--read-only", dest="lmsconf_read_only", action="store_true",
                    help="leave out every test marked 'writes'")
    group.addoption("--simulator-fault", dest="lmsconf_faults", action="append", default=[],
                    help="embedded simulator only: switch on a named contract violation (repeatable)")
    group.addoption("--simulator-dataset", dest="lmsconf_dataset", default="default",
                    help="embedded simulator only: 'default' or 'large'")


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    state = RunState(config)
    config.stash[STATE] = state
    name = config.getoption("lmsconf_profile")
    if name:
        try:
            state.profile = profiles.load(name)
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None


def rules_of(item: pytest.Item) -> list[Rule]:
    marker = item.get_closest_marker("rule")
    return [REGISTRY[rid] for rid in marker.args] if marker else []


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    state = config.stash[STATE]
    conformance = [item for item in items if item.get_closest_marker("rule")]
    if not conformance:
        return
    if state.profile is None:
        raise pytest.UsageError("the conformance suites need --profile NAME")
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        ids = [r.id for r in rules_of(item)]
        item.extra_keyword_matches.update(ids)  # `-k pagination.terminates` selects by rule id
        applicable = not ids or any(state.profile.applies(rid) for rid in ids)
        read_only_drop = config.getoption("lmsconf_read_only") and item.get_closest_marker("writes")
        (keep if applicable and not read_only_drop and not _nothing_to_run(item) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _nothing_to_run(item: pytest.Item) -> bool:
    """A test parametrized over none of the profile's resources (pytest's "empty parameter set")."""
    skip = item.get_closest_marker("skip")
    return skip is not None and str(skip.kwargs.get("reason", "")).startswith("got empty parameter set")


@pytest.fixture(scope="session")
def profile(pytestconfig: pytest.Config) -> Profile:
    state = pytestconfig.stash[STATE]
    if state.profile is None:
        raise pytest.UsageError("the conformance suites need --profile NAME")
    return state.profile


def _start_target(config: pytest.Config, profile: Profile) -> Target:
    base_url = config.getoption("lmsconf_base_url")
    if base_url:
        return live(profile, base_url)
    return embedded(profile, config.getoption("lmsconf_faults"), config.getoption("lmsconf_dataset"))


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config, profile: Profile) -> Iterator[Target]:
    """Where the suite points: a live sandbox, or the embedded simulator started for this session."""
    state = pytestconfig.stash[STATE]
    summary = state.summary = ProfileSummary(profile=profile.id, target="")
    try:
        state.target = _start_target(pytestconfig, profile)
        summary.target = state.target.base_url
        state.client = Client(profile, state.target.base_url, state.target.credentials, recorder=Recorder())
        state.client.authenticate()
    except (ConfigError, TargetUnreachable, CredentialsRejected) as exc:
        summary.error, summary.error_kind = exc.reason, type(exc).__name__
        pytest.exit(exc.reason, returncode=exc.exit_code)
    except TokenUnreadable:
        pass  # the target answered but not in the documented shape: auth.token-issued reports it
    running = state.target
    assert running is not None
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def client(pytestconfig: pytest.Config, target: Target) -> Client:
    """The session's HTTP client: auth, throttle, 429 retry, redaction and recording."""
    state = pytestconfig.stash[STATE]
    assert state.client is not None
    return state.client


@pytest.fixture(scope="session")
def recorder(client: Client) -> Recorder:
    assert client.recorder is not None
    return client.recorder


def _sweep(client: Client, profile: Profile, ledger: Ledger) -> None:
    """Queue the removal of anything an earlier run left behind with the suite's prefix."""
    writes = profile.section("writes")
    if not writes.get("resource"):
        return
    resource = profile.resource(writes["resource"])
    name_field = writes.get("name_field", "name")
    extra: dict[str, str] = {}
    if profile.filtering and name_field in resource.filterable:
        extra[profile.filtering["param"]] = f"startswith({name_field}, '{PREFIX}')"
    found = walk(client, profile, resource, int(profile.pagination.get("max_limit", 100)), extra)
    for path in sweep_paths(found.rows, name_field, resource.id_field, resource.item_path or ""):
        ledger.created(path, note="left over by an earlier run")


@pytest.fixture(scope="session")
def ledger(pytestconfig: pytest.Config, profile: Profile, client: Client) -> Iterator[Ledger]:
    """What the writes suite created or changed, undone at the end of the session even when tests fail.

    Entries are saved to DIR/<profile>/ledger.json as they are made, so a run that was killed is
    undone by the next one before it writes anything."""
    state = pytestconfig.stash[STATE]
    file = state.report_dir / profile.id / "ledger.json"
    leftover = Ledger.left_over(file)
    if leftover is not None:
        leftover.undo(client)
    book = Ledger(run_id=new_run_id(), file=file)
    _sweep(client, profile, book)
    book.undo(client)
    try:
        yield book
    finally:
        book.undo(client)
        _sweep(client, profile, book)
        book.undo(client)
        if state.summary is not None:
            state.summary.cleanup_problems = list(book.problems)


@pytest.fixture(autouse=True)
def _lmsconf_evidence(request: pytest.FixtureRequest) -> Generator[None, None, None]:
    """Label a conformance test for Allure and attach the exchanges it made."""
    item_rules = rules_of(request.node)
    if not item_rules:
        yield
        return
    rec: Recorder = request.getfixturevalue("recorder")
    prof: Profile = request.getfixturevalue("profile")
    allure_report.label(prof.id, item_rules)
    mark = rec.mark()
    try:
        yield
    finally:
        made = rec.since(mark)
        request.node.stash[REQUESTS] = len(made)
        allure_report.attach_exchanges(made, failed=request.node.stash.get(OUTCOME, "") == "failed")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, Any]:
    """Fold setup/call/teardown into one outcome per test and credit it to each of its rules."""
    report = yield
    state = item.config.stash[STATE]
    item_rules = rules_of(item)
    if not item_rules or state.summary is None:
        return report
    current = item.stash.get(OUTCOME, None)
    if report.failed:
        item.stash[OUTCOME] = "failed"
    elif report.skipped and current is None:
        item.stash[OUTCOME] = "skipped"
    elif report.when == "call" and current is None:
        item.stash[OUTCOME] = "passed"
    if report.when == "teardown":
        outcome = item.stash.get(OUTCOME, "skipped")
        for rule_item in item_rules:
            state.summary.record(rule_item.id, outcome, item.stash.get(REQUESTS, 0))
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None or state.summary is None:
        return
    state.summary.duration_s = time.monotonic() - state.started
    if state.client is not None:
        state.summary.requests = state.client.stats.requests
        state.summary.unintended_429 = state.client.stats.unintended_429
        state.summary.reauthentications = state.client.stats.reauthentications
    if state.target is not None:
        state.target.stop()
    write_part(state.report_dir, state.summary)
