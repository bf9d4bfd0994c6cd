"""What a dialect needs to build its app: the profile, the faults, the data, the clock, the credentials."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.profiles import Profile
from conformance.simulator.ratelimit import Clock
from conformance.simulator.store import Store


@dataclass(frozen=True)
class SimContext:
    profile: Profile
    faults: frozenset[str]
    store: Store
    clock: Clock
    credentials: dict[str, str]

    def fault(self, name: str) -> bool:
        return name in self.faults
