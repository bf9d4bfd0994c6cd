"""The simulated Assignr API v2 (seed 004_3a3088db9d5a175f.txt, VENDOR-FACTS "Assignr"), served over HTTPS
(the profile's ``[media] https_only``: the simulator server adds the plain-HTTP port that redirects) with the
API under ``/api/v2`` and the OAuth token endpoint at ``/oauth/token``.

Modules: ``tables`` (the store's tables), ``seed`` (datasets), ``tokens`` (the token endpoint and the tokens
it issues), ``hal`` (the HAL media type, page envelope, links, error bodies), ``front`` (doubled slashes, the
token guard, the three per-token windows and their headers), ``handlers`` (endpoints) and ``app``
(``build``). The app's ``state.hooks``: ``charge(period, count, token=None)`` and ``reset-throttles``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.vendors.assignr.simulator.app import PROFILES, build
from conformance.vendors.assignr.simulator.seed import DATASETS as _DATASETS
from conformance.vendors.assignr.simulator.seed import generate as _generate
from conformance.vendors.assignr.simulator.tables import SCHEMA

DATASETS = tuple(_DATASETS)

__all__ = ["DATASETS", "PROFILES", "SCHEMA", "build", "generate"]


def generate(dataset: str = "default") -> Mapping[str, Sequence[Any]]:
    """The named dataset's rows per table."""
    return _generate(dataset)
