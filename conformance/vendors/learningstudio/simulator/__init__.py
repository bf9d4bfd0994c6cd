"""The simulated Pearson LearningStudio REST API (seed 001_fcef9f3b80b9eaba.txt), served at the server's root
over one store seeded deterministically.

Modules: ``tables`` (the store's tables), ``seed`` (the campus), ``tokens`` (accounts and OAuth 2 tokens),
``auth`` (the token endpoint and the X-Authorization guard), ``envelopes`` (bodies, XML, the error shape),
``handlers`` (endpoints), ``front`` (server-error switch, ``.xml`` suffix, guard, rate limit) and ``app``
(``build``).

Beside what a vendor simulator exposes (``PROFILES``, ``SCHEMA``, ``DATASETS``, ``generate``, ``build``):
``extra_credentials(credentials)`` names the two students' logins (``LMSCONF_STUDENT_USERNAME`` /
``_PASSWORD``, ``LMSCONF_OTHER_STUDENT_USERNAME`` / ``_PASSWORD``); the app's ``state.hooks["fail"]`` switches
server errors on and off and ``state.hooks["reset-ratelimit"]`` forgets every rate-limit count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.vendors.learningstudio.simulator.app import PROFILES, build
from conformance.vendors.learningstudio.simulator.seed import DATASETS
from conformance.vendors.learningstudio.simulator.seed import generate as _generate
from conformance.vendors.learningstudio.simulator.tables import SCHEMA
from conformance.vendors.learningstudio.simulator.tokens import extra_credentials

__all__ = ["DATASETS", "PROFILES", "SCHEMA", "build", "extra_credentials", "generate"]


def generate(dataset: str = "default") -> Mapping[str, Sequence[Any]]:
    """The named dataset's rows per table."""
    return _generate(dataset)
