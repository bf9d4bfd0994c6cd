"""The Schemathesis layer: requests through our client, placeholders for credentials, one outcome per check."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from conformance import profiles
from conformance.fuzz.checks import FUZZ_RULES, RULE_IDS
from conformance.fuzz.context import FuzzContext
from conformance.fuzz.session import KEY_PLACEHOLDER, TOKEN_PLACEHOLDER, ClientSession, placeholders
from conformance.http.client import Client
from conformance.openapi import bundled, document
from conformance.rules import CHECKS
from conformance.rules.fuzz import RULES, RUNNERS
from conformance.rules.registry import HELD, VIOLATED, RuleViolation
from conformance.simulator.app import Simulator
from conformance.simulator.server import SimulatorServer
from conformance.vendors.qses.simulator.tokens import Tokens
from tests.support import issued_by, run_suite


@pytest.fixture(scope="module")
def absorb() -> Any:
    simulator = Simulator("absorb-v1_5")
    with SimulatorServer(simulator) as server, \
            Client(profiles.load("absorb-v1_5"), server.base_url, simulator.credentials) as client:
        yield client


def test_every_check_is_one_registered_rule() -> None:
    assert set(RULE_IDS) == set(RULES) and len(FUZZ_RULES) == len(RULES)
    assert all(rid.startswith("fuzz.") for rid in RULE_IDS)


def test_placeholders_stand_for_the_profile_credential_headers() -> None:
    assert placeholders(profiles.load("absorb-v1_5")) == {"x-api-key": KEY_PLACEHOLDER,
                                                          "Authorization": f"Bearer {TOKEN_PLACEHOLDER}"}
    assert placeholders(profiles.load("absorb-v1")) == {"Authorization": TOKEN_PLACEHOLDER}


def test_the_session_sends_through_the_client_with_the_real_credentials(absorb: Client) -> None:
    session = ClientSession(absorb)
    mark = absorb.recorder.mark()
    answered = session.request("GET", absorb.url("/users"), params={"_limit": "1"},
                               headers={**placeholders(absorb.profile), "Accept": "application/json"})
    assert answered.status_code == 200
    (exchange,) = [ex for ex in absorb.recorder.since(mark) if ex.purpose != "authenticate"]
    assert exchange.purpose == "fuzz" and not exchange.deliberate
    assert exchange.request_headers["x-api-key"] == "${LMSCONF_API_KEY}"   # the real key, redacted when recorded
    assert TOKEN_PLACEHOLDER not in json.dumps(exchange.request_headers)


@pytest.mark.parametrize("drop", ["x-api-key", "Authorization"])
def test_a_probe_without_the_placeholders_goes_out_as_it_is(absorb: Client, drop: str) -> None:
    session = ClientSession(absorb)
    headers = {k: v for k, v in placeholders(absorb.profile).items() if k != drop}
    mark = absorb.recorder.mark()
    answered = session.request("GET", absorb.url("/users"), headers=headers)
    assert answered.status_code in (401, 403)
    (exchange,) = [ex for ex in absorb.recorder.since(mark) if ex.purpose != "authenticate"]
    assert exchange.deliberate and drop.lower() not in {k.lower() for k in exchange.request_headers}


@dataclasses.dataclass
class Operation:
    method: str
    path: str
    definition: Any = None


@dataclasses.dataclass
class Case:
    method: str
    path: str
    formatted_path: str
    operation: Operation
    meta: Any = None
    body: Any = None
    headers: Any = None


@dataclasses.dataclass
class Answer:
    status_code: int
    headers: dict[str, list[str]]
    content: bytes


def _case(method: str, path: str) -> Case:
    return Case(method, path, path, Operation(method, path))


def test_a_rule_logs_what_its_check_saw() -> None:
    def holds(ctx: Any, response: Any, case: Any) -> None:
        return None

    def breaks(ctx: Any, response: Any, case: Any) -> None:
        raise AssertionError("Server error")

    run = RUNNERS["fuzz.no-server-error"]
    mark = CHECKS.mark()
    run(holds, None, Answer(200, {}, b""), _case("GET", "/users"))
    with pytest.raises(RuleViolation, match=r"fuzz.no-server-error.*Server error.*GET /users answered 500"):
        run(breaks, None, Answer(500, {}, b""), _case("GET", "/users"))
    assert [(c.rule_id, c.result) for c in CHECKS.since(mark)] == [("fuzz.no-server-error", HELD),
                                                                    ("fuzz.no-server-error", VIOLATED)]


def test_a_group_of_failures_is_one_violation_naming_the_first() -> None:
    def several(ctx: Any, response: Any, case: Any) -> None:
        raise ExceptionGroup("two", [AssertionError("first"), AssertionError("second")])

    with pytest.raises(RuleViolation, match=r"first \(and 1 more\)"):
        RUNNERS["fuzz.response-schema-conformance"](several, None, Answer(200, {}, b"{}"), _case("GET", "/users"))


def _context(name: str, **ratelimit: Any) -> FuzzContext:
    profile = profiles.load(name)
    if ratelimit:
        raw = {**profile.raw, "ratelimit": {**profile.ratelimit, **ratelimit}}
        profile = dataclasses.replace(profile, raw=raw)
    return FuzzContext(profile, bundled(document(profile)))


def test_documented_statuses_are_the_profile_table_for_the_operation() -> None:
    fuzz = _context("qses")
    assert fuzz.documented_statuses("GET", "/contacts/{id}") == {200, 401, 404, 429}
    assert fuzz.documented_statuses("POST", "/contacts") == {201, 400, 401, 415, 429}
    assert fuzz.operation("TRACE", "/contacts") is None and fuzz.has_path("/contacts")


def test_the_error_schema_is_the_token_calls_own_where_it_has_one() -> None:
    fuzz = _context("qses")
    assert fuzz.error_schema(401) == "qses/error.json"
    assert fuzz.error_schema(400, token=True) == "qses/token-error.json"
    assert fuzz.error_schema(415) == "qses/unsupported-media.json"
    assert fuzz.error_schema(429) is None   # "429 with no content"


def test_ratelimit_headers_are_judged_where_the_profile_documents_them() -> None:
    plain = _context("qses")
    assert plain.ratelimit_headers_apply(429) and not plain.ratelimit_headers_apply(200)
    assert plain.ratelimit_header_problems(429, {"Retry-After": ["33"]}) == {}
    assert plain.ratelimit_header_problems(429, {"Retry-After": ["soon"]}) == {
        "Retry-After": "'soon' is neither delay-seconds nor an HTTP-date"}
    assert plain.ratelimit_header_problems(429, {}) == {"Retry-After": "missing on a 429"}
    documented = _context("absorb-v1_5", headers=["X-RateLimit-Remaining"])
    assert documented.ratelimit_headers_apply(200)
    assert documented.ratelimit_header_problems(200, {"x-ratelimit-remaining": ["12"]}) == {}
    assert documented.ratelimit_header_problems(200, {"X-RateLimit-Remaining": ["many"]}) == {
        "X-RateLimit-Remaining": "'many' is not a non-negative integer"}
    assert documented.ratelimit_header_problems(200, {}) == {"X-RateLimit-Remaining": "missing"}
    assert not _context("absorb-v1").ratelimit_headers_apply(429)


def test_the_compatibility_profile_passes_every_fuzz_rule(tmp_path: Path) -> None:
    """The clean half for absorb-v1_5-compat (the other profiles' full runs are in the end-to-end tests)."""
    status, part = run_suite(tmp_path, "-k", "test_fuzz", "--fuzz-examples", "2", profile="absorb-v1_5-compat")
    fuzz = {rid: r["outcome"] for rid, r in part["rules"].items() if rid.startswith("fuzz.")}
    assert fuzz and set(fuzz.values()) == {"passed"} and status == 0, part
    assert part["requests"] > 100


def test_a_failing_fuzz_run_reports_the_request_without_a_secret(tmp_path: Path) -> None:
    """A fault the fuzz rules catch: the violation names the request (a curl line in the report), and neither the
    password nor any token reaches summary.json, JUnit, Allure or the output."""
    simulator = Simulator("qses", faults=["body-off-schema"])
    with issued_by(Tokens) as issued, SimulatorServer(simulator) as server:
        status, part = run_suite(tmp_path, "--base-url", server.base_url + simulator.base_path, "-k", "generated",
                                 "--fuzz-path", "^/contacts$", "--fuzz-examples", "1", "--alluredir",
                                 str(tmp_path / "allure"), "--junitxml", str(tmp_path / "junit.xml"),
                                 profile="qses", env=simulator.announced_credentials)
    assert status == 1
    rule = part["rules"]["fuzz.response-schema-conformance"]
    assert rule["outcome"] == "failed" and "GET /contacts" in rule["reason"], rule
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(b"curl" in p.read_bytes() for p in files)
    secrets = [simulator.credentials["LMSCONF_PASSWORD"], *issued]
    assert issued
    leaks = [str(p) for p in files for secret in secrets if secret.encode() in p.read_bytes()]
    assert not leaks, leaks
