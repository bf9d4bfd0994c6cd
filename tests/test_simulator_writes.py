"""User writes on the Absorb simulator: v1.5 PUT, upload and DELETE; v1's stricter rules; the store's dumps."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.simulator import SimulatorServer
from conformance.simulator.store import Store
from tests.test_simulator_absorb import UNKNOWN_ID, Api, assert_error, start
from tests.test_simulator_v1 import V1Client, assert_message


def put(api: Api, key: str, body: Any) -> Any:
    return api.http.put(f"{api.base}/users/{key}", json=body)


def post(api: Api, path: str, body: Any) -> Any:
    return api.http.post(f"{api.base}{path}", json=body)


def some_user(api: Api, index: int) -> dict[str, Any]:
    user: dict[str, Any] = api.users(_offset=index, _limit=1)["users"][0]
    return user


def editable(user: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in user.items() if k not in ("id", "dateAdded", "dateEdited", "lastLoginDate", "hasUsername")}


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    return [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]


# -- v1.5 PUT ---------------------------------------------------------------------------------------
def test_put_without_email_changes_only_what_it_names(api: Api, server: SimulatorServer) -> None:
    user = some_user(api, 10)
    store: Store = server.simulator.store
    before = store.dump(audit=False)
    body = {**editable(user), "jobTitle": "Chief Tester"}
    body.pop("emailAddress")
    response = put(api, user["id"].upper(), body)
    assert response.status_code == 200, response.text
    served = response.json()
    assert served["jobTitle"] == "Chief Tester" and served["emailAddress"] == user["emailAddress"]
    assert served["dateEdited"] > user["dateEdited"] and len(served["dateEdited"]) == 19
    assert api.get(f"/users/{user['id']}").json() == served
    changes = changed_lines(before, store.dump(audit=False))
    assert len(changes) == 1 and "Chief Tester" in changes[0][1] and user["id"] in changes[0][0]


def test_put_binds_names_without_regard_to_case(api: Api) -> None:
    user = some_user(api, 11)
    body = {"USERNAME": user["username"], "FirstName": "Renamed", "lastname": user["lastName"],
            "departmentID": user["departmentId"], "shoeSize": 44, "password": "secret-1"}
    served = put(api, user["id"], body).json()
    assert served["firstName"] == "Renamed" and "password" not in served and "shoeSize" not in served


@pytest.mark.parametrize("field", ["username", "firstName", "lastName", "departmentId"])
def test_put_without_a_required_field_is_422(api: Api, field: str) -> None:
    user = some_user(api, 12)
    body = editable(user)
    body.pop(field)
    assert_error(put(api, user["id"], body), 422)["validations"]


@pytest.mark.parametrize("change", [{"departmentId": UNKNOWN_ID}, {"activeStatus": "Active"},
                                    {"isAdmin": 1}, {"dateHired": "last week"}, {"roleIds": "admin"}])
def test_put_with_a_bad_value_is_422(api: Api, change: dict[str, Any]) -> None:
    user = some_user(api, 13)
    assert_error(put(api, user["id"], {**editable(user), **change}), 422)


def test_put_refuses_a_username_taken_by_someone_else(api: Api) -> None:
    user, other = some_user(api, 14), some_user(api, 15)
    assert_error(put(api, user["id"], {**editable(user), "username": other["username"].upper()}), 422)


def test_put_to_an_unknown_user_is_404(api: Api) -> None:
    body = editable(some_user(api, 16))
    assert_error(put(api, UNKNOWN_ID, body), 404)
    assert_error(put(api, "not-a-guid", body), 404)
    assert_error(put(api, some_user(api, 16)["id"], ["not", "an", "object"]), 422)


# -- v1.5 upload and delete -------------------------------------------------------------------------
def new_users(api: Api, count: int, label: str, **extra: Any) -> list[dict[str, Any]]:
    department = some_user(api, 0)["departmentId"]
    return [{"username": f"lmsconf-{label}-{n}", "firstName": "Up", "lastName": f"Loaded{n}",
             "departmentId": department, **extra} for n in range(count)]


@pytest.mark.parametrize("path", ["/users/upload", "/users/upload/", "/Users/Upload"])
def test_upload_answers_key_value_pairs(api: Api, path: str) -> None:
    label = "".join(f"{ord(c):x}" for c in path)
    users = new_users(api, 3, label)
    response = post(api, path, users)
    assert response.status_code == 200, response.text
    pairs = response.json()
    assert [p["value"] for p in pairs] == [u["username"] for u in users]
    assert all(set(p) == {"key", "value"} for p in pairs)
    for pair, sent in zip(pairs, users, strict=True):
        stored = api.get(f"/users/{pair['key']}").json()
        assert stored["username"] == sent["username"] and stored["emailAddress"] is None
        assert stored["dateAdded"] == stored["dateEdited"]


def test_upload_of_a_known_username_updates_that_user(api: Api) -> None:
    user = some_user(api, 20)
    pairs = post(api, "/users/upload", [{**editable(user), "jobTitle": "Uploaded Again"}]).json()
    assert pairs == [{"key": user["id"], "value": user["username"]}]
    assert api.get(f"/users/{user['id']}").json()["jobTitle"] == "Uploaded Again"


@pytest.mark.parametrize("count", [0, 201])
def test_upload_outside_one_to_two_hundred_is_422(api: Api, server: SimulatorServer, count: int) -> None:
    before = server.simulator.store.count("users")
    assert_error(post(api, "/users/upload", new_users(api, count, f"limit{count}")), 422)
    assert server.simulator.store.count("users") == before


def test_upload_of_two_hundred_is_accepted(api: Api) -> None:
    assert len(post(api, "/users/upload", new_users(api, 200, "full")).json()) == 200


@pytest.mark.parametrize("body", [{"username": "x"}, [{"username": "no-names"}], ["not an object"]])
def test_upload_refuses_malformed_bodies(api: Api, body: Any) -> None:
    assert_error(post(api, "/users/upload", body), 422)


def test_delete_removes_the_user(api: Api) -> None:
    key = post(api, "/users/upload", new_users(api, 1, "delete")).json()[0]["key"]
    response = api.http.delete(f"{api.base}/users/{key}")
    assert response.status_code == 204 and response.content == b""
    assert_error(api.get(f"/users/{key}"), 404)
    assert_error(api.http.delete(f"{api.base}/users/{key}"), 404)


def test_writes_need_the_api_key_and_token(server: SimulatorServer) -> None:
    anonymous = Api(server)
    assert_error(anonymous.http.delete(f"{anonymous.base}/users/{UNKNOWN_ID}"), 401)
    anonymous.http.headers.pop("x-api-key")
    assert_error(post(anonymous, "/users/upload", []), 403)


# -- v1 ---------------------------------------------------------------------------------------------
def test_v1_put_requires_the_email_address(v1: V1Client, api: Api) -> None:
    user = v1.get("/users").json()[30]
    body = {k: v for k, v in user.items() if k not in ("Id", "DateAdded", "HasUsername")}
    without = {k: v for k, v in body.items() if k != "EmailAddress"}
    assert_message(v1.send("PUT", f"/Users/{user['Id']}", without), 400)
    response = v1.send("PUT", f"/Users/{user['Id']}", {**body, "JobTitle": "Legacy"})
    assert response.status_code == 200 and response.json()["JobTitle"] == "Legacy"
    assert "DateEdited" not in response.json()
    assert_message(v1.send("PUT", f"/Users/{UNKNOWN_ID}", body), 404)


def test_v1_upload_and_create_require_the_email_address(v1: V1Client, api: Api) -> None:
    users = new_users(api, 2, "v1-upload")
    assert_message(v1.send("POST", "/users/upload", users), 400)
    emailed = [{**u, "EmailAddress": f"{u['username']}@example.com"} for u in users]
    pairs = v1.send("POST", "/users/upload", emailed).json()
    assert [set(p) for p in pairs] == [{"Key", "Value"}] * 2
    single = {**new_users(api, 1, "v1-create")[0]}
    assert_message(v1.send("POST", "/users", single), 400)
    created = v1.send("POST", "/users", {**single, "EmailAddress": "create@example.com"})
    assert created.status_code == 200 and created.json()["EmailAddress"] == "create@example.com"
    assert api.get(f"/users/{created.json()['Id']}").json()["username"] == single["username"]


# -- dumps ------------------------------------------------------------------------------------------
def test_same_writes_give_the_same_audit_free_dump() -> None:
    dumps = []
    for _ in range(2):
        with start() as srv:
            client = Api(srv)
            client.login()
            post(client, "/users/upload", new_users(client, 2, "dump"))
            user = some_user(client, 3)
            put(client, user["id"], {**editable(user), "notes": "same"})
            dumps.append(srv.simulator.store.dump(audit=False))
    assert dumps[0] == dumps[1]
    header = next(line for line in dumps[0].splitlines() if line.startswith("# users "))
    assert '"dateEdited"' not in header and '"dateAdded"' not in header
