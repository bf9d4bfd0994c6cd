"""The mutation matrix: each simulator fault must be caught by the rule it breaks.

For every fault in the catalogue, the suite runs (as plain pytest, selected by the
rule id) against the embedded simulator with that fault switched on, under the
profile whose API the fault bends; the expected rule must come out failed, from
its own check (summary.json credits a rule only with what its function saw). The
clean half - the same rules passing against the clean simulator - is the full
run in test_end_to_end.py.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from conformance import profiles
from conformance.rules import REGISTRY
from conformance.simulator.faults import ANY_PROFILE, FAULTS, Fault, covered_profiles, profiles_for
from tests.support import run_suite, served_apart

APPLIED = {name: profiles.load(name).rules for name in profiles.available()}


MATRIX = [(f, where) for f in FAULTS.values() for where in profiles_for(f)]


@pytest.mark.parametrize("profile", sorted(APPLIED))
def test_every_applied_rule_has_a_fault_under_that_profile(profile: str) -> None:
    covered = {f.rule for f, _ in MATRIX if profile in covered_profiles(f)}
    missing = sorted(set(APPLIED[profile]) - covered)
    assert not missing, f"rules {profile} applies with no fault under it: {missing}"


def test_every_fault_names_a_registered_rule_its_profile_applies() -> None:
    for fault in FAULTS.values():
        assert fault.rule in REGISTRY, fault
        assert fault.rule.split(".", 1)[0] == fault.area, fault
        if fault.profile == ANY_PROFILE:
            assert profiles_for(fault), f"no profile applies {fault.rule}, the rule of generic fault {fault.name}"
        else:
            assert fault.rule in APPLIED[fault.profile], fault


TIMED = "ratelimit"   # faults whose rules measure time: run alone, never beside another session
WORKERS = 2           # the other faults' sessions run two at a time (each is its own process)
Outcome = tuple[int, dict[str, Any]]
# The fuzz suite under a generic fault: one operation and a small budget (each such fault bends every answer of
# its kind alike, so the first operation that gives one shows it); the link faults need the stateful test.
LINK_FAULTS = ("delete-ignored", "created-unreadable", "put-not-persisted")
# they bend a 404 (an unknown id gives one), or need a malformed id (where the collection takes no query)
ITEM_FAULTS = ("undocumented-status", "undocumented-status-code", "refusals-as-200")


def _fuzz_selection(fault: Fault, profile: str) -> list[str]:
    loaded = profiles.load(profile)
    # a Location (201) is only seen on a create; a version header or a rate-limit count on every answer
    headers_on_links = (fault.name == "documented-header-dropped" and not loaded.section("versions")
                        and not loaded.ratelimit.get("headers"))
    if fault.name in LINK_FAULTS or headers_on_links:
        return ["-k", f"{fault.rule} and linked"]
    first = loaded.resources[0]
    unpaged = not (first.paginated and (loaded.pagination.get("limit_param") or loaded.pagination.get("cursor_param")))
    # integer ids counted from 1 under a paged collection: generated ones name real records, so the item path gives
    # successes too (and is quicker)
    numbered = first.id_kind == "int" and first.paginated and fault.name != "malformed-query-500"
    on_item = fault.name in ITEM_FAULTS or (fault.name == "malformed-query-500" and unpaged) or numbered
    path = (first.item_path or first.path) if on_item else first.path
    return ["-k", f"{fault.rule} and generated", "--fuzz-examples", "1", "--fuzz-path", f"^{re.escape(path)}$"]


def _run(fault: Fault, profile: str, report_dir: Path) -> Outcome:
    if fault.area == TIMED and profiles.load(profile).ratelimit.get("model", "token-bucket") == "token-bucket":
        # a burst must outpace the bucket: the simulator serves from its own process, as a sandbox would, so
        # the senders do not share an interpreter with it
        with served_apart(profile, [fault.name]) as (base_url, credentials):
            return run_suite(report_dir, "--base-url", base_url, "-k", fault.rule, "--maxfail=1",
                             profile=profile, env=credentials)
    selection = _fuzz_selection(fault, profile) if fault.area == "fuzz" else ["-k", fault.rule]
    return run_suite(report_dir, "--simulator-fault", fault.name, *selection, "--maxfail=1", profile=profile)


@pytest.fixture(scope="module")
def untimed_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every fault whose rule does not measure time, run ahead in a small pool of child sessions."""
    runs = [(f, where) for f, where in MATRIX if f.area != TIMED]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {(f.name, where): pool.submit(_run, f, where, tmp_path_factory.mktemp(f.name))
                   for f, where in runs}
        return {key: future.result() for key, future in futures.items()}


def _case(fault: Fault, profile: str) -> Any:
    """One matrix entry; the timed ones carry the ``timing`` mark (make test runs them alone, after the rest)."""
    name = fault.name if fault.profile != ANY_PROFILE else f"{fault.name}-on-{profile}"
    return pytest.param(fault, profile, id=name, marks=[pytest.mark.timing] if fault.area == TIMED else [])


@pytest.mark.parametrize(("fault", "profile"), [_case(f, p) for f, p in MATRIX])
def test_fault_is_caught_by_its_rule(fault: Fault, profile: str, tmp_path: Path,
                                     request: pytest.FixtureRequest) -> None:
    if fault.area == TIMED:
        status, part = _run(fault, profile, tmp_path)
    else:
        status, part = request.getfixturevalue("untimed_runs")[(fault.name, profile)]
    result = part.get("rules", {}).get(fault.rule, {})
    assert status == 1 and result.get("outcome") == "failed", (
        f"fault {fault.name} was not caught under {profile}: pytest status {status}, {fault.rule} {result}; {part}")
    assert result["checks"] >= 1 and result["reason"], result  # the rule's own check saw the fault
