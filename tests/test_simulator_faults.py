"""Each simulator fault bends exactly the behaviour its catalogue entry describes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.simulator import FAULTS
from conformance.simulator.faults import for_rule, resolve
from tests.test_simulator_absorb import UNKNOWN_ID, Api, FakeClock, start

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


CHECKS: dict[str, Check] = {
    "api-key-ignored": api_key_ignored, "token-as-object": token_as_object,
    "bad-token-accepted": bad_token_accepted, "unknown-user-500": unknown_user_500,
    "paging-not-validated": paging_not_validated, "error-body-plain": error_body_plain,
    "user-field-wrong-type": user_field_wrong_type, "pagination-never-empty": pagination_never_empty,
    "offset-as-row-offset": offset_as_row_offset, "returned-items-off": returned_items_off,
    "offset-echo-rows": offset_echo_rows, "sort-descending-ignored": sort_descending_ignored,
    "filter-startswith-anywhere": filter_startswith_anywhere, "no-rate-limit": no_rate_limit,
    "rate-limit-early": rate_limit_early,
}


def test_every_fault_has_a_check() -> None:
    assert set(CHECKS) == set(FAULTS)


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_changes_behaviour(name: str) -> None:
    clock = FakeClock()
    with start(name, clock=clock) as server:
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
    clock = FakeClock()
    with start(clock=clock) as server:
        for check in CHECKS.values():
            with pytest.raises((AssertionError, KeyError, TypeError, ValueError)):
                check(Api(server), clock)
            clock.advance(10)   # refill the bucket between checks
