"""The mutation matrix: each simulator fault must be caught by the rule it breaks, and only a real fault.

For every fault in the catalogue whose rule the profile applies, the suite runs
(as plain pytest, selected by the rule id) against the embedded simulator with
that fault switched on; the expected rule must come out failed. The same
selection against the clean simulator passes: that half lives in
test_end_to_end.py, which runs the whole suite once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import profiles
from conformance.rules import REGISTRY
from conformance.simulator.faults import FAULTS, Fault
from tests.support import PROFILE, run_suite

APPLIED = profiles.load(PROFILE).rules
MATRIX = [f for f in FAULTS.values() if f.rule in REGISTRY and f.rule in APPLIED]


def test_every_applied_rule_has_a_fault_that_breaks_it() -> None:
    covered = {f.rule for f in MATRIX}
    assert set(APPLIED) <= covered, f"rules with no fault: {sorted(set(APPLIED) - covered)}"


def test_every_fault_names_a_rule_in_its_own_area() -> None:
    for fault in FAULTS.values():
        assert fault.rule.split(".", 1)[0] == fault.area, fault


@pytest.mark.parametrize("fault", MATRIX, ids=[f.name for f in MATRIX])
def test_fault_is_caught_by_its_rule(fault: Fault, tmp_path: Path) -> None:
    status, part = run_suite(tmp_path, "--simulator-fault", fault.name, "-k", fault.rule, "--maxfail=1")
    outcome = part.get("rules", {}).get(fault.rule, {}).get("outcome")
    assert status == 1 and outcome == "failed", (
        f"fault {fault.name} was not caught: pytest status {status}, {fault.rule} {outcome}; summary {part}")
