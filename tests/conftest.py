"""Shared fixtures for the project's own tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.paths import FIXTURES
from conformance.simulator import SimulatorServer


@pytest.fixture
def absorb_user() -> dict[str, Any]:
    """A valid v1.5 user, from the schema's data-driven cases."""
    case = json.loads((FIXTURES / "cases" / "absorb-user" / "valid" / "full-user.json").read_text())
    return dict(case["instance"])


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest) -> Iterator[SimulatorServer]:
    """A clean simulator for the module; a module names another API with SIMULATED_PROFILE."""
    from tests.test_simulator_absorb import start

    srv = start(profile=getattr(request.module, "SIMULATED_PROFILE", "absorb-v1_5"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def api(server: SimulatorServer) -> Any:
    """A logged-in v1.5 client of the module's simulator."""
    from tests.test_simulator_absorb import Api

    client = Api(server)
    client.login()
    return client


@pytest.fixture(scope="module")
def v1(server: SimulatorServer) -> Any:
    """A logged-in v1 client of the module's simulator (v1 is served beside v1.5)."""
    from tests.test_simulator_v1 import V1Client

    client = V1Client(server)
    client.login()
    return client
