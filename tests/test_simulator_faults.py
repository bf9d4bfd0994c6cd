"""Each simulator fault bends exactly the behaviour its catalogue entry describes."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

import pytest

from conformance.simulator import FAULTS
from conformance.simulator.faults import ANY_PROFILE, for_rule, resolve
from conformance.simulator.server import SimulatorServer
from tests.test_simulator_absorb import UNKNOWN_ID, Api, FakeClock, start
from tests.test_simulator_v1 import V1Client

Check = Callable[[Api, FakeClock], None]


def api_key_ignored(api: Api, clock: FakeClock) -> None:
    api.http.headers.pop("x-api-key")
    assert api.authenticate().status_code == 200
    api.login()
    assert api.get("/users", headers={"x-api-key": "wrong"}).status_code == 200


def token_as_object(api: Api, clock: FakeClock) -> None:
    body = api.authenticate().json()
    assert isinstance(body, dict) and isinstance(body["token"], str)
    assert api.get("/users", headers={"Authorization": f"Bearer {body['token']}"}).status_code == 200


def bad_token_accepted(api: Api, clock: FakeClock) -> None:
    assert api.get("/users").status_code == 200
    assert api.get("/users", headers={"Authorization": "Bearer nope"}).status_code == 200


def unknown_user_500(api: Api, clock: FakeClock) -> None:
    api.login()
    for path in (f"/users/{UNKNOWN_ID}", "/users/not-a-guid"):
        response = api.get(path)
        assert response.status_code == 500 and response.json()["code"] == 500


def paging_not_validated(api: Api, clock: FakeClock) -> None:
    api.login()
    cases: list[tuple[dict[str, int | str], int, int]] = [
        ({"_limit": 0}, 1, 0), ({"_limit": 5000}, 1000, 0), ({"_limit": "abc"}, 20, 0),
        ({"_offset": -1, "_limit": 5}, 5, 0), ({"_offset": 70000, "_limit": 5}, 5, 65535),
    ]
    for params, limit, offset in cases:
        body = api.users(**params)
        assert (body["limit"], body["offset"]) == (limit, offset)


def error_body_plain(api: Api, clock: FakeClock) -> None:
    api.login()
    for response, status in ((api.get(f"/users/{UNKNOWN_ID}"), 404), (api.get("/users", params={"_limit": 0}), 422),
                             (api.get("/users", headers={"x-api-key": "wrong"}), 403)):
        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/plain") and response.text == "error"


def user_field_wrong_type(api: Api, clock: FakeClock) -> None:
    api.login()
    odd = [u["activeStatus"] for u in api.walk() if not isinstance(u["activeStatus"], int)]
    assert len(odd) == 26 and set(odd) <= {"Active", "Inactive"}   # seq 0, 97, ..., 2425


def pagination_never_empty(api: Api, clock: FakeClock) -> None:
    api.login()
    last = api.users(_offset=2, _limit=1000)["users"]
    assert api.users(_offset=3, _limit=1000)["users"] == last
    assert api.users(_offset=65535, _limit=1000)["users"] == last


def offset_as_row_offset(api: Api, clock: FakeClock) -> None:
    api.login()
    first = [u["id"] for u in api.users(_offset=0, _limit=11)["users"]]
    assert [u["id"] for u in api.users(_offset=1, _limit=10)["users"]] == first[1:]


def returned_items_off(api: Api, clock: FakeClock) -> None:
    api.login()
    body = api.users(_offset=2, _limit=1000)
    assert len(body["users"]) == 500 and body["returnedItems"] == 1000


def offset_echo_rows(api: Api, clock: FakeClock) -> None:
    api.login()
    assert api.users(_offset=2, _limit=10)["offset"] == 20


def sort_descending_ignored(api: Api, clock: FakeClock) -> None:
    api.login()
    assert api.users(_sort="-lastName")["users"] == api.users(_sort="lastName")["users"]


def filter_startswith_anywhere(api: Api, clock: FakeClock) -> None:
    api.login()
    names = {u["lastName"] for u in api.walk(_filter="startswith(lastName, 'son')")}
    assert names and not any(n.startswith("son") for n in names) and "Johnson" in names


def spend(api: Api, count: int) -> list[int]:
    return [api.get("/users/not-a-guid").status_code for _ in range(count)]


def no_rate_limit(api: Api, clock: FakeClock) -> None:
    api.login()
    assert 429 not in spend(api, 400)


def rate_limit_early(api: Api, clock: FakeClock) -> None:
    api.login()
    assert set(spend(api, 99)) == {404}
    assert api.get("/users").status_code == 429


def retry_after_invalid(api: Api, clock: FakeClock) -> None:
    api.login()
    spend(api, 299)
    limited = api.get("/users")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "soon"


def rate_limit_sticky(api: Api, clock: FakeClock) -> None:
    api.login()
    spend(api, 299)
    limited = api.get("/users")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    clock.advance(1.0)                                     # the bucket holds 200 again
    assert api.get("/users/not-a-guid").status_code == 429
    clock.advance(30.0)
    assert api.get("/users/not-a-guid").status_code == 404


def courses_pagination_never_empty(api: Api, clock: FakeClock) -> None:
    api.login()
    last = api.get("/courses", params={"_offset": 0, "_limit": 1000}).json()["courses"]
    assert api.get("/courses", params={"_offset": 1, "_limit": 1000}).json()["courses"] == last
    assert api.users(_offset=3, _limit=1000)["users"] == []


def v1_5_without_dateedited(api: Api, clock: FakeClock) -> None:
    api.login()
    for path, key in (("/users", "users"), ("/courses", "courses")):
        rows = api.get(path).json()[key]
        assert rows and not any("dateEdited" in row for row in rows)


def v1_5_keeps_moduleid(api: Api, clock: FakeClock) -> None:
    api.login()
    rows = api.get("/resources").json()
    assert all("moduleId" in row for row in rows)
    assert api.get(f"/resources/{rows[0]['id']}").json()["moduleId"] == rows[0]["moduleId"]


def identical_row_differs(api: Api, clock: FakeClock) -> None:
    api.login()
    tags = api.get("/tags").json()
    assert all(row["color"].startswith("#") for row in tags)
    assert "color" not in api.get("/roles").json()["roles"][0]


def v1_5_1_without_wrapper(api: Api, clock: FakeClock) -> None:
    api.login()
    body = api.get("/tags", headers={"x-api-version": "1.5.1"}, params={"_limit": 7}).json()
    assert isinstance(body, list) and len(body) == 7
    assert "totalItems" in api.get("/users", headers={"x-api-version": "1.5.1"}).json()


def version_header_missing(api: Api, clock: FakeClock) -> None:
    api.login()
    for path in ("/users", "/tags", "/users/not-a-guid", "/nope"):
        assert "x-api-version" not in api.get(path, headers={"x-api-version": "1.5.1"}).headers


def version_default_wrong(api: Api, clock: FakeClock) -> None:
    api.login()
    response = api.get("/tags")
    assert response.headers["x-api-version"] == "1.5.1" and response.json()["totalItems"] > 20
    assert api.get("/users").headers["x-api-version"] == "1.5.1"


def compat_serves_1_5_1(api: Api, clock: FakeClock) -> None:
    api.login()
    response = api.get("/tags", headers={"x-api-version": "1.5.1"})
    assert response.headers["x-api-version"] == "1.5.1" and response.json()["TotalItems"] > 20
    assert api.get("/tags").headers["x-api-version"] == "1.5.0"


def _user(api: Api) -> dict[str, Any]:
    user: dict[str, Any] = api.users(_limit=1)["users"][0]
    return user


def put_requires_email(api: Api, clock: FakeClock) -> None:
    api.login()
    user = _user(api)
    body = {k: v for k, v in user.items() if k != "emailAddress"}
    assert api.http.put(f"{api.base}/users/{user['id']}", json=body).status_code == 422
    assert api.http.put(f"{api.base}/users/{user['id']}", json=user).status_code == 200


def upload_requires_email(api: Api, clock: FakeClock) -> None:
    api.login()
    assert _upload(api, 1, "no-email").status_code == 422
    user = _user(api)
    body = {k: v for k, v in user.items() if k != "emailAddress"}
    assert api.http.put(f"{api.base}/users/{user['id']}", json=body).status_code == 200  # PUT is unaffected


def _upload(api: Api, count: int, label: str) -> Any:
    department = _user(api)["departmentId"]
    users = [{"username": f"{label}-{n}", "firstName": "F", "lastName": "L", "departmentId": department}
             for n in range(count)]
    return api.http.post(f"{api.base}/users/upload", json=users)


def upload_limit_unenforced(api: Api, clock: FakeClock) -> None:
    api.login()
    response = _upload(api, 201, "many")
    assert response.status_code == 200 and len(response.json()) == 201


def upload_wrong_answer(api: Api, clock: FakeClock) -> None:
    api.login()
    answer = _upload(api, 2, "answer").json()
    assert [row["username"] for row in answer] == ["answer-0", "answer-1"] and "key" not in answer[0]


def default_limit_100(api: Api, clock: FakeClock) -> None:
    api.login()
    body = api.users()
    assert body["limit"] == 100 and len(body["users"]) == 100
    assert len(api.users(_limit=20)["users"]) == 20


def tokens_not_replaced(api: Api, clock: FakeClock) -> None:
    old = api.login()
    api.login()
    assert api.get("/users", headers={"Authorization": f"Bearer {old}"}).status_code == 200


def token_expires_early(api: Api, clock: FakeClock) -> None:
    api.login()
    clock.advance(3600)
    assert api.get("/users").status_code == 401


def bare_token_refused(api: Api, clock: FakeClock) -> None:
    token = api.login()
    assert api.get("/users").status_code == 200
    assert api.get("/users", headers={"Authorization": token}).status_code == 401


def missing_auth_fields_401(api: Api, clock: FakeClock) -> None:
    assert api.authenticate(json=api.auth_body(password=None)).status_code == 401
    assert api.authenticate(json=api.auth_body(username="")).status_code == 401


def version_header_missing_on_errors(api: Api, clock: FakeClock) -> None:
    api.login()
    missing = api.get("/users/not-a-guid")
    assert missing.status_code == 404 and "x-api-version" not in missing.headers
    assert "x-api-version" not in api.get("/users", headers={"Authorization": "Bearer nope"}).headers
    assert "x-api-version" in api.get("/users").headers


def invalid_version_served(api: Api, clock: FakeClock) -> None:
    api.login()
    response = api.get("/tags", headers={"x-api-version": "9.9.9"})
    assert response.status_code == 200 and isinstance(response.json(), list)


# -- the v1 API (absorb-v1) -------------------------------------------------------------------------
def v1_client(api: Api) -> V1Client:
    return V1Client(cast(SimulatorServer, SimpleNamespace(base_url=api.base,
                                                          simulator=SimpleNamespace(credentials=api.creds))))


def v1_token_as_object(api: Api, clock: FakeClock) -> None:
    body = v1_client(api).authenticate().json()
    assert isinstance(body, dict) and isinstance(body["Token"], str)


def v1_bad_token_accepted(api: Api, clock: FakeClock) -> None:
    v1 = v1_client(api)
    assert v1.get("/users").status_code == 200
    assert v1.get("/users", headers={"Authorization": "nope"}).status_code == 200


def v1_unknown_user_500(api: Api, clock: FakeClock) -> None:
    v1 = v1_client(api)
    v1.login()
    assert v1.get(f"/Users/{UNKNOWN_ID}").status_code == 500
    assert v1.get("/Users/not-a-guid").status_code == 500


def v1_user_field_wrong_type(api: Api, clock: FakeClock) -> None:
    v1 = v1_client(api)
    v1.login()
    odd = [u["ActiveStatus"] for u in v1.get("/users").json() if not isinstance(u["ActiveStatus"], int)]
    assert len(odd) == 26 and set(odd) <= {"Active", "Inactive"}


# -- backward compatibility on (absorb-v1_5-compat): bare pages, PascalCase ------------------------
def compat_rows(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/users", params=params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def compat_paging_not_validated(api: Api, clock: FakeClock) -> None:
    api.login()
    assert len(compat_rows(api, _limit=5000)) == 1000 and len(compat_rows(api, _limit=0)) == 1


def compat_user_field_wrong_type(api: Api, clock: FakeClock) -> None:
    api.login()
    rows = [row for offset in range(3) for row in compat_rows(api, _offset=offset, _limit=1000)]
    odd = [u["ActiveStatus"] for u in rows if not isinstance(u["ActiveStatus"], int)]
    assert len(odd) == 26 and set(odd) <= {"Active", "Inactive"}


def compat_pagination_never_empty(api: Api, clock: FakeClock) -> None:
    api.login()
    assert compat_rows(api, _offset=3, _limit=1000) == compat_rows(api, _offset=2, _limit=1000) != []


def compat_offset_as_row_offset(api: Api, clock: FakeClock) -> None:
    api.login()
    first = [u["Id"] for u in compat_rows(api, _offset=0, _limit=11)]
    assert [u["Id"] for u in compat_rows(api, _offset=1, _limit=10)] == first[1:]


def compat_default_limit_100(api: Api, clock: FakeClock) -> None:
    api.login()
    assert len(compat_rows(api)) == 100


CHECKS: dict[str, Check] = {
    "api-key-ignored": api_key_ignored, "token-as-object": token_as_object,
    "bad-token-accepted": bad_token_accepted, "unknown-user-500": unknown_user_500,
    "paging-not-validated": paging_not_validated, "error-body-plain": error_body_plain,
    "user-field-wrong-type": user_field_wrong_type, "pagination-never-empty": pagination_never_empty,
    "offset-as-row-offset": offset_as_row_offset, "returned-items-off": returned_items_off,
    "offset-echo-rows": offset_echo_rows, "sort-descending-ignored": sort_descending_ignored,
    "filter-startswith-anywhere": filter_startswith_anywhere, "no-rate-limit": no_rate_limit,
    "rate-limit-early": rate_limit_early, "retry-after-invalid": retry_after_invalid,
    "rate-limit-sticky": rate_limit_sticky, "courses-pagination-never-empty": courses_pagination_never_empty,
    "v1_5-without-dateedited": v1_5_without_dateedited, "v1_5-keeps-moduleid": v1_5_keeps_moduleid,
    "identical-row-differs": identical_row_differs, "v1_5_1-without-wrapper": v1_5_1_without_wrapper,
    "version-header-missing": version_header_missing, "version-default-wrong": version_default_wrong,
    "compat-serves-1_5_1": compat_serves_1_5_1, "put-requires-email": put_requires_email,
    "upload-limit-unenforced": upload_limit_unenforced, "upload-wrong-answer": upload_wrong_answer,
    "upload-requires-email": upload_requires_email,
    "default-limit-100": default_limit_100, "tokens-not-replaced": tokens_not_replaced,
    "token-expires-early": token_expires_early, "bare-token-refused": bare_token_refused,
    "missing-auth-fields-401": missing_auth_fields_401,
    "version-header-missing-on-errors": version_header_missing_on_errors,
    "invalid-version-served": invalid_version_served,
    "v1-token-as-object": v1_token_as_object, "v1-bad-token-accepted": v1_bad_token_accepted,
    "v1-unknown-user-500": v1_unknown_user_500, "v1-user-field-wrong-type": v1_user_field_wrong_type,
    "compat-paging-not-validated": compat_paging_not_validated,
    "compat-user-field-wrong-type": compat_user_field_wrong_type,
    "compat-pagination-never-empty": compat_pagination_never_empty,
    "compat-offset-as-row-offset": compat_offset_as_row_offset,
    "compat-default-limit-100": compat_default_limit_100,
}
SAME_CHECK_IN_COMPAT = (   # checks that look only at statuses and headers hold with compatibility on too
    "api-key-ignored", "token-as-object", "bad-token-accepted", "unknown-user-500", "error-body-plain",
    "tokens-not-replaced", "token-expires-early", "bare-token-refused", "missing-auth-fields-401",
    "version-header-missing-on-errors", "invalid-version-served",
)
CHECKS.update({f"compat-{name}": CHECKS[name] for name in SAME_CHECK_IN_COMPAT})


ABSORB = {name for name, fault in FAULTS.items() if fault.profile.startswith("absorb")}  # qses: its own test file


def test_every_fault_has_a_check() -> None:
    assert set(CHECKS) == ABSORB


@pytest.mark.parametrize("name", sorted(ABSORB))
def test_fault_changes_behaviour(name: str) -> None:
    clock = FakeClock()
    with start(name, clock=clock, profile=FAULTS[name].profile) as server:
        CHECKS[name](Api(server), clock)


def test_catalogue_entries_name_an_area_and_rule() -> None:
    for fault in FAULTS.values():
        assert fault.rule.startswith(f"{fault.area}."), fault
        assert fault in for_rule(fault.rule)
    assert resolve(["no-rate-limit"]) == frozenset({"no-rate-limit"})
    with pytest.raises(ValueError, match="unknown fault"):
        resolve(["nope"])


def test_clean_simulator_fails_every_check() -> None:
    """Without the fault each check fails: the checks really observe the fault, not the baseline."""
    for profile in sorted({fault.profile for fault in FAULTS.values()} - {ANY_PROFILE}):
        clock = FakeClock()
        with start(clock=clock, profile=profile) as server:
            for name, check in CHECKS.items():
                if FAULTS[name].profile != profile:
                    continue
                with pytest.raises((AssertionError, KeyError, TypeError, ValueError)):
                    check(Api(server), clock)
                clock.advance(40)   # refill the bucket between checks
