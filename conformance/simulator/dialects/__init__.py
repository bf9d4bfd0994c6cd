"""One module per vendor API; each shapes paths, envelopes, errors, auth and rate limits.

A dialect module declares ``PROFILES`` (the profile ids it serves) and
``build(ctx: SimContext) -> Starlette``. One module may serve several profiles
from one app (Absorb: v1.5, its compatibility mode and v1 under one host). Adding a vendor means adding a module
here; nothing else dispatches on the vendor.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache

from starlette.applications import Starlette

from conformance.simulator.context import SimContext

Builder = Callable[[SimContext], Starlette]


@cache
def registry() -> dict[str, Builder]:
    """Profile id -> app builder, from every module in this package."""
    found: dict[str, Builder] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for profile_id in getattr(module, "PROFILES", ()):
            found[profile_id] = module.build
    return found


@cache
def _modules() -> dict[str, tuple[str, ...]]:
    """Profile id -> every profile id its dialect module serves (one portal can serve several APIs)."""
    found: dict[str, tuple[str, ...]] = {}
    for info in pkgutil.iter_modules(__path__):
        served = tuple(getattr(importlib.import_module(f"{__name__}.{info.name}"), "PROFILES", ()))
        found.update({profile_id: served for profile_id in served})
    return found


def siblings(profile_id: str) -> tuple[str, ...]:
    """The profiles one simulator for ``profile_id`` serves (itself first): their credentials are all needed."""
    others = [p for p in _modules().get(profile_id, ()) if p != profile_id]
    return (profile_id, *others)


def builder_for(profile_id: str) -> Builder:
    try:
        return registry()[profile_id]
    except KeyError:
        known = ", ".join(sorted(registry())) or "none"
        raise ValueError(f"no simulator dialect for profile {profile_id!r} (simulated: {known})") from None
