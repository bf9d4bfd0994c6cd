"""Waivers (`lmsconf run --waivers FILE`): a failure a live waiver expects is "waived" and does not fail the run;
a waiver whose rules all passed is stale (exit 1); an expired one waives nothing; a bad file is exit 2."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest

from conformance import waivers
from conformance.errors import ConfigError
from conformance.gate import Gate
from conformance.reporting.allure import rule_result
from conformance.reporting.junit import rule_suite
from conformance.reporting.summary import FAILED, NOT_CHECKED, PASSED, WAIVED, ProfileSummary
from conformance.runner import verdict
from tests.support import PROFILE, lmsconf, run_suite

TODAY = date.today()
LATER = TODAY + timedelta(days=30)
RULE = "envelopes.error-body"          # made to fail by the simulator fault FAULT
FAULT = "error-body-plain"
ONE_TEST = f"{RULE} and users"         # the rule's test on one resource keeps each run short


def waiver_toml(rule: str = RULE, profile: str = PROFILE, expires: str = LATER.isoformat(), extra: str = "") -> str:
    return (f'[[waiver]]\nrule = "{rule}"\nprofile = "{profile}"\nreason = "errors come as text/plain"\n'
            f'ticket = "ABS-1234"\nexpires = {expires}\n{extra}')


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def one(rule: str = RULE, host: str = "*", expires: date = LATER, number: int = 1) -> waivers.Waiver:
    return waivers.Waiver(number=number, rule=rule, profile=PROFILE, host=host, reason="known", ticket="T-1",
                          expires=expires)


def summary_with(outcomes: dict[str, str]) -> ProfileSummary:
    """A profile summary whose rules end as given (a failed one "violated here")."""
    summary = ProfileSummary(profile=PROFILE, target="")
    for rule_id, outcome in outcomes.items():
        tally = summary.tally(rule_id)
        if outcome in (PASSED, FAILED):
            tally.checked(outcome, "violated here" if outcome == FAILED else "")
        else:
            tally.not_checked("deselected")
    return summary


# The file ------------------------------------------------------------------------------------------------------

def test_schema_is_draft_2020_12_with_id_and_descriptions() -> None:
    schema = json.loads(waivers.SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith("/meta/waivers.schema.json") and schema["description"]
    assert all(prop.get("description") for prop in schema["$defs"]["waiver"]["properties"].values())


def test_a_valid_file_loads_with_host_defaulting_to_any(tmp_path: Path) -> None:
    path = write(tmp_path, waiver_toml() + "\n" + waiver_toml(rule="ratelimit.*", extra='host = "*.myabsorb.com"'))
    first, second = waivers.load(path)
    assert (first.number, first.rule, first.profile, first.host, first.ticket) == (1, RULE, PROFILE, "*", "ABS-1234")
    assert first.expires == LATER
    assert (second.number, second.host) == (2, "*.myabsorb.com")


@pytest.mark.parametrize(("text", "where"), [
    (waiver_toml() + "\n" + waiver_toml().replace('ticket = "ABS-1234"\n', ""), "waiver #2"),
    (waiver_toml(expires="2026-01-01T10:00:00"), "waiver #1 key expires"),
    (waiver_toml(expires='"next week"'), "waiver #1 key expires"),
    (waiver_toml(extra='owner = "me"'), "waiver #1"),
    ("[[waivers]]\nrule = 'x'\n", "(top level)"),
    ("[[waiver]\n", "not valid TOML"),
])
def test_a_malformed_file_is_one_config_error_naming_file_and_waiver(tmp_path: Path, text: str, where: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        waivers.load(path)
    assert str(path) in caught.value.reason and where in caught.value.reason
    assert "\n" not in caught.value.reason


@pytest.mark.parametrize(("rule", "profile", "names"), [
    ("pagination.no-such-rule", PROFILE, "matches no rule id"),
    ("locking.*", PROFILE, "matches no rule applied by profile"),     # real rules, not Absorb's
    (RULE, "absorb-v9", "unknown profile"),
])
def test_unknown_rule_or_profile_is_a_config_error(rule: str, profile: str, names: str) -> None:
    found = [waivers.Waiver(1, rule, profile, "*", "r", "T-1", LATER)]
    with pytest.raises(ConfigError) as caught:
        waivers.check_known(found, "w.toml", waivers.rules_by_profile())
    assert names in caught.value.reason and "waiver #1" in caught.value.reason


# Matching ------------------------------------------------------------------------------------------------------

def test_matching_by_pattern_profile_host_and_date() -> None:
    found = [one(rule="ratelimit.*", host="*.sandbox.example.com")]
    assert waivers.waiver_for(found, PROFILE, "eu.sandbox.example.com", "ratelimit.enforced", TODAY) is found[0]
    assert waivers.waiver_for(found, PROFILE, "EU.Sandbox.Example.com".lower(), "ratelimit.enforced", TODAY)
    assert waivers.waiver_for(found, PROFILE, "prod.example.com", "ratelimit.enforced", TODAY) is None
    assert waivers.waiver_for(found, PROFILE, "eu.sandbox.example.com", "status.bad-token-is-401", TODAY) is None
    assert waivers.waiver_for(found, "qses", "eu.sandbox.example.com", "ratelimit.enforced", TODAY) is None
    assert waivers.waiver_for(found, PROFILE, "eu.sandbox.example.com", "ratelimit.enforced", LATER) is not None
    after = LATER + timedelta(days=1)
    assert waivers.waiver_for(found, PROFILE, "eu.sandbox.example.com", "ratelimit.enforced", after) is None


def test_the_host_matched_is_the_urls_host_or_embedded_never_its_userinfo() -> None:
    assert waivers.host_of(None) == waivers.EMBEDDED_HOST == "embedded"
    assert waivers.host_of("https://user:s3cret-pass@Rest.Sandbox.example.com:8443/api?key=abc") == \
        "rest.sandbox.example.com"


def test_apply_waives_a_failure_and_judges_each_waiver() -> None:
    summary = summary_with({RULE: FAILED, "status.unknown-id-is-404": PASSED, "ratelimit.enforced": NOT_CHECKED,
                            "pagination.terminates": FAILED})
    found = [one(number=1), one(rule="status.*", number=2), one(rule="ratelimit.*", number=3),
             one(rule="pagination.terminates", expires=TODAY - timedelta(days=1), number=4),
             one(rule="status.*", host="other.example.com", number=5)]
    report = waivers.apply(summary, found, "embedded", TODAY)
    assert summary.rules[RULE].outcome == WAIVED
    assert summary.rules["pagination.terminates"].outcome == FAILED       # its waiver expired
    assert report["waived"] == [f"{PROFILE}:{RULE}"]
    assert [w["waiver"] for w in report["stale"]] == [2]                 # its rules all ran and passed
    assert [w["waiver"] for w in report["unused"]] == [3, 5]             # not checked; another host
    assert [w["waiver"] for w in report["expired"]] == [4]
    assert "pagination.terminates" in report["expired"][0]["why"]
    entry = summary.as_dict()["rules"][RULE]
    assert entry["outcome"] == "waived" and entry["waiver"]["ticket"] == "T-1"
    assert "violated here" in entry["reason"] and "T-1" in entry["reason"]


def test_waived_is_not_a_violation_and_a_stale_waiver_is() -> None:
    summary = summary_with({RULE: FAILED, "status.read-is-200": PASSED})
    waivers.apply(summary, [one()], "embedded", TODAY)
    part = summary.as_dict()
    assert verdict(PROFILE, 0, part) == (0, None)
    assert verdict(PROFILE, 1, part)[0] == 0      # a test failing on the waived rule alone explains exit 1
    stale = summary_with({RULE: PASSED})
    stale.waivers = waivers.apply(stale, [one()], "embedded", TODAY)
    assert verdict(PROFILE, 1, stale.as_dict())[0] == 1


def test_junit_and_allure_say_waived_with_the_ticket() -> None:
    summary = summary_with({RULE: FAILED})
    waivers.apply(summary, [one()], "embedded", TODAY)
    case = rule_suite(summary).find("testcase")
    assert case is not None
    skipped = case.find("skipped")
    assert skipped is not None and skipped.get("type") == "waived" and "T-1" in (skipped.get("message") or "")
    assert [p.get("value") for p in case.iter("property") if p.get("name") == "waiver"] == ["T-1"]
    result = rule_result(PROFILE, RULE, summary.rules[RULE], 0)
    assert result["status"] == "skipped" and result["statusDetails"]["known"] is True
    assert {"name": "tag", "value": "waived"} in result["labels"]


def test_the_run_gathers_every_profiles_waivers_and_those_of_profiles_not_run() -> None:
    other = waivers.Waiver(2, "auth.*", "qses", "*", "known", "T-2", LATER)
    gate = Gate(waivers_file="w.toml", waivers=[one(), other], chosen=[PROFILE])
    summary = summary_with({RULE: FAILED})
    summary.waivers = waivers.apply(summary, gate.waivers, "embedded", TODAY)
    parts = {PROFILE: summary.as_dict()}
    extra = gate.finish(parts)
    assert "waivers" not in parts[PROFILE]           # one top-level object, the profile's keys as before
    assert extra["waivers"]["waived"] == [f"{PROFILE}:{RULE}"]
    unused = [(w["waiver"], w["why"]) for w in extra["waivers"]["unused"]]
    assert unused == [(2, "profile qses: it was not in this run")]
    assert gate.terminal_lines() == [f"waived (1): {PROFILE}:{RULE}"] and gate.stderr_lines() == []


# Whole runs against the embedded simulator (one test's worth of rules each) --------------------------------------

def run(tmp_path: Path, waiver_file: Path, *faults: str) -> tuple[int, str, dict]:
    report = tmp_path / "reports"
    done = lmsconf("run", "--profile", PROFILE, "--report-dir", str(report), "--waivers", str(waiver_file),
                   "--allow-unchecked", "--", "-k", ONE_TEST, *(a for f in faults for a in ("--simulator-fault", f)))
    assert "Traceback" not in done.stderr
    return done.returncode, done.stderr, json.loads((report / "summary.json").read_text())


def test_a_waived_failure_exits_0_with_outcome_waived(tmp_path: Path) -> None:
    code, stderr, summary = run(tmp_path, write(tmp_path, waiver_toml()), FAULT)
    assert code == 0, stderr
    assert summary["profiles"][PROFILE]["rules"][RULE]["outcome"] == "waived"
    assert summary["waivers"]["waived"] == [f"{PROFILE}:{RULE}"] and summary["waivers"]["stale"] == []
    junit = ET.parse(tmp_path / "reports" / PROFILE / "junit.xml").getroot()
    rule_case = next(c for c in junit.iter("testcase") if c.get("name") == RULE)
    assert rule_case.find("skipped") is not None and rule_case.find("skipped").get("type") == "waived"  # type: ignore[union-attr]
    assert not list(junit.iter("failure"))       # the tests that carried it are xfailed, not failed


def test_a_stale_waiver_exits_1_naming_it(tmp_path: Path) -> None:
    code, stderr, summary = run(tmp_path, write(tmp_path, waiver_toml()))   # the clean simulator: the rule holds
    assert code == 1
    assert "stale waiver #1" in stderr and RULE in stderr
    assert [w["waiver"] for w in summary["waivers"]["stale"]] == [1]
    assert summary["profiles"][PROFILE]["rules"][RULE]["outcome"] == "passed"


def test_an_expired_waiver_waives_nothing_and_says_so(tmp_path: Path) -> None:
    expired = (TODAY - timedelta(days=1)).isoformat()
    code, stderr, summary = run(tmp_path, write(tmp_path, waiver_toml(expires=expired)), FAULT)
    assert code == 1
    assert summary["profiles"][PROFILE]["rules"][RULE]["outcome"] == "failed"
    assert "waiver #1" in stderr and f"expired on {expired}" in stderr
    assert [w["waiver"] for w in summary["waivers"]["expired"]] == [1] and summary["waivers"]["waived"] == []


def test_an_unknown_rule_id_exits_2_before_any_request(tmp_path: Path) -> None:
    path = write(tmp_path, waiver_toml(rule="envelopes.no-such-rule"))
    done = lmsconf("run", "--profile", PROFILE, "--report-dir", str(tmp_path / "r"), "--waivers", str(path))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "waiver #1" in lines[0] and "envelopes.no-such-rule" in lines[0]
    assert not (tmp_path / "r").exists()         # refused before the run began: no session, no request


def test_plain_pytest_takes_the_waivers_too(tmp_path: Path) -> None:
    status, part = run_suite(tmp_path, "--waivers", str(write(tmp_path, waiver_toml())),
                             "--simulator-fault", FAULT, "-k", ONE_TEST)
    assert status == 0
    assert part["rules"][RULE]["outcome"] == "waived" and part["waivers"]["waived"] == [f"{PROFILE}:{RULE}"]
