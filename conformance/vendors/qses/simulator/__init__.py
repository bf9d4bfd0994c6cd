"""The simulated QS Enrolment Solutions CRMS REST API (seed 002_b0b03e2e2867055f.txt), served under the
profile's ``simulator_base_path`` (/crms/api) over one store seeded deterministically.

Modules: ``tables`` (the store's tables), ``seed`` (datasets), ``tokens`` (accounts, tokens), ``auth`` (the
token endpoint, the authorisation guard), ``envelopes`` (Content-Type, envelopes, error bodies), ``records``
(writes), ``handlers`` (endpoints), ``front`` (path matching, throttling with the generic fixed windows of
``conformance.simulator.windows``, CORS, Accept), ``app`` (``build``) and ``hooks`` (test hooks).

Beside what a vendor simulator exposes (``PROFILES``, ``SCHEMA``, ``DATASETS``, ``generate``, ``build``):
``restricted_credentials(credentials)`` names the second, restricted account (``RESTRICTED_GRANTS``: what it
may call), ``charge(simulator, endpoint, period, count)`` pre-charges a throttle window, and a profile's
``[simulator] token_lifetime_s`` shortens the token lifetime.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.vendors.qses.simulator.app import PROFILES, build
from conformance.vendors.qses.simulator.hooks import charge, reset_throttles
from conformance.vendors.qses.simulator.seed import DATASETS as _DATASETS
from conformance.vendors.qses.simulator.seed import generate as _generate
from conformance.vendors.qses.simulator.tables import SCHEMA
from conformance.vendors.qses.simulator.tokens import RESTRICTED_GRANTS, restricted_credentials

DATASETS = tuple(_DATASETS)

__all__ = ["DATASETS", "PROFILES", "RESTRICTED_GRANTS", "SCHEMA", "build", "charge", "generate",
           "reset_throttles", "restricted_credentials"]


def generate(dataset: str = "default") -> Mapping[str, Sequence[Any]]:
    """The named dataset's rows per table."""
    return _generate(dataset)
