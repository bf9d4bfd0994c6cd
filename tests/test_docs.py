"""The README lists every rule, every fault and every profile the code has."""

from __future__ import annotations

from conformance import profiles
from conformance.paths import ROOT
from conformance.rules import REGISTRY
from conformance.simulator.faults import FAULTS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_names_every_rule_fault_and_profile() -> None:
    missing = [f"`{name}`" for name in [*REGISTRY, *FAULTS, *profiles.available()] if f"`{name}`" not in README]
    assert not missing, f"README.md does not mention {missing}"


def test_readme_shows_the_two_commands() -> None:
    assert "make run" in README and "make test" in README
