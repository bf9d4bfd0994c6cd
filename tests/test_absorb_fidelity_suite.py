"""The suite's new Absorb checks against the embedded simulator: they pass on the clean one, each fails on
its fault, and re-authentications are counted in summary.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import run_suite

NEW_RULES = ("auth.single-live-token", "auth.token-lifetime", "auth.bare-token-accepted",
             "auth.authenticate-missing-fields", "pagination.default-limit", "versions.header-on-every-response",
             "versions.invalid-version-refused")


def test_new_rules_pass_and_reauthentications_are_counted(tmp_path: Path) -> None:
    status, part = run_suite(tmp_path, "-k", " or ".join(NEW_RULES), "-m", "not quota")
    outcomes = {rid: part["rules"].get(rid, {}).get("outcome") for rid in NEW_RULES}
    assert status == 0 and set(outcomes.values()) == {"passed"}, (outcomes, part)
    assert part["reauthentications"] >= 1      # the token-lifetime check leaves the client's token expired


@pytest.mark.parametrize(("fault", "rule"), [("token-expires-early", "auth.token-lifetime"),
                                             ("default-limit-100", "pagination.default-limit")])
def test_a_fault_fails_its_rule(tmp_path: Path, fault: str, rule: str) -> None:
    status, part = run_suite(tmp_path, "--simulator-fault", fault, "-k", rule)
    assert status == 1 and part["rules"][rule]["outcome"] == "failed", part


def test_compat_pages_walk_without_the_wrapper(tmp_path: Path) -> None:
    status, part = run_suite(tmp_path, "-k", "pagination.terminates or pagination.default-limit",
                             profile="absorb-v1_5-compat")
    assert status == 0, part
    for rule in ("pagination.terminates", "pagination.ids-unique", "pagination.default-limit"):
        assert part["rules"][rule]["outcome"] == "passed", part
