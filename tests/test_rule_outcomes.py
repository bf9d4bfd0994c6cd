"""One outcome per rule: what the rule's own check saw, never the outcome of the test that carried it.

A small suite of marked tests runs under the real plugin (its own pytest process) and the profile
applies seven rules, each meeting a different fate: violated, held, not reached after another rule's
violation, skipped, stopped by a tool error, deselected, carried by no test.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from conformance.errors import ConfigError, TargetUnreachable
from conformance.reporting.outcomes import Problem, classify, credit, finish
from conformance.reporting.summary import ProfileSummary
from conformance.rules import CHECKS, check_all, status
from conformance.rules.registry import RuleViolation
from conformance.runner import verdict
from conformance.vendors import profile_files
from tests.fakes import Answer

APPLIED = ["status.bad-token-is-401", "status.unknown-id-is-404", "status.invalid-paging-is-4xx",
           "auth.token-issued", "envelopes.error-body", "envelopes.rows-validate", "auth.api-key-required"]

SUITE = '''
import pytest
from conformance.errors import TargetUnreachable
from conformance.rules import status
from tests_fakes import Answer

@pytest.mark.rule("status.bad-token-is-401", "status.invalid-paging-is-4xx")
def test_first_rule_fails_second_not_reached():
    status.bad_token_is_401([Answer(200, [])], 401)
    status.invalid_paging_is_4xx([Answer(422, {})], 422)

@pytest.mark.rule("status.unknown-id-is-404")
def test_holds():
    status.unknown_id_is_404([Answer(404, {})], 404)

@pytest.mark.rule("auth.token-issued")
def test_skips():
    pytest.skip("could not provoke a token refusal on this target")

@pytest.mark.rule("envelopes.error-body")
def test_tool_error():
    raise TargetUnreachable("127.0.0.1:9 unreachable: connection refused")

@pytest.mark.rule("auth.api-key-required")
def test_deselectme():
    status.bad_token_is_401([Answer(401, {})], 401)
'''


def _profile(tmp: Path, rules: list[str]) -> Path:
    text = profile_files()["absorb-v1"].read_text(encoding="utf-8")
    head, _, _ = text.partition("[rules]")
    path = tmp / "tiny.toml"
    path.write_text(head + "[rules]\napply = [" + ", ".join(f'"{r}"' for r in rules) + "]\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path]:
    import subprocess
    import sys

    from tests import fakes

    work = tmp_path_factory.mktemp("tiny")
    (work / "test_tiny.py").write_text(SUITE, encoding="utf-8")
    (work / "tests_fakes.py").write_text(Path(fakes.__file__).read_text(encoding="utf-8"), encoding="utf-8")
    reports = work / "reports"
    profile = _profile(work, APPLIED)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(work / "test_tiny.py"), "--profile", str(profile), "--report-dir",
         str(reports), "--alluredir", str(reports / "allure"), "--junitxml", str(reports / "junit.xml"),
         "-p", "no:cacheprovider", "-q", "-k", "not deselectme", "--rootdir", str(work)],
        capture_output=True, text=True, cwd=work, timeout=300, check=False)
    part = json.loads((reports / "absorb-v1" / "summary.json").read_text(encoding="utf-8"))
    return done.returncode, part, reports


def test_every_applied_rule_is_listed_with_its_own_outcome(tiny_run: tuple[int, dict[str, Any], Path]) -> None:
    _, part, _ = tiny_run
    rules = part["rules"]
    assert sorted(rules) == sorted(APPLIED)
    assert {rid: r["outcome"] for rid, r in rules.items()} == {
        "status.bad-token-is-401": "failed",
        "status.invalid-paging-is-4xx": "not-checked",
        "status.unknown-id-is-404": "passed",
        "auth.token-issued": "not-checked",
        "envelopes.error-body": "error",
        "envelopes.rows-validate": "not-checked",
        "auth.api-key-required": "not-checked",
    }


def test_each_rule_not_checked_says_why(tiny_run: tuple[int, dict[str, Any], Path]) -> None:
    _, part, _ = tiny_run
    reason = {rid: r["reason"] for rid, r in part["rules"].items()}
    assert "status.bad-token-is-401 failed first" in reason["status.invalid-paging-is-4xx"]
    assert "could not provoke" in reason["auth.token-issued"]
    assert "deselected" in reason["auth.api-key-required"]
    assert "no test" in reason["envelopes.rows-validate"]
    assert "unreachable" in reason["envelopes.error-body"]
    assert part["rules"]["envelopes.error-body"]["error_kind"] == "target"
    assert part["rules"]["status.unknown-id-is-404"]["checks"] == 1


def test_a_tool_error_outranks_the_violation_in_the_exit_code(tiny_run: tuple[int, dict[str, Any], Path]) -> None:
    returncode, part, _ = tiny_run
    assert returncode == 1
    assert verdict("absorb-v1", returncode, part)[0] == 3


def test_junit_and_allure_carry_one_result_per_rule(tiny_run: tuple[int, dict[str, Any], Path]) -> None:
    _, _, reports = tiny_run
    suites = ET.parse(reports / "junit.xml").getroot().findall("testsuite")
    rule_suite = next(s for s in suites if s.get("name") == "absorb-v1 rules")
    cases = {c.get("name"): c for c in rule_suite.findall("testcase")}
    assert sorted(cases) == sorted(APPLIED)
    assert cases["status.bad-token-is-401"].find("failure") is not None
    assert cases["envelopes.error-body"].find("error") is not None
    assert cases["auth.token-issued"].find("skipped") is not None
    assert list(cases["status.unknown-id-is-404"]) == []
    results = [json.loads(p.read_text()) for p in (reports / "allure").glob("*-result.json")]
    verdicts = {r["labels"][3]["value"]: r["status"] for r in results if "rule-outcome" in json.dumps(r["labels"])}
    assert verdicts == {"status.bad-token-is-401": "failed", "status.invalid-paging-is-4xx": "skipped",
                        "status.unknown-id-is-404": "passed", "auth.token-issued": "skipped",
                        "envelopes.error-body": "broken", "envelopes.rows-validate": "skipped",
                        "auth.api-key-required": "skipped"}


def test_check_all_gives_every_rule_its_own_result() -> None:
    mark = CHECKS.mark()
    with pytest.raises(RuleViolation) as caught:
        check_all(lambda: status.bad_token_is_401([Answer(200, [])], 401),
                  lambda: status.unknown_id_is_404([Answer(404, {})], 404))
    assert caught.value.rule.id == "status.bad-token-is-401"
    assert [(c.rule_id, c.result) for c in CHECKS.since(mark)] == [
        ("status.bad-token-is-401", "failed"), ("status.unknown-id-is-404", "passed")]


def test_an_error_inside_a_rule_is_its_own_outcome_and_kind() -> None:
    summary = ProfileSummary.expecting("p", ["status.bad-token-is-401"])
    mark = CHECKS.mark()
    with pytest.raises(ConfigError):
        status.bad_token_is_401([_Exploding()], 401)
    checks = CHECKS.since(mark)
    credit(summary, lambda rid: True, ["status.bad-token-is-401"], checks,
           classify(ConfigError("schema 'x.json' not found")), 0, str)
    finish(summary, set(), None)
    result = summary.as_dict()["rules"]["status.bad-token-is-401"]
    assert (result["outcome"], result["error_kind"]) == ("error", "config")


def test_a_check_that_held_then_a_tool_error_is_error_not_passed() -> None:
    summary = ProfileSummary.expecting("p", ["status.unknown-id-is-404"])
    mark = CHECKS.mark()
    status.unknown_id_is_404([Answer(404, {})], 404)
    credit(summary, lambda rid: True, ["status.unknown-id-is-404"], CHECKS.since(mark),
           classify(TargetUnreachable("h:1 unreachable: connection reset")), 1, str)
    assert summary.rules["status.unknown-id-is-404"].outcome == "error"


def test_a_violation_inside_an_exception_group_is_a_violation() -> None:
    from conformance.rules import get

    group = ExceptionGroup("two", [RuleViolation(get("status.bad-token-is-401"), "x"),
                                   RuleViolation(get("status.unknown-id-is-404"), "y")])
    assert classify(group) == Problem("violation", "x", ("status.bad-token-is-401", "status.unknown-id-is-404"))


def test_rules_a_profile_does_not_apply_are_not_listed() -> None:
    summary = ProfileSummary.expecting("p", ["status.unknown-id-is-404"])
    mark = CHECKS.mark()
    status.bad_token_is_401([Answer(401, {})], 401)
    credit(summary, lambda rid: rid == "status.unknown-id-is-404", ["status.bad-token-is-401"],
           CHECKS.since(mark), None, 1, str)
    assert list(summary.rules) == ["status.unknown-id-is-404"]


class _Exploding:
    """An answer whose status cannot even be read without a configuration problem."""

    method = "GET"
    url = "http://127.0.0.1/x"
    response_headers: dict[str, str] = {}
    response_body = ""

    @property
    def status(self) -> int:
        raise ConfigError("schema 'x.json' not found")


def test_a_token_in_an_undocumented_shape_blocks_the_rules_it_stops() -> None:
    from conformance.errors import TokenUnreadable

    summary = ProfileSummary.expecting("p", ["status.unknown-id-is-404"])
    credit(summary, lambda rid: True, ["status.unknown-id-is-404"], [],
           classify(TokenUnreadable("authentication answered HTTP 200 but no token could be read")), 1, str)
    tally = summary.rules["status.unknown-id-is-404"]
    assert tally.outcome == "not-checked" and tally.reason.startswith("blocked by a violation")
