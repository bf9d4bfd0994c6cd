"""One module per vendor API; each shapes paths, envelopes, errors, auth and rate limits.

A dialect module declares ``PROFILES`` (the profile ids it serves) and
``build(ctx: SimContext) -> Starlette``. Adding a vendor means adding a module
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


def builder_for(profile_id: str) -> Builder:
    try:
        return registry()[profile_id]
    except KeyError:
        known = ", ".join(sorted(registry())) or "none"
        raise ValueError(f"no simulator dialect for profile {profile_id!r} (simulated: {known})") from None
