"""The rate-limit rules at a real network's round trip: through a proxy that adds 50 ms to every request,
the burst is sized from the measured round trip and still proves the 429; a proxy that hides every 429
makes ratelimit.enforced fail. The simulator serves from this process, the proxy from its own and the
suite from a third, as they would on a real network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.simulator.app import Simulator
from conformance.simulator.server import SimulatorServer
from tests.proxy import spawn
from tests.support import PROFILE, run_suite

pytestmark = pytest.mark.timing  # rates and delays against a bound: run alone (make test)

RATE_RULES = ("ratelimit.enforced", "ratelimit.allows-documented-burst", "ratelimit.retry-after-valid",
              "ratelimit.recovers-after-wait")


@pytest.fixture(scope="module")
def simulated() -> Iterator[tuple[SimulatorServer, dict[str, str]]]:
    simulator = Simulator(PROFILE)
    with SimulatorServer(simulator) as server:
        yield server, dict(simulator.announced_credentials)


def test_burst_through_50_ms_proves_every_rate_limit_rule(
        simulated: tuple[SimulatorServer, dict[str, str]], tmp_path: Path) -> None:
    server, credentials = simulated
    with spawn(server.base_url, "--delay-ms", "50") as base_url:
        status, part = run_suite(tmp_path, "--base-url", base_url, "-m", "quota", "-rs", env=credentials)
    outcomes = {rid: part["rules"][rid]["outcome"] for rid in RATE_RULES}
    assert outcomes == dict.fromkeys(RATE_RULES, "passed"), part
    assert status == 0


def test_hidden_429s_fail_ratelimit_enforced(simulated: tuple[SimulatorServer, dict[str, str]],
                                             tmp_path: Path) -> None:
    server, credentials = simulated
    with spawn(server.base_url, "--delay-ms", "50", "--hide-429") as base_url:
        status, part = run_suite(tmp_path, "--base-url", base_url, "-m", "quota", env=credentials)
    assert part["rules"]["ratelimit.enforced"]["outcome"] == "failed", part
    assert status == 1
