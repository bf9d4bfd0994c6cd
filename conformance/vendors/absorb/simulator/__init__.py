"""Absorb's simulated portal: v1.5 at the root (compatibility mode as its own profile) and v1 under
/api/Rest/v1, over one store seeded from ``fixtures/absorb/``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.vendors.absorb.simulator.portal import PROFILES, build
from conformance.vendors.absorb.simulator.seed import DATASETS
from conformance.vendors.absorb.simulator.seed import generate as _generate
from conformance.vendors.absorb.simulator.tables import SCHEMA

__all__ = ["DATASETS", "PROFILES", "SCHEMA", "build", "generate"]


def generate(dataset: str = "default") -> Mapping[str, Sequence[Any]]:
    """The named dataset's rows per table."""
    return _generate(dataset).rows()
