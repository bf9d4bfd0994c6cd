"""Fidelity to seed 003: one key for x-api-key and privateKey, pagination that 1.5.0 does not lift off the
classic endpoints, wrapper-less pages with backward compatibility on, 422 for invalid body values."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from conformance.profiles import load
from conformance.simulator import Simulator, SimulatorServer
from tests.test_simulator_absorb import Api, assert_error, start

V1_BASE = str(load("absorb-v1").raw["simulator_base_path"])


@pytest.mark.parametrize("profile", ["absorb-v1_5", "absorb-v1_5-compat", "absorb-v1"])
def test_the_simulator_holds_one_key(profile: str) -> None:
    simulator = Simulator(profile)
    try:
        assert "LMSCONF_API_KEY" in simulator.credentials
        assert "LMSCONF_PRIVATE_KEY" not in simulator.credentials
        assert "LMSCONF_PRIVATE_KEY" not in simulator.announced_credentials
        assert "LMSCONF_API_KEY" in simulator.announced_credentials
    finally:
        simulator.close()


def test_the_api_key_sent_as_private_key_authenticates(server: SimulatorServer) -> None:
    key = server.simulator.credentials["LMSCONF_API_KEY"]
    creds = server.simulator.credentials
    v15 = requests.post(f"{server.base_url}/authenticate", headers={"x-api-key": key},
                        json={"username": creds["LMSCONF_USERNAME"], "password": creds["LMSCONF_PASSWORD"],
                              "privateKey": key})
    assert v15.status_code == 200 and isinstance(v15.json(), str)
    v1 = requests.post(f"{server.base_url}{V1_BASE}/Authenticate",
                       json={"Username": creds["LMSCONF_USERNAME"], "Password": creds["LMSCONF_PASSWORD"],
                             "PrivateKey": key})
    assert v1.status_code == 200 and isinstance(v1.json(), str)
    other = requests.post(f"{server.base_url}/authenticate", headers={"x-api-key": key},
                          json={"username": creds["LMSCONF_USERNAME"], "password": creds["LMSCONF_PASSWORD"],
                                "privateKey": key + "x"})
    assert other.status_code == 401


def test_1_5_0_leaves_the_classic_endpoints_paginated(api: Api) -> None:
    body = api.get("/users", headers={"x-api-version": "1.5.0"}).json()
    assert isinstance(body, dict) and body["totalItems"] == 2500 and len(body["users"]) == 20
    courses = api.get("/courses", headers={"x-api-version": "1.5.0"}, params={"_limit": 7}).json()
    assert len(courses["courses"]) == 7


def test_1_5_0_unpaginates_the_versioned_endpoints(api: Api) -> None:
    tags = api.get("/tags", headers={"x-api-version": "1.5.0"}).json()
    assert isinstance(tags, list) and len(tags) > 20


def test_the_page_size_defaults_to_twenty(api: Api) -> None:
    body = api.get("/users").json()
    assert body["limit"] == 20 and len(body["users"]) == 20 and body["offset"] == 0


@pytest.mark.parametrize("change", [{"activeStatus": "x"}, {"departmentId": "not-a-guid"}])
def test_invalid_body_values_are_422(api: Api, change: dict[str, Any]) -> None:
    user = api.users(_limit=1)["users"][0]
    body = {k: v for k, v in user.items() if k not in ("id", "dateAdded", "dateEdited", "lastLoginDate")}
    assert_error(api.http.put(f"{api.base}/users/{user['id']}", json={**body, **change}), 422)


@pytest.fixture(scope="module")
def compat() -> Any:
    server = start(profile="absorb-v1_5-compat")
    client = Api(server)
    client.login()
    yield client
    server.stop()


def test_compat_pages_the_classic_endpoints_without_the_wrapper(compat: Api) -> None:
    first = compat.get("/users", headers={"x-api-version": "1.5.1"})
    assert first.headers["x-api-version"] == "1.5.0"
    rows = first.json()
    assert isinstance(rows, list) and len(rows) == 20
    second = compat.get("/users", params={"_offset": 1, "_limit": 20}).json()
    assert len(second) == 20 and {r["Id"] for r in rows}.isdisjoint({r["Id"] for r in second})
    assert compat.get("/users", params={"_offset": 999, "_limit": 20}).json() == []


def test_compat_serves_the_versioned_endpoints_unpaginated(compat: Api) -> None:
    tags = compat.get("/tags", headers={"x-api-version": "1.5.1"})
    assert tags.headers["x-api-version"] == "1.5.0"
    assert isinstance(tags.json(), list) and len(tags.json()) > 20
