"""`lmsconf run --baseline PATH`: exit 1 only for rules that passed in the baseline and fail now; fixed, still
failing and new rules are listed (terminal and summary.json); a baseline that is not a summary.json is exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance import baseline
from conformance.errors import ConfigError
from conformance.runner import verdict
from tests.support import PROFILE, lmsconf

# Two rules the simulator faults below make fail, each carried by its own test (run on one resource).
BODY, STATUS = "envelopes.error-body", "status.unknown-id-is-404"
FAULTS = ("--simulator-fault", "error-body-plain", "--simulator-fault", "unknown-user-500")
SELECTION = f"({BODY} or {STATUS}) and users"


def summary(rules: dict[str, str], profile: str = PROFILE) -> dict[str, Any]:
    entries = {rid: {"outcome": outcome, "reason": ""} for rid, outcome in rules.items()}
    return {"profiles": {profile: {"target": "", "rules": entries}}, "exit_code": 0}


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


# Reading and comparing -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "says"), [
    ("{not json", "not JSON"),
    ([1, 2], 'no "profiles" object'),
    ({"profiles": {PROFILE: {"rules": {BODY: {"reason": "x"}}}}}, f"profiles.{PROFILE}"),
    ({"profiles": {PROFILE: []}}, f"profiles.{PROFILE}"),
])
def test_a_baseline_of_another_shape_is_one_config_error(tmp_path: Path, content: Any, says: str) -> None:
    path = write(tmp_path / "old.json", content)
    with pytest.raises(ConfigError) as caught:
        baseline.load(path)
    assert str(path) in caught.value.reason and says in caught.value.reason and "\n" not in caught.value.reason


def test_a_missing_baseline_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        baseline.load(tmp_path / "absent.json")


def test_compare_sorts_each_rule_into_its_list(tmp_path: Path) -> None:
    before = baseline.load(write(tmp_path / "old.json", summary({
        "a.regressed": "passed", "b.fixed": "failed", "c.was-waived": "waived", "d.still": "failed",
        "e.unjudged": "not-checked", "f.steady": "passed"})))
    now = summary({"a.regressed": "failed", "b.fixed": "passed", "c.was-waived": "passed", "d.still": "failed",
                   "e.unjudged": "failed", "f.steady": "passed", "g.new-failing": "failed", "h.new": "passed"})
    found = baseline.compare(before, now["profiles"], "old.json")
    key = f"{PROFILE}:".__add__
    assert found.regressions == [key("a.regressed")]
    assert found.fixed == [key("b.fixed"), key("c.was-waived")]
    assert found.still_failing == [key("d.still"), key("e.unjudged"), key("g.new-failing")]
    assert found.new == [key("g.new-failing"), key("h.new")]
    assert found.forgiven(PROFILE) == {"d.still", "e.unjudged", "g.new-failing"}
    lines = baseline.terminal_lines(found)
    assert [line.split(" (")[0].strip() for line in lines[1:]] == ["regressions", "fixed", "still failing"]
    assert f"{key('g.new-failing')} (new)" in lines[3]


def test_a_profile_absent_from_the_baseline_is_new_and_never_a_regression() -> None:
    found = baseline.compare({}, summary({"a.rule": "failed"})["profiles"], "old.json")
    assert found.new == [f"{PROFILE}:a.rule"] and found.regressions == [] and found.forgiven(PROFILE) == {"a.rule"}


def test_forgiven_failures_do_not_make_exit_1_but_not_checked_still_makes_4() -> None:
    part = summary({"a.rule": "failed", "b.rule": "passed"})["profiles"][PROFILE]
    assert verdict(PROFILE, 1, part)[0] == 1
    assert verdict(PROFILE, 1, part, forgiven={"a.rule"})[0] == 0
    unchecked = summary({"a.rule": "failed", "b.rule": "not-checked"})["profiles"][PROFILE]
    assert verdict(PROFILE, 1, unchecked, forgiven={"a.rule"})[0] == 4
    assert verdict(PROFILE, 1, unchecked, allow_unchecked=True, forgiven={"a.rule"})[0] == 0


def test_long_lists_are_cut_short_on_the_terminal() -> None:
    found = baseline.Comparison(source="old.json", still_failing=[f"p:r{i}" for i in range(20)])
    line = baseline.terminal_lines(found)[3]
    assert "p:r7" in line and "p:r8" not in line and "12 more" in line


# Whole runs: the two rules fail now --------------------------------------------------------------------------

def run(tmp_path: Path, baseline_file: Path) -> tuple[int, str, str, dict[str, Any]]:
    report = tmp_path / "reports"
    done = lmsconf("run", "--profile", PROFILE, "--report-dir", str(report), "--baseline", str(baseline_file),
                   "--allow-unchecked", "--", "-k", SELECTION, *FAULTS)
    assert "Traceback" not in done.stderr
    return done.returncode, done.stdout, done.stderr, json.loads((report / "summary.json").read_text())


def test_one_rule_newly_failing_exits_1_naming_only_it(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", summary({BODY: "passed", STATUS: "failed"}))
    code, stdout, stderr, result = run(tmp_path, old)
    assert code == 1
    assert f"regression: {PROFILE}:{BODY}" in stderr and STATUS not in stderr
    assert result["baseline"]["regressions"] == [f"{PROFILE}:{BODY}"]
    assert result["baseline"]["still_failing"] == [f"{PROFILE}:{STATUS}"]
    rules = result["profiles"][PROFILE]["rules"]
    assert sorted(result["baseline"]["new"]) == sorted(f"{PROFILE}:{r}" for r in rules if r not in (BODY, STATUS))
    assert f"regressions (1): {PROFILE}:{BODY}" in stdout
    assert result["profiles"][PROFILE]["rules"][BODY]["outcome"] == "failed"     # outcomes stay as they are


def test_the_same_failures_in_the_baseline_exit_0(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", summary({BODY: "failed", STATUS: "failed"}))
    code, stdout, stderr, result = run(tmp_path, old)
    assert code == 0, stderr
    assert result["baseline"]["regressions"] == []
    assert result["baseline"]["still_failing"] == [f"{PROFILE}:{BODY}", f"{PROFILE}:{STATUS}"]
    assert "regressions (0): none" in stdout and "still failing (2)" in stdout
    assert result["exit_code"] == 0


def test_an_unreadable_baseline_exits_2_before_the_run(tmp_path: Path) -> None:
    done = lmsconf("run", "--profile", PROFILE, "--report-dir", str(tmp_path / "r"),
                   "--baseline", str(write(tmp_path / "old.json", "[]")))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "--baseline" in done.stderr
    assert not (tmp_path / "r").exists()
