"""The pagination suite on the large dataset: every one of 60,000 users walked at _limit=1000 and validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.simulator import Simulator, SimulatorServer
from conformance.vendors.absorb.simulator.seed import DATASETS
from tests.support import run_suite
from tests.test_simulator_absorb import Api


def test_large_dataset_walk_validates_every_row(tmp_path: Path) -> None:
    status, part = run_suite(tmp_path, "--simulator-dataset", "large", "-k",
                             "test_walk_ends_with_every_row_once and max and users or "
                             "test_every_page_and_row_matches_its_schema and users")
    assert status == 0, part
    rules = part["rules"]
    for rule_id in ("pagination.terminates", "pagination.ids-unique", "envelopes.rows-validate"):
        assert rules[rule_id]["outcome"] == "passed", rule_id
    assert DATASETS["large"].users >= 55_000
    assert part["requests"] >= DATASETS["large"].users // 1000 + 1


@pytest.mark.slow
def test_large_dataset_fills_a_versioned_endpoint_unpaginated() -> None:
    """Appendix D: 1.5.0 on a versioned endpoint returns "up to 55k rows"; /users is not versioned and pages."""
    with SimulatorServer(Simulator("absorb-v1_5", dataset="large")) as server:
        api = Api(server)
        api.login()
        lessons = api.get("/lessons", headers={"x-api-version": "1.5.0"})
        assert lessons.status_code == 200 and len(lessons.json()) == 55_000
        users = api.get("/users", headers={"x-api-version": "1.5.0"}).json()
        assert users["totalItems"] >= 60_000 and len(users["users"]) == 20
