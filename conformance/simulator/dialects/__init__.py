"""Which vendor simulator serves a profile, found through ``conformance.vendors``.

A vendor's ``simulator`` module declares ``PROFILES`` (the profile ids it serves, from one app: Absorb
serves v1.5, its compatibility mode and v1 under one host), ``SCHEMA``, ``DATASETS``, ``generate`` and
``build(ctx: SimContext) -> Starlette``. Nothing here names a vendor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from conformance.paths import FIXTURES
from conformance.simulator.context import SimContext
from conformance.simulator.tables import Schema
from conformance.vendors import vendor_serving, vendors

Builder = Callable[[SimContext], Starlette]


@dataclass(frozen=True)
class Dialect:
    """One vendor's simulator: the profiles it serves, its tables, its datasets and its app builder."""

    profiles: tuple[str, ...]
    schema: Schema
    datasets: Sequence[str]
    generate: Callable[[str], Mapping[str, Sequence[Any]]]
    build: Builder
    sources: tuple[Path, ...] = ()   # what its data is made from: the dialect's code and the vendor's fixtures


def simulated() -> list[str]:
    """Every profile id some vendor simulates."""
    found: list[str] = []
    for vendor in vendors():
        module = vendor.module("simulator")
        found += list(getattr(module, "PROFILES", ())) if module is not None else []
    return sorted(found)


def dialect_for(profile_id: str) -> Dialect:
    vendor = vendor_serving(profile_id)
    module = vendor.module("simulator") if vendor is not None else None
    if vendor is None or module is None:
        known = ", ".join(simulated()) or "none"
        raise ValueError(f"no simulator dialect for profile {profile_id!r} (simulated: {known})")
    code = Path(module.__file__ or "").parent
    return Dialect(tuple(module.PROFILES), module.SCHEMA, tuple(module.DATASETS), module.generate, module.build,
                   (code, FIXTURES / vendor.name))


def siblings(profile_id: str) -> tuple[str, ...]:
    """The profiles one simulator for ``profile_id`` serves (itself first): their credentials are all needed."""
    try:
        served = dialect_for(profile_id).profiles
    except ValueError:
        return (profile_id,)
    return (profile_id, *(p for p in served if p != profile_id))
