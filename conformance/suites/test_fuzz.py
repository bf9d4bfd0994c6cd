"""Generated requests (Schemathesis 4 on the profile's OpenAPI document), judged by the fuzz rules.

Every read operation of the document gets a small, fixed budget of generated requests, valid and invalid,
sent through the run's own Client (its throttle, 429 handling, token renewal and redaction). Each response
goes through every fuzz check; a check that has something to judge logs its rule's result (summary.json,
Allure), so a rule no request could exercise stays not-checked. A failure shows the request that broke the
rule and a curl line to reproduce it (credentials redacted).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from schemathesis.core.failures import FailureGroup

from conformance import fuzz
from conformance.errors import ConfigError
from conformance.fuzz.checks import RULE_IDS, wrapped_checks
from conformance.fuzz.context import SESSION
from conformance.http.client import Client
from conformance.plugin import STATE, configured
from conformance.rules import CHECKS

_config = configured()
_profile = _config.stash[STATE].profile if _config is not None else None
if _config is None or _profile is None:
    pytest.skip("the fuzz suite needs --profile", allow_module_level=True)
try:
    schema = fuzz.load(_profile, fuzz.FuzzOptions(examples=int(_config.getoption("lmsconf_fuzz_examples"))))
except ConfigError as exc:   # e.g. a rule schema the profile names is missing: the fuzz rules end in error
    schema, _unloadable = None, exc   # (exit 2) and the other suites still run


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
