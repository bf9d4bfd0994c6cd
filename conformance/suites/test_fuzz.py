"""Generated requests (Schemathesis 4 on the profile's OpenAPI document), judged by the fuzz rules.

Every read operation of the document gets a small, fixed budget of generated requests, valid and invalid,
sent through the run's own Client (its throttle, 429 handling, token renewal and redaction). Each response
goes through every fuzz check; a check that has something to judge logs its rule's result (summary.json,
Allure), so a rule no request could exercise stays not-checked. A failure shows the request that broke the
rule and a curl line to reproduce it (credentials redacted). The writable resource is then exercised through
the document's links (create, read, replace, delete) on records the run creates and deletes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.stateful import run_state_machine_as_test

from conformance import fuzz
from conformance.cleanup import Ledger
from conformance.errors import ConfigError
from conformance.fuzz import stateful
from conformance.fuzz.checks import RULE_IDS, wrapped_checks
from conformance.fuzz.context import SESSION
from conformance.http.client import Client
from conformance.plugin import STATE, configured
from conformance.profiles import Profile
from conformance.rules import CHECKS

_found = configured()
_profile = _found.stash[STATE].profile if _found is not None else None
if _found is None or _profile is None:
    pytest.skip("the fuzz suite needs --profile", allow_module_level=True)
_config: pytest.Config = _found
_options = fuzz.FuzzOptions(examples=int(_config.getoption("lmsconf_fuzz_examples")),
                           path_regex=_config.getoption("lmsconf_fuzz_path"))
_unloadable: ConfigError | None = None
try:
    schema = fuzz.load(_profile, _options)
    _stateful = stateful.load(_profile, fuzz.config_for(_options, mode="positive"))
except ConfigError as exc:   # e.g. a rule schema the profile names is missing: the fuzz rules end in error
    schema, _stateful, _unloadable = None, None, exc   # (exit 2) and the other suites still run


@pytest.fixture(scope="session")
def fuzz_session(client: Client) -> Iterator[fuzz.ClientSession]:
    session = fuzz.ClientSession(client)
    SESSION.set(session)
    try:
        yield session
    finally:
        SESSION.set(None)


if schema is None:
    @pytest.mark.rule(*RULE_IDS)
    def test_generated_requests() -> None:
        assert _unloadable is not None
        raise _unloadable
else:
    @pytest.mark.rule(*RULE_IDS)
    @schema.parametrize()
    def test_generated_requests(case: Any, fuzz_session: fuzz.ClientSession, client: Client) -> None:
        mark = CHECKS.mark()
        response = case.call(base_url=client.base_url, session=fuzz_session)
        try:
            case.validate_response(response, checks=wrapped_checks(),
                                   transport_kwargs={"session": fuzz_session, "base_url": client.base_url})
        except FailureGroup as exc:
            raise fuzz.violation(CHECKS.since(mark), client.redactor.text(str(exc))) from None


@pytest.mark.writes
@pytest.mark.rule(*RULE_IDS)
@pytest.mark.skipif(_stateful is None, reason="the profile documents no create it can delete for its writable "
                                              "resource")
def test_linked_operations(fuzz_session: fuzz.ClientSession, client: Client, profile: Profile,
                           ledger: Ledger) -> None:
    """Create, read, replace and delete through the document's links; what was created is deleted at the end."""
    resource = stateful.writable(profile)
    assert resource is not None and _stateful is not None
    writes = stateful.Writes(profile, resource, client, ledger)
    machine = stateful.machine(_stateful, writes, wrapped_checks())
    mark = CHECKS.mark()
    try:
        examples = _options.examples
        for _ in range(stateful.ATTEMPTS):
            run_state_machine_as_test(machine, settings=stateful.settings(examples, _options.seed))
            if not stateful.unreached(profile, (c.rule_id for c in CHECKS.since(mark))):
                break
            examples *= 2   # another budget explores other sequences
    except FailureGroup as exc:
        raise fuzz.violation(CHECKS.since(mark), client.redactor.text(str(exc))) from None
    finally:
        writes.undo()   # failed undos stay in the ledger: the session's end (or the next run) tries again
