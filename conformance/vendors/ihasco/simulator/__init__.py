"""The simulated iHASCO Client REST API (seed 000_c3b83b8f370189ea.txt), served at the server's root over one
store seeded deterministically.

Modules: ``tables`` (the store's tables), ``seed`` (datasets), ``tokens`` (the account's tokens, the guard),
``envelopes`` (Content-Type, page and record envelopes, error bodies), ``writes`` (PATCH binding and
validation), ``handlers`` (endpoints), ``front`` (token guard and the per-token minute over
``conformance.simulator.windows``) and ``app`` (``build``).

Beside what a vendor simulator exposes (``PROFILES``, ``SCHEMA``, ``DATASETS``, ``generate``, ``build``):
``extra_credentials(credentials)`` names the second live token, the removed token and the account's name
(announced as ``LMSCONF_SECOND_TOKEN``, ``LMSCONF_REMOVED_TOKEN``, ``LMSCONF_ACCOUNT``), and the app's
``state.hooks["reset-throttles"]`` forgets every rate-limit count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.vendors.ihasco.simulator.app import PROFILES, build
from conformance.vendors.ihasco.simulator.seed import DATASETS as _DATASETS
from conformance.vendors.ihasco.simulator.seed import generate as _generate
from conformance.vendors.ihasco.simulator.tables import SCHEMA
from conformance.vendors.ihasco.simulator.tokens import extra_credentials

DATASETS = tuple(_DATASETS)

__all__ = ["DATASETS", "PROFILES", "SCHEMA", "build", "extra_credentials", "generate"]


def generate(dataset: str = "default") -> Mapping[str, Sequence[Any]]:
    """The named dataset's rows per table."""
    return _generate(dataset)
