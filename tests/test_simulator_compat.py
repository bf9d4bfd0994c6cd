"""Absorb v1.5 with backward compatibility on: PascalCase bodies, and only version 1.5.0 is served."""

from __future__ import annotations

import re

import pytest

from conformance import schemas
from conformance.profiles import load
from conformance.simulator import SimulatorServer
from tests.test_simulator_absorb import Api, assert_error
from tests.test_simulator_catalogue import parent_values

COMPAT = load("absorb-v1_5-compat")
SIMULATED_PROFILE = COMPAT.id
PARAM = re.compile(r"\{(\w+)\}")


def test_profile_is_v1_5_with_compatibility_on() -> None:
    plain = load("absorb-v1_5")
    assert COMPAT.section("simulator")["compat"] is True and COMPAT.section("versions")["compat_only"] == "1.5.0"
    assert [r.name for r in COMPAT.resources] == [r.name for r in plain.resources]
    assert [r.path for r in COMPAT.resources] == [r.path for r in plain.resources]
    assert COMPAT.auth == plain.auth and COMPAT.status == plain.status
    assert {r.split(".")[0] for r in COMPAT.rules} == {"auth", "status", "envelopes", "pagination", "versions", "fuzz"}
    assert not any(r.versioned and r.paginated for r in COMPAT.resources)     # 1.5.0: unpaginated


@pytest.mark.parametrize("version", [None, "1.5.0", "1.5.1"])
def test_every_version_is_served_as_1_5_0(api: Api, version: str | None) -> None:
    headers = {"x-api-version": version} if version else {}
    for path, rows in (("/users", 5), ("/tags", None), ("/courses", 5), ("/resources", None), ("/nope", None)):
        response = api.get(path, headers=headers, params={"_limit": 5})
        assert response.headers["x-api-version"] == "1.5.0", path
        if path != "/nope":     # classic endpoints page without the wrapper; versioned ones are unpaginated
            body = response.json()
            assert isinstance(body, list) and (len(body) == rows if rows else len(body) > 5), path


def test_other_versions_are_still_refused(api: Api) -> None:
    assert_error(api.get("/users", headers={"x-api-version": "2.0"}), 422)
    assert_error(api.get("/users", params={"_limit": 0}), 422)


@pytest.mark.parametrize("name", [r.name for r in COMPAT.resources])
def test_rows_are_pascal_case_v1_5_rows(api: Api, server: SimulatorServer, name: str) -> None:
    resource = COMPAT.resource(name)
    values = parent_values(server.simulator.store, load("absorb-v1_5").resource(name)) if resource.parents else {}
    rows = api.get(PARAM.sub(lambda m: values[m.group(1)], resource.path)).json()
    assert rows
    for row in rows:
        assert schemas.errors(resource.schema, row) == [], (name, row)
        assert all(key[0].isupper() for key in row)
    if resource.item_path:
        one = api.get(resource.item_path.format(id=rows[0]["Id"]))
        assert one.json() == rows[0]


def test_nested_custom_fields_are_pascal_case_too(api: Api) -> None:
    user = api.get("/users").json()[0]
    assert "Decimal1" in user["CustomFields"] and "decimal1" not in user["CustomFields"]


def test_writes_answer_pascal_case(api: Api) -> None:
    user = api.get("/users").json()[4]
    body = {**user, "JobTitle": "Compat Writer"}
    body.pop("EmailAddress")
    response = api.http.put(f"{api.base}/users/{user['Id']}", json=body)
    assert response.status_code == 200 and response.json()["JobTitle"] == "Compat Writer"
    assert response.json()["DateEdited"] > user["DateEdited"]
    upload = api.http.post(f"{api.base}/users/upload", json=[{
        "Username": "compat-upload-1", "FirstName": "Com", "LastName": "Pat", "DepartmentId": user["DepartmentId"]}])
    assert upload.status_code == 200
    assert [set(pair) for pair in upload.json()] == [{"Key", "Value"}]
    assert upload.json()[0]["Value"] == "compat-upload-1"


def test_error_bodies_keep_the_generic_shape(api: Api) -> None:
    assert_error(api.get("/users/not-a-guid"), 404)     # validations, code, message, term, _meta
