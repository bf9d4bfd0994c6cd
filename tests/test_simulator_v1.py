"""The Absorb v1 side of the portal: served by the same simulator under /api/Rest/v1, PascalCase,
whole collections, and for every GET row the field set Appendix C gives relative to v1.5."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from conformance import schemas
from conformance.profiles import Resource, load
from conformance.simulator import SimulatorServer
from conformance.vendors.absorb.appendix_c import get_rows
from conformance.vendors.absorb.simulator.catalogue import me, source_for
from conformance.vendors.absorb.simulator.shapes import pascal_keys
from tests.test_simulator_absorb import UNKNOWN_ID, Api
from tests.test_simulator_catalogue import parent_values

SIMULATED_PROFILE = "absorb-v1"

V1 = load("absorb-v1")
V15 = load("absorb-v1_5")
BASE = str(V1.raw["simulator_base_path"])
PARAM = re.compile(r"\{(\w+)\}")


class V1Client:
    def __init__(self, server: SimulatorServer) -> None:
        self.base = server.base_url + BASE
        self.creds = server.simulator.credentials
        self.http = requests.Session()

    def body(self, **changes: str) -> dict[str, str]:
        return {"Username": self.creds["LMSCONF_USERNAME"], "Password": self.creds["LMSCONF_PASSWORD"],
                "PrivateKey": self.creds["LMSCONF_API_KEY"], **changes}

    def authenticate(self, body: Any = None) -> requests.Response:
        return self.http.post(f"{self.base}/Authenticate", json=self.body() if body is None else body)

    def login(self) -> str:
        token: str = self.authenticate().json()
        self.http.headers["Authorization"] = token
        return token

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(f"{self.base}{path}", **kwargs)

    def send(self, method: str, path: str, body: Any) -> requests.Response:
        return self.http.request(method, f"{self.base}{path}", json=body)


@pytest.fixture(scope="module")
def v15(api: Api) -> Api:
    return api


def assert_message(response: requests.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert set(response.json()) == {"Message"} and "x-api-version" not in response.headers
    assert schemas.errors("absorb/error.v1.json", response.json()) == []


# -- auth -------------------------------------------------------------------------------------------
def test_the_simulator_for_v1_announces_v1_credentials_first(server: SimulatorServer) -> None:
    assert list(server.simulator.credentials)[:3] == list(V1.credentials)
    assert "LMSCONF_API_KEY" in server.simulator.credentials      # v1.5 is served beside it


def test_authenticate_takes_the_pascal_case_body_without_an_api_key(server: SimulatorServer) -> None:
    client = V1Client(server)
    response = client.authenticate()
    assert response.status_code == 200 and response.text.startswith('"')
    assert schemas.errors("absorb/token.v1.json", response.json()) == []
    lower = {k.lower(): v for k, v in client.body().items()}
    assert client.authenticate(lower).status_code == 200          # model binding ignores case


@pytest.mark.parametrize("body", [None, ["a list"], {"Username": "u", "Password": "p"}])
def test_authenticate_malformed_is_400(server: SimulatorServer, body: Any) -> None:
    client = V1Client(server)
    response = client.http.post(f"{client.base}/Authenticate", data="x") if body is None else client.authenticate(body)
    assert_message(response, 400)


def test_authenticate_wrong_credentials_is_401(server: SimulatorServer) -> None:
    client = V1Client(server)
    assert_message(client.authenticate(client.body(PrivateKey="wrong")), 401)


@pytest.mark.parametrize("value", [None, "nope", "Bearer nope"])
def test_missing_or_unknown_token_is_401(v1: V1Client, value: str | None) -> None:
    headers = {"Authorization": value} if value is not None else {}
    response = requests.get(f"{v1.base}/users", headers=headers)
    assert_message(response, 401)


def test_bare_or_bearer_token_and_no_version_header(v1: V1Client) -> None:
    token = str(v1.http.headers["Authorization"])
    for value in (token, f"Bearer {token}"):
        response = requests.get(f"{v1.base}/Roles", headers={"Authorization": str(value)})
        assert response.status_code == 200 and "x-api-version" not in response.headers


# -- reads: every route and its Appendix C field set ------------------------------------------------
def v1_path(server: SimulatorServer, resource: Resource, template: str) -> str:
    """The template with parents from the data and the last id of the collection."""
    v15_name = resource.counterpart or resource.name
    values = parent_values(server.simulator.store, dataclass_with(resource, v15_name)) if resource.parents else {}
    filled = PARAM.sub(lambda m: values.get(m.group(1), m.group(0)), template)
    if "{id}" in filled:
        source = source_for(v15_name)
        conditions = [f"\"{p}\" = '{v}'" for p, v in values.items()]
        scope = " AND ".join([*conditions, source.condition(me(server.simulator.store)) or "1"])
        key = server.simulator.store.scalar(f'SELECT id FROM "{source.table}" WHERE {scope} ORDER BY id DESC LIMIT 1')
        filled = filled.replace("{id}", str(key))
    return filled


def dataclass_with(resource: Resource, name: str) -> Resource:
    from dataclasses import replace
    return replace(resource, name=name)


def v15_fields(server: SimulatorServer, v15: Api, name: str) -> set[str]:
    resource = V15.resource(name)
    values = parent_values(server.simulator.store, resource) if resource.parents else {}
    path = PARAM.sub(lambda m: values[m.group(1)], resource.path)
    body = v15.get(path, headers={"x-api-version": "1.5.0"}, params={"_limit": 1000}).json()
    rows = body[resource.collection_key] if isinstance(body, dict) and resource.collection_key else body
    return {key.lower() for row in rows for key in row}


def appendix(resource: Resource, template: str) -> tuple[set[str], set[str]]:
    shape = re.sub(r"\{[^}]*\}", "{}", template).lower()
    rows = [r for r in get_rows() if r.row in resource.appendix_c_rows]
    matching = [r for r in rows if re.sub(r"\{[^}]*\}", "{}", r.path).lower() == shape] or rows
    return {f.lower() for r in matching for f in r.added}, {f.lower() for r in matching for f in r.removed}


ROUTES = [(r.name, kind) for r in V1.resources for kind in ("list", "item") if kind == "list" or r.item_path]


@pytest.mark.parametrize(("name", "kind"), ROUTES, ids=[f"{n}-{k}" for n, k in ROUTES])
def test_route_serves_the_appendix_c_field_set(server: SimulatorServer, v1: V1Client, v15: Api, name: str,
                                               kind: str) -> None:
    resource = V1.resource(name)
    template = resource.path if kind == "list" else resource.item_path or ""
    response = v1.get(v1_path(server, resource, template))
    assert response.status_code == 200, response.text
    body = response.json()
    rows = body if kind == "list" else [body]
    assert isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows)
    schema = resource.schema if kind == "list" else resource.item_schema or resource.schema
    for row in rows:
        assert all(key[0].isupper() for key in row), row
        assert schemas.errors(schema, row) == [], (name, row)
    added, removed = appendix(resource, template)
    expected = (v15_fields(server, v15, resource.counterpart or name) - added) | removed
    assert {key.lower() for row in rows for key in row} == expected


def test_every_appendix_c_get_row_of_a_served_resource_is_routed() -> None:
    served = {n for r in V15.resources for n in r.appendix_c_rows}
    routed = {n for r in V1.resources for n in r.appendix_c_rows}
    assert served <= routed
    assert {85, 107, 43, 44, 31, 33, 67, 68, 54, 55, 9, 10, 52, 53, 77, 78, 79, 80, 22, 25, 100, 59, 60, 17, 18,
            83, 84, 56, 81, 82, 63, 62, 37, 13, 14, 75, 76} <= routed


def test_unknown_rows_and_parents_are_404(v1: V1Client) -> None:
    for path in (f"/Users/{UNKNOWN_ID}", "/Users/not-a-guid", f"/courses/{UNKNOWN_ID}/enrollments",
                 f"/Tags/{UNKNOWN_ID}", "/no/such/route"):
        assert_message(v1.get(path), 404)


def test_whole_collections_with_v1_query_parameters(v1: V1Client) -> None:
    everyone = v1.get("/users").json()
    assert len(everyone) == 2500 and [u["Id"] for u in everyone] == sorted(u["Id"] for u in everyone)
    assert v1.get("/users", params={"Offset": 2, "Limit": 5}).json() == everyone
    target = everyone[7]
    found = v1.get("/users", params={"Username": target["Username"].upper()}).json()
    assert [u["Id"] for u in found] == [target["Id"]]
    by_email = v1.get("/users", params={"Email": target["EmailAddress"]}).json()
    assert by_email and {u["EmailAddress"] for u in by_email} == {target["EmailAddress"]}
    curriculum = v1.get("/Curriculums").json()[3]
    assert v1.get("/Curriculums", params={"id": curriculum["Id"]}).json() == [curriculum]
    recent = v1.get("/users", params={"ModifiedSince": "2024-01-01T00:00:00Z"}).json()
    assert 0 < len(recent) < len(everyone)
    assert_message(v1.get("/users", params={"ModifiedSince": "yesterday"}), 400)


def test_same_data_as_v1_5(v1: V1Client, v15: Api) -> None:
    new = v15.get("/users/" + v1.get("/users").json()[11]["Id"]).json()
    old = v1.get(f"/Users/{new['id']}").json()
    assert pascal_keys({k: v for k, v in new.items() if k not in ("dateEdited", "lastLoginDate")}) == old
