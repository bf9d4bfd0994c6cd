"""pytest plugin for lms-conformance (registered through the pytest11 entry point).

Adds --profile/--base-url/--report-dir/--read-only, starts the embedded simulator
when no --base-url is given, gives the suites a recorded HTTP client, labels
every test for Allure with its rule ids, attaches the redacted exchanges, and
writes ``<report-dir>/<profile>/summary.json`` with one outcome per applicable rule: what the
rule's own check saw (conformance.reporting.outcomes), never the outcome of the test carrying it.
"""

from __future__ import annotations

import contextlib
import datetime
import shutil
import time
from collections.abc import Callable, Generator, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from conformance import profiles, waiver_plugin, waivers
from conformance.cleanup import (
    LEDGER_FILE,
    PREFIX,
    Entry,
    Finder,
    Ledger,
    common_prefix,
    pending_ledgers,
    sweep_paths,
)
from conformance.errors import ConfigError, CredentialsRejected, RunDeadline, TargetUnreachable, TokenUnreadable
from conformance.http.client import Client
from conformance.http.record import Recorder
from conformance.profiles import Profile
from conformance.reporting import allure as allure_report
from conformance.reporting import environment, junit, outcomes
from conformance.reporting.failures import FailureLog, account_setting
from conformance.reporting.progress import PROGRESS_FILE, ProgressFile
from conformance.reporting.summary import ProfileSummary, write_part
from conformance.rules import CHECKS, REGISTRY, Rule
from conformance.rules.registry import BROKE, VIOLATED
from conformance.target import Target, embedded, live
from conformance.vendors import vendor_of
from conformance.walk import walk

FIXTURES = "conformance.suites.fixtures"
STATE = pytest.StashKey["RunState"]()
REQUESTS = pytest.StashKey[int]()
OUTCOME = pytest.StashKey[str]()
MARK = pytest.StashKey[int]()
PROBLEM = pytest.StashKey[outcomes.Problem]()
DROPPED = pytest.StashKey[str]()
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
        run_timeout = config.getoption("lmsconf_run_timeout", None)
        self.deadline: float | None = None if run_timeout is None else self.started + float(run_timeout)
        self.expected: set[str] = set()   # rules some selected test carries
        self.failures: FailureLog | None = None
        self.gate: waiver_plugin.WaiverGate | None = None   # --waivers FILE
        self.progress: ProgressFile | None = None
        self.run_id = environment.run_id(config.getoption("lmsconf_run_id", None))

    def redact(self, text: str) -> str:
        return self.client.redactor.text(text) if self.client is not None else text


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lmsconf", "lms-conformance")
    group.addoption("--profile", dest="lmsconf_profile", default=None,
                    help="vendor profile name or path to a profile .toml")
    group.addoption("--base-url", dest="lmsconf_base_url", default=None,
                    help="base URL of a live sandbox (credentials from LMSCONF_* variables); "
                         "omit to run against the embedded simulator")
    group.addoption("--counterpart-base-url", dest="lmsconf_counterpart_base_url", default=None,
                    help="base URL of the API the profile compares itself with (its [versions] counterpart, "
                         "e.g. an older version); the embedded simulator serves both")
    group.addoption("--report-dir", dest="lmsconf_report_dir", default="reports",
                    help="where summary.json is written (default: reports)")
    group.addoption("--read-only", dest="lmsconf_read_only", action="store_true",
                    help="leave out every test marked 'writes'")
    group.addoption("--simulator-fault", dest="lmsconf_faults", action="append", default=[],
                    help="embedded simulator only: switch on a named contract violation (repeatable)")
    group.addoption("--simulator-dataset", dest="lmsconf_dataset", default="default",
                    help="embedded simulator only: 'default' or 'large'")
    group.addoption("--fuzz-examples", dest="lmsconf_fuzz_examples", type=int, default=5, metavar="N",
                    help="generated requests per operation in the fuzz suite (default: 5; more goes deeper)")
    group.addoption("--fuzz-path", dest="lmsconf_fuzz_path", default=None, metavar="REGEX",
                    help="fuzz only the operations whose path matches REGEX (default: every read operation)")
    group.addoption("--run-id", dest="lmsconf_run_id", default=None, metavar="ID",
                    help="the run's id shown in the report's environment (lmsconf run gives every profile one)")
    group.addoption("--run-timeout", dest="lmsconf_run_timeout", type=float, default=None, metavar="SECONDS",
                    help="the run's deadline: past it no request goes out except cleanup, and the run stops "
                         "with a RunDeadline error (exit 3)")
    group.addoption("--waivers", dest="lmsconf_waivers", default=None, metavar="FILE",
                    help="known deviations (TOML [[waiver]] tables, schemas/meta/waivers.schema.json): a failing "
                         "rule a live waiver names comes out 'waived'; a waiver whose rules all ran and passed is "
                         "stale and fails the session")


_CONFIGURED: list[pytest.Config] = []


def configured() -> pytest.Config | None:
    """The session's config, for suite modules that need the profile when they are imported (the fuzz suite
    builds its Schemathesis schema at import, as Schemathesis's own pytest integration expects)."""
    return _CONFIGURED[-1] if _CONFIGURED else None


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    state = RunState(config)
    config.stash[STATE] = state
    _CONFIGURED.append(config)
    name = config.getoption("lmsconf_profile")
    if name:
        try:
            state.profile = profiles.load(name)
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        state.summary = ProfileSummary.expecting(state.profile.id, state.profile.rules)
        state.failures = FailureLog(state.report_dir, state.profile.id)
        shutil.rmtree(state.report_dir / state.profile.id / allure_report.EXCHANGES_DIR, ignore_errors=True)
        _load_suite_plugins(config, state.profile)
        _load_waivers(config, state.profile)


def _load_waivers(config: pytest.Config, profile: Profile) -> None:
    """--waivers FILE: malformed, naming an unknown profile or a rule pattern that matches none of the profile's
    rules is a usage error before anything runs."""
    path = config.getoption("lmsconf_waivers", None)
    if not path:
        return
    try:
        found = waiver_plugin.load(path, profile)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    host = waivers.host_of(config.getoption("lmsconf_base_url"))
    state = config.stash[STATE]
    state.gate = waiver_plugin.WaiverGate(found, profile, host, datetime.date.today(), (MARK, PROBLEM, OUTCOME))
    config.pluginmanager.register(state.gate, "lmsconf-waivers")


def _load_suite_plugins(config: pytest.Config, profile: Profile) -> None:
    """The fixtures every suite shares, then the profile's vendor plugin (its own fixtures)."""
    manager = config.pluginmanager
    if not manager.has_plugin(FIXTURES):
        manager.import_plugin(FIXTURES)
    vendor = vendor_of(profile.id)
    name = vendor.plugin_name() if vendor is not None else None
    if name and not manager.has_plugin(name):
        manager.import_plugin(name)


FUZZ_MODULE = "test_fuzz.py"
FUZZ_TESTS = {"test_generated_requests": frozenset({"rule", "parametrize"}),
              "test_linked_operations": frozenset({"rule", "writes", "skipif"})}


def _fuzz_may_run(config: pytest.Config, profile: Profile) -> bool:
    """Whether -k / -m can select any fuzz test (the fuzz module builds its cases when it is collected, which
    takes seconds; a selection that cannot reach it skips that). Unsure means yes."""
    keyword, marks = config.getoption("keyword", ""), config.getoption("markexpr", "")
    if not keyword and not marks:
        return True
    from _pytest.mark.expression import Expression

    labels = {f"{m} {r.path}" for r in profile.resources for m in ("GET", "TRACE")}
    rules = {rid for rid in profile.rules if rid.startswith("fuzz.")}
    def selects(expression: str, found: Callable[[str], bool]) -> bool:
        def matcher(ident: str, /, **_: Any) -> bool:
            return found(ident)
        return not expression or Expression.compile(expression).evaluate(matcher)

    try:
        for name, markers in FUZZ_TESTS.items():
            names = {name, FUZZ_MODULE, "suites", *rules, *markers, *(labels if "parametrize" in markers else ())}
            lowered = [n.lower() for n in names]
            if selects(keyword, partial(_substring_of_any, lowered)) and selects(marks, markers.__contains__):
                return True
    except Exception:   # an expression pytest itself will report; collect as usual
        return True
    return False


def _substring_of_any(names: list[str], ident: str) -> bool:
    return any(ident.lower() in n for n in names)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    state = config.stash.get(STATE, None)
    if collection_path.name != FUZZ_MODULE or state is None or state.profile is None:
        return None
    if _fuzz_may_run(config, state.profile):
        return None
    if state.summary is not None:
        for rid in state.profile.rules:
            if rid.startswith("fuzz."):
                state.summary.tally(rid).not_checked(outcomes.DESELECTED)
    return True


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
        if ids and not any(state.profile.applies(rid) for rid in ids):
            item.stash[DROPPED] = ""  # none of its rules applies: nothing to report
        elif config.getoption("lmsconf_read_only") and item.get_closest_marker("writes"):
            item.stash[DROPPED] = outcomes.READ_ONLY
        elif _nothing_to_run(item):
            item.stash[DROPPED] = outcomes.NOTHING_TO_CHECK
        (drop if DROPPED in item.stash else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_deselected(items: list[pytest.Item]) -> None:
    """Every applicable rule a dropped test carries gets the reason it was not checked there."""
    for item in items:
        state = item.config.stash.get(STATE, None)
        if state is None or state.summary is None or state.profile is None:
            continue
        reason = item.stash.get(DROPPED, outcomes.DESELECTED)
        for rule_item in rules_of(item):
            if reason and state.profile.applies(rule_item.id):
                state.summary.tally(rule_item.id).not_checked(reason)


def _nothing_to_run(item: pytest.Item) -> bool:
    """A test parametrized over none of the profile's resources (pytest's "empty parameter set")."""
    skip = item.get_closest_marker("skip")
    return skip is not None and str(skip.kwargs.get("reason", "")).startswith("got empty parameter set")


def pytest_collection_finish(session: pytest.Session) -> None:
    state = session.config.stash[STATE]
    state.expected = {r.id for item in session.items for r in rules_of(item)}
    if state.profile is not None:
        applies = state.profile.applies
        state.progress = ProgressFile(state.report_dir / state.profile.id / PROGRESS_FILE, state.profile.rules)
        state.progress.expect([r.id for r in rules_of(item) if applies(r.id)] for item in session.items)


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
    summary = state.summary = state.summary or ProfileSummary.expecting(profile.id, profile.rules)
    try:
        state.target = _start_target(pytestconfig, profile)
        summary.target = state.target.display_url
        state.client = Client(profile, state.target.base_url, state.target.credentials, recorder=Recorder(),
                              deadline=state.deadline, verify=state.target.ca_bundle or True)
        if state.progress is not None and state.client.recorder is not None:
            state.client.recorder.subscribe(state.progress.exchange)
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


def _prefixed_rows(client: Client, profile: Profile, prefix: str) -> tuple[list[dict[str, Any]], str, Any]:
    """Rows of the writes resource whose name starts with `prefix` (filtered on the target when it can),
    with the name field and the resource."""
    writes = profile.section("writes")
    resource = profile.resource(writes["resource"])
    name_field = writes.get("name_field", "name")
    extra: dict[str, str] = {}
    if profile.filtering and name_field in resource.filterable:
        extra[profile.filtering["param"]] = f"startswith({name_field}, '{prefix}')"
    found = walk(client, profile, resource, int(profile.pagination.get("max_limit", 100)), extra)
    return found.rows, name_field, resource


def _sweep(client: Client, profile: Profile, ledger: Ledger) -> None:
    """Queue the removal of anything an earlier run left behind with the suite's prefix."""
    if not profile.section("writes").get("resource"):
        return
    rows, name_field, resource = _prefixed_rows(client, profile, PREFIX)
    for path in sweep_paths(rows, name_field, resource.id_field, resource.item_path or ""):
        ledger.created(path, note="left over by an earlier run")


def _uploaded(client: Client, profile: Profile) -> Finder:
    """Item paths of what an upload created, looked up by the names its ledger entry holds."""
    def find(entry: Entry) -> list[str]:
        names = {str(n) for n in (entry.body or {}).get("names", [])}
        if not names or not profile.section("writes").get("resource"):
            return []
        rows, name_field, resource = _prefixed_rows(client, profile, common_prefix(names))
        return [(resource.item_path or "").format(id=row[resource.id_field]) for row in rows
                if str(row.get(name_field)) in names and row.get(resource.id_field) is not None]
    return find


def _resume(config: pytest.Config, client: Client, file: Path, target: Target, find: Finder) -> list[str]:
    """Undo what interrupted runs against this target left; keep aside (and report) ledgers of other targets."""
    mine, notes = pending_ledgers(file, target.base_url)
    for left in mine:
        left.undo(client, find)
        if left.pending():
            left.keep_aside()  # not lost under this run's ledger.json; tried again next time
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    for note in notes:
        if reporter is not None:
            reporter.write_line(f"lmsconf: warning: {note}", yellow=True)
    return notes


@pytest.fixture(scope="session")
def ledger(pytestconfig: pytest.Config, profile: Profile, client: Client, target: Target) -> Iterator[Ledger]:
    """What the writes suite created or changed, undone at the end of the session even when tests fail.

    Entries are saved to DIR/<profile>/ledger.json, bound to the target, before each request that writes,
    so a run that was killed is undone by the next one against the same target before it writes anything;
    a ledger left for another target is kept aside and reported, never replayed here."""
    state = pytestconfig.stash[STATE]
    file = state.report_dir / profile.id / LEDGER_FILE
    find = _uploaded(client, profile)
    kept_aside = _resume(pytestconfig, client, file, target, find)
    book = Ledger(run_id=state.run_id, file=file, target=target.base_url, embedded=target.embedded)
    _sweep(client, profile, book)
    book.undo(client, find)
    try:
        yield book
    finally:
        book.undo(client, find)
        with contextlib.suppress(RunDeadline):  # past the deadline only the ledger's own entries are undone
            _sweep(client, profile, book)
        book.undo(client, find)
        if state.summary is not None:
            state.summary.cleanup_problems = kept_aside + list(book.problems)


@pytest.fixture(autouse=True)
def _lmsconf_evidence(request: pytest.FixtureRequest) -> Generator[None, None, None]:
    """Label a conformance test for Allure and attach the exchanges it made."""
    item_rules = rules_of(request.node)
    if not item_rules:
        yield
        return
    rec: Recorder = request.getfixturevalue("recorder")
    prof: Profile = request.getfixturevalue("profile")
    key = allure_report.exchanges_key(request.node.nodeid)
    allure_report.label(prof.id, item_rules, key)
    mark = rec.mark()
    try:
        yield
    finally:
        made = rec.since(mark)
        request.node.stash[REQUESTS] = len(made)
        account = _account(request.config, prof)
        problem = request.node.stash.get(PROBLEM, None)
        if problem is not None:
            allure_report.categorise(problem.kind, problem.reason)
        failed = request.node.stash.get(OUTCOME, "") == "failed"
        allure_report.attach_exchanges(made, failed=failed, account=account,
                                       doc=getattr(request.function, "__doc__", None))
        state = request.config.stash[STATE]
        allure_report.save_exchanges(state.report_dir / prof.id / allure_report.EXCHANGES_DIR, key, made, account)
        _log_failure(request.node, item_rules, made, failed)


def _log_failure(item: pytest.Item, item_rules: list[Rule], made: list[Any], failed: bool) -> None:
    """A failing test (or one whose checks found a violation or broke) goes to DIR/<profile>/failures.json."""
    state = item.config.stash[STATE]
    checks = [(c.rule_id, c.result, c.detail) for c in CHECKS.since(item.stash.get(MARK, 0))
              if c.result in (VIOLATED, BROKE)]
    if state.failures is None or state.profile is None or not (failed or checks):
        return
    problem = item.stash.get(PROBLEM, None)
    state.failures.add(item.nodeid, [r.id for r in item_rules], checks,
                       (problem.kind, problem.reason) if problem else None, made,
                       _account(item.config, state.profile), state.redact)


def _account(config: pytest.Config, profile: Profile) -> str | None:
    """The account name (or client id) the profile's ``[auth] account`` setting holds, shown beside every
    exchange for a support ticket; redacted like anything else should it hold a secret."""
    state = config.stash[STATE]
    name = profile.auth.get("account")
    value = state.target.setting(str(name)) if name and state.target is not None else None
    return state.redact(value) if value else None


def _support_account(state: RunState, profile: Profile) -> tuple[str | None, str | None]:
    """The setting naming the account for a support desk (failures.account_setting) and its value, redacted."""
    setting = account_setting(profile.auth)
    if not setting or state.target is None:
        return setting, None
    value = state.target.setting(setting) or state.target.credentials.get(setting)
    return setting, state.redact(value) if value else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, Any, Any]:
    item.stash[MARK] = CHECKS.mark()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, Any]:
    """Note why a test ended as it did, and at teardown credit each rule with its own checks."""
    report = yield
    state = item.config.stash[STATE]
    item_rules = rules_of(item)
    if not item_rules or state.summary is None or state.profile is None:
        return report
    current = item.stash.get(OUTCOME, None)
    if report.failed:
        item.stash[OUTCOME] = "failed"
    elif report.skipped and current is None:
        item.stash[OUTCOME] = "skipped"
    elif report.when == "call" and current is None:
        item.stash[OUTCOME] = "passed"
    if PROBLEM not in item.stash:
        if report.skipped and isinstance(report.longrepr, tuple):
            item.stash[PROBLEM] = outcomes.skipped(str(report.longrepr[2]))
        elif report.failed and call.excinfo is not None:
            item.stash[PROBLEM] = outcomes.classify(call.excinfo.value)
    if report.when == "teardown":
        if state.progress is not None:
            state.progress.finished(r.id for r in item_rules)
        outcomes.credit(state.summary, state.profile.applies, [r.id for r in item_rules],
                        CHECKS.since(item.stash.get(MARK, 0)), item.stash.get(PROBLEM, None),
                        item.stash.get(REQUESTS, 0), state.redact)
    return report


def _past_deadline(state: RunState) -> bool:
    return state.deadline is not None and time.monotonic() >= state.deadline


def _deadline_error(state: RunState) -> None:
    if state.summary is not None and not state.summary.error:
        timeout = (state.deadline or state.started) - state.started
        state.summary.error = f"the run's deadline of {timeout:g} s passed; the run stopped"
        state.summary.error_kind = RunDeadline.__name__


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Past the run's deadline: stop the session after this test (its fixtures still tear down and clean up)."""
    state = item.config.stash[STATE]
    if _past_deadline(state):
        _deadline_error(state)
        item.session.shouldstop = "the run's deadline passed"
        raise RunDeadline("the run's deadline (--timeout) passed")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None or state.summary is None:
        return
    if state.client is not None and state.client.stats.refused_after_deadline:
        _deadline_error(state)
    state.summary.duration_s = time.monotonic() - state.started
    if state.client is not None:
        state.summary.requests = state.client.stats.requests
        state.summary.unintended_429 = state.client.stats.unintended_429
        state.summary.reauthentications = state.client.stats.reauthentications
        state.summary.rate_bound_s = state.client.throttle.bound_s()
    if state.target is not None:
        state.target.stop()
    outcomes.finish(state.summary, state.expected, state.summary.error)
    if state.gate is not None:
        state.gate.judge(session, state.summary)
    write_part(state.report_dir, state.summary)
    if state.failures is not None and state.profile is not None:
        sent = state.client.recorder.exchanges if state.client is not None and state.client.recorder else []
        token_request = next((ex for ex in sent if ex.purpose == "authenticate"), None)
        state.failures.finish(state.summary.target, *_support_account(state, state.profile), token_request)
    environment.write(state.report_dir, state.summary, state.run_id)
    results_dir = getattr(session.config.option, "allure_report_dir", None)
    if results_dir:
        allure_report.write_rule_results(Path(results_dir), state.summary)


def pytest_unconfigure(config: pytest.Config) -> None:
    """After pytest wrote its JUnit file: add one test case per applicable rule with the rule's outcome."""
    if config in _CONFIGURED:
        _CONFIGURED.remove(config)
    state = config.stash.get(STATE, None)
    xmlpath = getattr(config.option, "xmlpath", None)
    if state is not None and state.summary is not None and xmlpath and Path(xmlpath).is_file():
        junit.add_rule_suite(Path(xmlpath), state.summary)
