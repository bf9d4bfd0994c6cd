"""The Absorb v1.5 simulator: data, auth, paging, sorting, filtering, errors, rate limit, versions."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from typing import Any

import pytest
import requests

from conformance.profiles import Profile, load
from conformance.simulator import Simulator, SimulatorServer
from conformance.simulator.store import Store
from conformance.vendors.absorb.simulator import SCHEMA, seed

PROFILE = "absorb-v1_5"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """A requests.Session against one simulator server, holding its sandbox credentials."""

    def __init__(self, server: SimulatorServer) -> None:
        self.base = server.base_url
        self.creds = server.simulator.credentials
        self.http = requests.Session()
        self.http.headers["x-api-key"] = self.creds["LMSCONF_API_KEY"]

    def auth_body(self, **changes: Any) -> dict[str, Any]:
        body = {"username": self.creds["LMSCONF_USERNAME"], "password": self.creds["LMSCONF_PASSWORD"],
                "privateKey": self.creds["LMSCONF_API_KEY"]}
        body.update(changes)
        return {k: v for k, v in body.items() if v is not None}

    def authenticate(self, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("json", self.auth_body())
        return self.http.post(f"{self.base}/authenticate", **kwargs)

    def login(self) -> str:
        token: str = self.authenticate().json()
        self.http.headers["Authorization"] = f"Bearer {token}"
        return token

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(f"{self.base}{path}", **kwargs)

    def users(self, **params: Any) -> dict[str, Any]:
        response = self.get("/users", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def walk(self, **params: Any) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for offset in range(100):
            page = self.users(_offset=offset, _limit=1000, **params)["users"]
            if not page:
                return rows
            rows.extend(page)
        raise AssertionError("the walk did not end")


def start(*faults: str, clock: FakeClock | None = None, profile: str | Profile = PROFILE) -> SimulatorServer:
    kwargs: dict[str, Any] = {"faults": faults} if clock is None else {"faults": faults, "clock": clock}
    return SimulatorServer(Simulator(profile, **kwargs)).start()


@pytest.fixture
def api(server: SimulatorServer) -> Api:
    """Logged in afresh per test: one live token per user, and some tests authenticate again."""
    client = Api(server)
    client.login()
    return client


@pytest.fixture(scope="module")
def everyone(server: SimulatorServer) -> list[dict[str, Any]]:
    client = Api(server)
    client.login()
    return client.walk()


def assert_error(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"validations", "code", "message", "term", "_meta"}
    assert body["code"] == status and isinstance(body["validations"], list) and body["_meta"] == {}
    return body


# -- data -------------------------------------------------------------------------------------------
def test_two_instances_hold_identical_data() -> None:
    first, second = Store(SCHEMA), Store(SCHEMA)
    first.load(seed.generate("default").rows())
    second.load(seed.generate("default").rows())
    assert first.dump() == second.dump()


DUMP_SCRIPT = """
import hashlib
from conformance.vendors.absorb.simulator import SCHEMA, seed
from conformance.simulator.store import Store
store = Store(SCHEMA)
store.load(seed.generate_with(seed.load_names(), seed.DatasetSpec(users=300, enrollments=600)).rows())
print(hashlib.sha256(store.dump().encode()).hexdigest())
"""


def test_generation_is_identical_across_processes() -> None:
    digests = {
        subprocess.run([sys.executable, "-c", DUMP_SCRIPT], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": str(hash_seed)}).stdout.strip()
        for hash_seed in (1, 2)
    }
    store = Store(SCHEMA)
    store.load(seed.generate_with(seed.load_names(), seed.DatasetSpec(users=300, enrollments=600)).rows())
    assert digests == {hashlib.sha256(store.dump().encode()).hexdigest()}


def test_default_dataset_sizes(server: SimulatorServer) -> None:
    store = server.simulator.store
    counts = {t: store.count(t) for t in ("users", "departments", "courses", "enrollments")}
    assert counts == {"users": 2500, "departments": 40, "courses": 300, "enrollments": 20_000}


@pytest.mark.slow
def test_large_dataset_has_sixty_thousand_users() -> None:
    data = seed.generate("large")
    assert len(data.users) >= 60_000
    assert len({row[1] for row in data.users}) == len(data.users)


def test_data_has_ties_and_nulls(everyone: list[dict[str, Any]]) -> None:
    def repeats(field: str) -> int:
        values = [u[field] for u in everyone if u[field] is not None]
        return len(values) - len(set(values))

    assert repeats("lastName") > 1000 and repeats("departmentId") > 2000 and repeats("dateAdded") > 100
    for field in ("middleName", "lastLoginDate", "externalId", "dateTerminated"):
        assert any(u[field] is None for u in everyone) and any(u[field] is not None for u in everyone)
    assert all(len(u["dateAdded"]) == 19 and u["dateAdded"][10] == "T" for u in everyone)


def test_unknown_fault_lists_known_ones() -> None:
    with pytest.raises(ValueError, match="api-key-ignored"):
        Simulator(PROFILE, faults=["no-such-fault"])


# -- auth -------------------------------------------------------------------------------------------
def test_authenticate_answers_a_json_string(server: SimulatorServer) -> None:
    response = Api(server).authenticate()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text.startswith('"') and isinstance(response.json(), str)


@pytest.mark.parametrize("key", [None, "wrong"])
def test_api_key_missing_or_wrong_is_403(server: SimulatorServer, key: str | None) -> None:
    client = Api(server)
    client.http.headers.pop("x-api-key")
    headers = {} if key is None else {"x-api-key": key}
    assert_error(client.authenticate(headers=headers), 403)
    assert_error(client.get("/users", headers=headers), 403)


@pytest.mark.parametrize("body", [
    {"data": "not json"}, {"json": ["a list"]}, {"json": {"username": "u", "password": "p"}},
    {"json": {"username": "", "password": "p", "privateKey": "k"}},
])
def test_authenticate_malformed_body_is_400(server: SimulatorServer, body: dict[str, Any]) -> None:
    assert_error(Api(server).authenticate(**body), 400)


@pytest.mark.parametrize("field", ["username", "password", "privateKey"])
def test_authenticate_wrong_credential_is_401(server: SimulatorServer, field: str) -> None:
    client = Api(server)
    assert_error(client.authenticate(json=client.auth_body(**{field: "wrong"})), 401)


def test_reauthentication_invalidates_the_previous_token(server: SimulatorServer) -> None:
    client = Api(server)
    old = client.login()
    new = client.login()
    assert client.get("/users").status_code == 200
    assert_error(client.get("/users", headers={"Authorization": f"Bearer {old}"}), 401)
    assert client.get("/users", headers={"Authorization": new}).status_code == 200   # bare token


@pytest.mark.parametrize("value", [None, "Bearer nope", "nope", ""])
def test_missing_or_unknown_token_is_401(server: SimulatorServer, value: str | None) -> None:
    client = Api(server)
    headers = {} if value is None else {"Authorization": value}
    assert_error(client.get("/users", headers=headers), 401)


def test_token_expires_after_four_hours() -> None:
    clock = FakeClock()
    with start(clock=clock) as srv:
        client = Api(srv)
        client.login()
        clock.advance(load(PROFILE).auth["token_lifetime_s"] - 1)
        assert client.get("/users").status_code == 200
        clock.advance(1)
        assert_error(client.get("/users"), 401)


# -- paging -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("params", [
    {"_limit": 0}, {"_limit": 1001}, {"_limit": "ten"}, {"_limit": -1}, {"_limit": ""},
    {"_offset": -1}, {"_offset": 65536}, {"_offset": "1.5"},
])
def test_invalid_paging_is_422(api: Api, params: dict[str, Any]) -> None:
    body = assert_error(api.get("/users", params=params), 422)
    assert body["validations"]


def test_wrapper_defaults_and_deprecated_params(api: Api) -> None:
    body = api.users(limit=5, offset=3)
    assert {k: body[k] for k in ("totalItems", "limit", "offset", "returnedItems")} == {
        "totalItems": 2500, "limit": 20, "offset": 0, "returnedItems": 20}
    assert len(body["users"]) == 20
    last = api.users(_offset=65535, _limit=1000)
    assert last["users"] == [] and last["returnedItems"] == 0 and last["offset"] == 65535


def test_walk_covers_everyone_once_and_ends_empty(api: Api, everyone: list[dict[str, Any]]) -> None:
    ids = [u["id"] for u in everyone]
    assert len(ids) == len(set(ids)) == 2500
    assert ids == sorted(ids)                          # default order: id ascending
    page = api.users(_offset=2, _limit=1000)
    assert page["returnedItems"] == 500 and page["totalItems"] == 2500
    assert api.users(_offset=3, _limit=1000)["users"] == []


# -- sorting ----------------------------------------------------------------------------------------
def expected_order(rows: list[dict[str, Any]], field: str, descending: bool) -> list[str]:
    def key(row: dict[str, Any]) -> tuple[int, Any]:
        value = row["customFields"]["decimal1"] if field == "customFields/decimal1" else row[field]
        if value is None:
            return (0, "")
        return (1, value.lower() if isinstance(value, str) else value)

    by_id = sorted(rows, key=lambda r: r["id"])
    return [r["id"] for r in sorted(by_id, key=key, reverse=descending)]


@pytest.mark.parametrize("field", ["lastName", "lastLoginDate", "customFields/decimal1", "departmentId"])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_orders_with_nulls_and_id_tie_break(api: Api, everyone: list[dict[str, Any]], field: str,
                                                 descending: bool) -> None:
    served = api.walk(_sort=("-" if descending else "") + field)
    assert [u["id"] for u in served] == expected_order(everyone, field, descending)


def test_sort_keys_are_case_insensitive_and_combine(api: Api, everyone: list[dict[str, Any]]) -> None:
    served = [u["id"] for u in api.walk(_sort="LASTNAME,-dateadded")]
    by_added = expected_order(everyone, "dateAdded", True)
    rank = {uid: i for i, uid in enumerate(by_added)}
    names = {u["id"]: u["lastName"].lower() for u in everyone}
    assert served == sorted(by_added, key=lambda uid: (names[uid], rank[uid]))


def test_unknown_sort_key_is_422(api: Api) -> None:
    assert_error(api.get("/users", params={"_sort": "shoeSize"}), 422)
    assert_error(api.get("/users", params={"_sort": "lastName,"}), 422)


# -- filtering --------------------------------------------------------------------------------------
def ids(rows: list[dict[str, Any]]) -> set[str]:
    return {r["id"] for r in rows}


def test_filter_seed_example(api: Api, everyone: list[dict[str, Any]]) -> None:
    served = api.walk(_filter="startsWith(lastname, 'Mc') or dateAdded ge datetime'2020-01-01T00:00:00Z'")
    assert ids(served) == ids([u for u in everyone
                               if u["lastName"].startswith("Mc") or u["dateAdded"] >= "2020-01-01T00:00:00"])
    example = "startsWith(lastname, 'a') or dateAdded ge datetime'2020-01-01T00:00:00Z'"
    assert api.users(_filter=example)["totalItems"] == sum(u["dateAdded"] >= "2020" for u in everyone)


def test_filter_substringof_is_case_sensitive(api: Api, everyone: list[dict[str, Any]]) -> None:
    served = api.walk(_filter="substringof('an', firstName)")
    assert ids(served) == ids([u for u in everyone if "an" in u["firstName"]])
    assert api.users(_filter="lastName eq 'smith'")["totalItems"] == sum(u["lastName"] == "smith" for u in everyone)


def test_filter_guid_literal(api: Api, everyone: list[dict[str, Any]]) -> None:
    target = everyone[17]
    body = api.users(_filter=f"id eq guid'{target['id'].upper()}'")
    assert [u["id"] for u in body["users"]] == [target["id"]]
    dept = api.walk(_filter=f"departmentId eq guid'{target['departmentId']}' and activeStatus eq 0")
    assert ids(dept) == ids([u for u in everyone
                             if u["departmentId"] == target["departmentId"] and u["activeStatus"] == 0])


def test_filter_custom_decimal(api: Api, everyone: list[dict[str, Any]]) -> None:
    served = api.walk(_filter="customFields/decimal1 gt 3.5", _sort="-customFields/decimal1")
    expected = [u for u in everyone if (u["customFields"]["decimal1"] or 0) > 3.5]
    assert ids(served) == ids(expected) and served[0]["customFields"]["decimal1"] == 10.0


def test_filter_null_and_not(api: Api, everyone: list[dict[str, Any]]) -> None:
    served = api.walk(_filter="externalId eq null and not (activeStatus eq 1)")
    assert ids(served) == ids([u for u in everyone if u["externalId"] is None and u["activeStatus"] == 0])


@pytest.mark.parametrize("expression", [
    "shoeSize eq 1", "lastName eq", "lastName", "activeStatus eq 'x'", "length(lastName) eq 3",
    "lastName in ('a', 'b')", "substringof('a')",
])
def test_invalid_filter_is_422(api: Api, expression: str) -> None:
    assert_error(api.get("/users", params={"_filter": expression}), 422)


# -- items, routes, versions ------------------------------------------------------------------------
def test_get_user_by_id(api: Api, everyone: list[dict[str, Any]]) -> None:
    response = api.get(f"/users/{everyone[3]['id']}")
    assert response.status_code == 200 and response.json() == everyone[3]


@pytest.mark.parametrize("path", [f"/users/{UNKNOWN_ID}", "/users/not-a-guid", "/no/such/route"])
def test_unknown_is_404(api: Api, path: str) -> None:
    assert_error(api.get(path), 404)


def test_version_header(api: Api) -> None:
    assert api.get("/users").headers["x-api-version"] == "1.5.1"
    assert api.get("/users", headers={"x-api-version": "1.5.0"}).headers["x-api-version"] == "1.5.0"
    assert_error(api.get("/nope"), 404)
    assert api.get("/nope").headers["x-api-version"] == "1.5.1"
    assert_error(api.get("/users", headers={"x-api-version": "2.0"}), 422)


# -- rate limit -------------------------------------------------------------------------------------
def spend(client: Api, count: int) -> list[int]:
    return [client.get("/users/not-a-guid").status_code for _ in range(count)]


def test_rate_limit_allows_the_burst_then_429() -> None:
    clock = FakeClock()
    with start(clock=clock) as srv:
        client = Api(srv)
        client.login()                                   # request 1 of 300
        assert set(spend(client, 299)) == {404}
        limited = client.get("/users")
        assert_error(limited, 429)
        assert int(limited.headers["Retry-After"]) >= 1
        clock.advance(0.5)                               # 100 tokens back at 200/s
        assert set(spend(client, 100)) == {404}
        assert client.get("/users").status_code == 429
