"""Named contract violations the simulator can be told to commit (``--fault NAME``).

Each fault breaks one documented behaviour and names the rule that must catch
it; the mutation matrix runs the suite against the simulator with each fault
switched on and expects exactly that rule to fail. A dialect checks
``"name" in faults``; names are validated here so a typo fails loudly. Each vendor keeps its own
catalogue (``conformance/vendors/<vendor>/faults.py``, ``FAULTS``); this module gathers them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from conformance import vendors


@dataclass(frozen=True)
class Fault:
    name: str
    area: str
    rule: str           # the rule id that must fail when this fault is on
    description: str
    profile: str        # the API whose simulated behaviour it bends (where the matrix runs it)


FAULTS: dict[str, Fault] = {f.name: f for f in vendors.all_faults() if isinstance(f, Fault)}



def resolve(names: Iterable[str]) -> frozenset[str]:
    """The given fault names as a set; ValueError naming the unknown ones and listing the known."""
    chosen = frozenset(names)
    unknown = sorted(chosen - FAULTS.keys())
    if unknown:
        raise ValueError(f"unknown fault(s) {', '.join(unknown)} (known: {', '.join(sorted(FAULTS))})")
    return chosen


def for_rule(rule_id: str) -> list[Fault]:
    """The faults a rule is expected to catch."""
    return [f for f in FAULTS.values() if f.rule == rule_id]
