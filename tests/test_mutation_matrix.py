"""The mutation matrix: each simulator fault must be caught by the rule it breaks.

For every fault in the catalogue, the suite runs (as plain pytest, selected by the
rule id) against the embedded simulator with that fault switched on, under the
profile whose API the fault bends; the expected rule must come out failed, from
its own check (summary.json credits a rule only with what its function saw). The
clean half - the same rules passing against the clean simulator - is the full
run in test_end_to_end.py.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from conformance import profiles
from conformance.rules import REGISTRY
from conformance.simulator.faults import FAULTS, Fault
from tests.support import run_suite, served_apart

APPLIED = {name: profiles.load(name).rules for name in profiles.available()}


MATRIX = [(f, f.profile) for f in FAULTS.values()]


@pytest.mark.parametrize("profile", sorted(APPLIED))
def test_every_applied_rule_has_a_fault_under_that_profile(profile: str) -> None:
    covered = {f.rule for f, where in MATRIX if where == profile}
    missing = sorted(set(APPLIED[profile]) - covered)
    assert not missing, f"rules {profile} applies with no fault under it: {missing}"


def test_every_fault_names_a_registered_rule_its_profile_applies() -> None:
    for fault in FAULTS.values():
        assert fault.rule in REGISTRY, fault
        assert fault.rule.split(".", 1)[0] == fault.area, fault
        assert fault.rule in APPLIED[fault.profile], fault


TIMED = "ratelimit"   # faults whose rules measure time: run alone, never beside another session
WORKERS = 2           # the other faults' sessions run two at a time (each is its own process)
Outcome = tuple[int, dict[str, Any]]


def _run(fault: Fault, report_dir: Path) -> Outcome:
    if fault.area == TIMED and profiles.load(fault.profile).ratelimit.get("model", "token-bucket") == "token-bucket":
        # a burst must outpace the bucket: the simulator serves from its own process, as a sandbox would, so
        # the senders do not share an interpreter with it
        with served_apart(fault.profile, [fault.name]) as (base_url, credentials):
            return run_suite(report_dir, "--base-url", base_url, "-k", fault.rule, "--maxfail=1",
                             profile=fault.profile, env=credentials)
    return run_suite(report_dir, "--simulator-fault", fault.name, "-k", fault.rule, "--maxfail=1",
                     profile=fault.profile)


@pytest.fixture(scope="module")
def untimed_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every fault whose rule does not measure time, run ahead in a small pool of child sessions."""
    faults = [f for f, _ in MATRIX if f.area != TIMED]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {f.name: pool.submit(_run, f, tmp_path_factory.mktemp(f.name)) for f in faults}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize(("fault", "profile"), MATRIX, ids=[f.name for f, _ in MATRIX])
def test_fault_is_caught_by_its_rule(fault: Fault, profile: str, tmp_path: Path,
                                     request: pytest.FixtureRequest) -> None:
    if fault.area == TIMED:
        status, part = _run(fault, tmp_path)
    else:
        status, part = request.getfixturevalue("untimed_runs")[fault.name]
    result = part.get("rules", {}).get(fault.rule, {})
    assert status == 1 and result.get("outcome") == "failed", (
        f"fault {fault.name} was not caught under {profile}: pytest status {status}, {fault.rule} {result}; {part}")
    assert result["checks"] >= 1 and result["reason"], result  # the rule's own check saw the fault
