"""The iHASCO simulator over HTTP: data, tokens, the per-token minute, cursor pages, users by id or e-mail
address, partial updates and their validation, errors, and every fault of its catalogue changing what it
names. Also the generic fixed windows' remaining count."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from conformance import schemas
from conformance.runner import stop
from conformance.simulator import Simulator, SimulatorServer
from conformance.simulator.windows import Throttle, Window
from conformance.vendors import vendors
from conformance.vendors.ihasco import faults as ihasco_faults
from conformance.vendors.ihasco.simulator import DATASETS, PROFILES, SCHEMA, extra_credentials, generate
from tests.support import child_env
from tests.test_simulator_absorb import FakeClock

PROFILE = "ihasco"
JSON_TYPE = "application/json"
UNKNOWN_ID = 999_999_999
UNKNOWN_EMAIL = "nobody.at.all@example.org"
LIMIT = 200
REMAINING = "x-ratelimit-remaining"
MAIN = "main"          # Client.request's default: the main token
DATA = generate("default")
USERS = DATA["users"]
RESULTS = DATA["results"]
USER_IDS = [row[1] for row in USERS]
EMAIL_OF = {row[1]: row[5] for row in USERS}
WITH_RESULTS = sorted({row[1] for row in RESULTS})
EVERY_97TH = [uid for uid in USER_IDS if uid % 97 == 0]


class Client:
    """requests against one iHASCO simulator with its announced tokens; every request first moves the clock
    ``tick`` seconds on, so the minute never runs out unless a test sets ``tick`` to 0."""

    def __init__(self, server: SimulatorServer, tick: float = 1.0) -> None:
        self.server, self.tick = server, tick
        self.simulator = server.simulator
        clock = self.simulator.clock
        assert isinstance(clock, FakeClock)
        self.clock = clock
        self.base = server.base_url
        self.creds = self.simulator.announced_credentials
        self.token = self.creds["LMSCONF_TOKEN"]
        self.http = requests.Session()

    def request(self, method: str, path: str, *, token: str | None = MAIN, headers: dict[str, str] | None = None,
                **kwargs: Any) -> requests.Response:
        self.clock.advance(self.tick)
        sent = {} if token is None else {"Authorization": f"Bearer {self.token if token == MAIN else token}"}
        sent.update(headers or {})
        url = path if path.startswith("http") else self.base + path
        return self.http.request(method, url, headers=sent, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def data(self, path: str, **kwargs: Any) -> Any:
        response = self.get(path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def walk(self, path: str = "/users") -> list[dict[str, Any]]:
        """Every page of a collection, following next_url from the first."""
        pages: list[dict[str, Any]] = []
        url: str | None = self.base + path
        while url is not None:
            assert len(pages) < 500, "the walk does not end"
            pages.append(self.data(url))
            url = pages[-1]["pagination"]["next_url"]
        return pages

    def user(self, identifier: int | str) -> dict[str, Any]:
        body: dict[str, Any] = self.data(f"/users/{identifier}")["data"]
        return body


def start(*faults: str) -> SimulatorServer:
    return SimulatorServer(Simulator(PROFILE, faults=faults, clock=FakeClock())).start()


def reset(server: SimulatorServer) -> None:
    hook = server.simulator.hook("reset-throttles")
    assert hook is not None
    hook()


@pytest.fixture(scope="module")
def ihasco_server() -> Iterator[SimulatorServer]:
    server = start()
    yield server
    server.stop()


@pytest.fixture
def api(ihasco_server: SimulatorServer) -> Client:
    reset(ihasco_server)
    return Client(ihasco_server)


def valid(schema: str, instance: Any) -> None:
    assert schemas.errors(schema, instance) == [], instance


def is_error(response: requests.Response, status: int, schema: str = "ihasco/error.json") -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == JSON_TYPE
    body = response.json()
    valid(schema, body)
    return body


def pointers(response: requests.Response) -> list[str]:
    body = is_error(response, 400, "ihasco/validation-error.json")
    return [error["source"]["pointer"] for error in body["errors"]]


# -- data --------------------------------------------------------------------------------------------
def test_vendor_module_declares_what_a_simulator_needs() -> None:
    assert PROFILES == ("ihasco",) and DATASETS == ("default", "large")
    assert set(SCHEMA.tables) == {"users", "results"} and SCHEMA.audit == ()


def test_datasets_are_deterministic_and_sized() -> None:
    assert generate("default") == DATA
    assert len(USERS) >= 1600 and sorted(set(USER_IDS)) == USER_IDS
    assert any(b - a > 1 for a, b in itertools.pairwise(USER_IDS))      # ids have gaps
    emails = [row[5] for row in USERS]
    assert len({e.lower() for e in emails}) == len(emails) and all(e.isascii() for e in emails)
    names = [row[6] + row[7] for row in USERS]
    assert any("'" in n for n in names) and any(not n.isascii() for n in names)
    for column in (9, 11, 12):                                         # last_login, phone, opt_field1
        assert any(row[column] is None for row in USERS) and any(row[column] for row in USERS)
    per_user = {uid: 0 for uid in USER_IDS}
    for row in RESULTS:
        per_user[row[1]] += 1
    assert set(per_user.values()) == set(range(7))                   # 0 to 6 results each
    assert [row[2] for row in RESULTS] == sorted({row[2] for row in RESULTS})
    assert 19_000 <= len(generate("large")["users"]) <= 21_000
    with pytest.raises(ValueError, match="unknown dataset"):
        generate("huge")


def test_the_second_and_removed_tokens_and_the_account_are_announced(ihasco_server: SimulatorServer) -> None:
    simulator = ihasco_server.simulator
    announced = simulator.announced_credentials
    assert set(announced) == {"LMSCONF_TOKEN", "LMSCONF_SECOND_TOKEN", "LMSCONF_REMOVED_TOKEN", "LMSCONF_ACCOUNT"}
    assert len({announced["LMSCONF_TOKEN"], announced["LMSCONF_SECOND_TOKEN"], announced["LMSCONF_REMOVED_TOKEN"]}) == 3
    assert extra_credentials(simulator.credentials) == simulator.extra_credentials   # derived, deterministically
    assert announced["LMSCONF_ACCOUNT"]


# -- tokens -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token {main}",
                                    "Bearer nope", "Bearer {removed}", "{main}"])
def test_missing_malformed_unknown_or_removed_tokens_are_401(api: Client, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header.format(
        main=api.token, removed=api.creds["LMSCONF_REMOVED_TOKEN"])}
    for path in ("/users", "/users/1", "/nowhere"):
        response = api.get(path, token=None, headers=headers)
        is_error(response, 401)
        assert REMAINING not in response.headers


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_main_and_second_tokens_open_the_account(api: Client, scheme: str) -> None:
    for token in (api.token, api.creds["LMSCONF_SECOND_TOKEN"]):
        assert api.get("/users", token=None, headers={"Authorization": f"{scheme} {token}"}).status_code == 200


# -- the per-token minute ------------------------------------------------------------------------------
def burst(api: Client, count: int, *, token: str | None = MAIN, path: str = "/users/1") -> list[requests.Response]:
    return [api.get(path, token=token) for _ in range(count)]


def remaining(responses: list[requests.Response]) -> list[int]:
    return [int(r.headers[REMAINING]) for r in responses]


def test_the_remaining_count_falls_to_zero_then_429_until_the_minute_resets() -> None:
    with start() as server:
        api = Client(server, tick=0)
        answers = burst(api, LIMIT)
        assert [a.status_code for a in answers] == [200] * LIMIT
        assert remaining(answers) == list(range(LIMIT - 1, -1, -1))
        refused = api.get("/users")
        body = is_error(refused, 429)
        assert body["errors"] and refused.headers[REMAINING] == "0" and refused.headers["retry-after"] == "60"
        api.clock.advance(30.5)
        assert api.get("/users/1").headers["retry-after"] == "30"     # ceil(29.5)
        server.simulator.advance_clock(29.5)
        again = api.get("/users/1")
        assert again.status_code == 200 and again.headers[REMAINING] == str(LIMIT - 1)


def test_every_answer_to_a_live_token_counts_and_401s_count_nothing() -> None:
    with start() as server:
        api = Client(server, tick=0)
        burst(api, 5, token="nope")
        answers = [api.get("/users"), api.get(f"/users/{UNKNOWN_ID}"), api.get("/nowhere"),
                   api.request("DELETE", "/users/1"), api.get("/users", params={"cursor": "x"}),
                   api.patch("/users/1", data="x", headers={"Content-Type": "text/plain"})]
        assert [a.status_code for a in answers] == [200, 404, 404, 405, 400, 415]
        assert remaining(answers) == list(range(LIMIT - 1, LIMIT - 7, -1))


def test_each_token_has_its_own_count() -> None:
    with start() as server:
        api = Client(server, tick=0)
        burst(api, LIMIT)
        assert api.get("/users/1").status_code == 429
        second = api.get("/users/1", token=api.creds["LMSCONF_SECOND_TOKEN"])
        assert second.status_code == 200 and second.headers[REMAINING] == str(LIMIT - 1)


def test_the_reset_hook_forgets_every_count() -> None:
    with start() as server:
        api = Client(server, tick=0)
        burst(api, LIMIT + 1)
        reset(server)
        assert api.get("/users/1").headers[REMAINING] == str(LIMIT - 1)


def test_a_windows_remaining_count() -> None:
    clock = FakeClock()
    throttle = Throttle((Window("Minute", 60, 3), Window("Hour", 3600, 5)), clock)
    assert throttle.remaining("k", "/a") == 3 and throttle.remaining("k", "/a", "Hour") == 5
    for left in (2, 1, 0):
        assert throttle.hit("k", "/a") is None and throttle.remaining("k", "/a") == left
    refusal = throttle.hit("k", "/a")
    assert refusal is not None and refusal.window.period == "Minute" and throttle.remaining("k", "/a") == 0
    assert throttle.remaining("k", "/a", "Hour") == 1 and throttle.remaining("k", "/b") == 3
    clock.advance(60)
    assert throttle.remaining("k", "/a") == 3 and throttle.remaining("k", "/a", "Hour") == 1


# -- pages --------------------------------------------------------------------------------------------
def test_a_walk_sees_every_user_once_in_id_order(api: Client) -> None:
    pages = api.walk()
    ids = [row["user_id"] for page in pages for row in page["data"]]
    assert ids == USER_IDS
    for number, page in enumerate(pages):
        valid("ihasco/page.json", page)
        assert page["dataCount"] == len(page["data"]) and 0 < len(page["data"]) <= 50
        assert (page["pagination"]["prev_url"] is None) == (number == 0)
        for row in page["data"]:
            valid("ihasco/user.json", row)
    assert pages[-1]["pagination"]["next_url"] is None
    assert pages[0]["pagination"]["next_url"] == f"{api.base}/users?cursor={ids[49]}"


def test_prev_url_leads_back_a_page(api: Client) -> None:
    first = api.data("/users")
    second = api.data(first["pagination"]["next_url"])
    third = api.data(second["pagination"]["next_url"])
    assert api.data(third["pagination"]["prev_url"]) == second
    assert api.data(second["pagination"]["prev_url"]) == first


def test_a_cursor_past_the_end_is_an_empty_last_page(api: Client) -> None:
    page = api.data("/users", params={"cursor": USER_IDS[-1]})
    assert page["data"] == [] and page["dataCount"] == 0 and page["pagination"]["next_url"] is None
    assert api.data(page["pagination"]["prev_url"])["data"][-1]["user_id"] == USER_IDS[-1]
    assert api.data("/users", params={"cursor": 10**30})["data"] == []


@pytest.mark.parametrize("cursor", ["-1", "abc", "1.5", "", " 3", "0x10"])
def test_a_cursor_that_is_not_a_non_negative_integer_is_400(api: Client, cursor: str) -> None:
    body = is_error(api.get("/users", params={"cursor": cursor}), 400, "ihasco/validation-error.json")
    assert [e["source"] for e in body["errors"]] == [{"parameter": "cursor"}]
    is_error(api.get(f"/users/{WITH_RESULTS[0]}/results", params={"cursor": cursor}), 400,
             "ihasco/validation-error.json")


def test_a_users_results_page_by_cursor(api: Client) -> None:
    uid = WITH_RESULTS[0]
    expected = [row[2] for row in RESULTS if row[1] == uid]
    pages = api.walk(f"/users/{uid}/results")
    assert len(pages) == 1 and pages[0]["dataCount"] == len(expected)
    rows = pages[0]["data"]
    assert [r["result_id"] for r in rows] == expected
    for row in rows:
        valid("ihasco/result.json", row)
        assert row["links"] == [{"rel": "user", "uri": f"{api.base}/users/{uid}"}]
    assert api.data(f"/users/{EMAIL_OF[uid].upper()}/results")["data"] == rows
    later = api.data(f"/users/{uid}/results", params={"cursor": expected[0]})
    assert [r["result_id"] for r in later["data"]] == expected[1:]
    without = next(u for u in USER_IDS if u not in set(WITH_RESULTS))
    assert api.data(f"/users/{without}/results")["data"] == []
    is_error(api.get(f"/users/{UNKNOWN_ID}/results"), 404)


# -- users by identifier --------------------------------------------------------------------------------
def test_a_user_by_id_or_email_address_in_the_single_envelope(api: Client) -> None:
    uid = USER_IDS[10]
    body = api.data(f"/users/{uid}")
    valid("ihasco/item.json", body)
    valid("ihasco/user.json", body["data"])
    assert body["dataCount"] == 1 and body["data"]["user_id"] == uid
    assert body["data"]["links"] == [{"rel": "self", "uri": f"{api.base}/users/{uid}"},
                                     {"rel": "results", "uri": f"{api.base}/users/{uid}/results"}]
    for spelled in (EMAIL_OF[uid], EMAIL_OF[uid].upper()):
        assert api.data(f"/users/{spelled}") == body


@pytest.mark.parametrize("identifier", [str(UNKNOWN_ID), UNKNOWN_EMAIL, "abc", "0", "12345678901234567890"])
def test_an_unknown_identifier_is_404(api: Client, identifier: str) -> None:
    is_error(api.get(f"/users/{identifier}"), 404)
    is_error(api.patch(f"/users/{identifier}", json={"first_name": "X"}), 404)


def test_unknown_paths_and_methods(api: Client) -> None:
    is_error(api.get("/courses"), 404)
    is_error(api.get("/users/1/results/2"), 404)
    for method, path, allow in (("POST", "/users", "GET, HEAD"), ("DELETE", "/users/1", "GET, HEAD, PATCH"),
                                ("PUT", "/users/1", "GET, HEAD, PATCH"), ("PATCH", "/users", "GET, HEAD")):
        response = api.request(method, path, json={})
        is_error(response, 405)
        assert response.headers["allow"] == allow


# -- PATCH ----------------------------------------------------------------------------------------------
def test_a_json_patch_changes_only_the_fields_sent(api: Client) -> None:
    uid = USER_IDS[20]
    before = api.user(uid)
    response = api.patch(f"/users/{uid}", json={"first_name": "Siobhán", "flag": not before["flag"],
                                                "opt_field6": None})
    assert response.status_code == 200 and response.headers["content-type"] == JSON_TYPE
    body = response.json()
    valid("ihasco/item.json", body)
    expected = {**before, "first_name": "Siobhán", "flag": not before["flag"], "opt_field6": None}
    assert body["data"] == expected and api.user(uid) == expected
    api.patch(f"/users/{uid}", json={k: before[k] for k in ("first_name", "flag", "opt_field6")})


def test_a_form_patch_by_email_address(api: Client) -> None:
    uid = USER_IDS[21]
    before = api.user(uid)
    response = api.patch(f"/users/{EMAIL_OF[uid].upper()}", data={"first_name": "Dónal", "last_name": "O'Neill",
                                                                "active": "0", "flag": "true"})
    assert response.status_code == 200, response.text
    expected = {**before, "first_name": "Dónal", "last_name": "O'Neill", "active": False, "flag": True}
    assert response.json()["data"] == expected and api.user(uid) == expected
    for value, meant in (("1", True), ("false", False), ("TRUE", True)):
        assert api.patch(f"/users/{uid}", data={"active": value}).json()["data"]["active"] is meant


def test_a_patch_undone_leaves_the_store_as_it_was(api: Client) -> None:
    uid = USER_IDS[22]
    before = api.user(uid)
    dump = api.simulator.store.dump()
    changes = {"first_name": "Zoë", "last_name": "D'Arcy", "email": f"changed.{uid}@example.net", "active": False,
               "flag": True, "company": "Elsewhere", "username": "changed", "phone": "0123",
               **{f"opt_field{i}": f"v{i}" for i in range(1, 7)}}
    assert api.patch(f"/users/{uid}", json=changes).status_code == 200
    assert api.simulator.store.dump() != dump
    assert api.patch(f"/users/{uid}", json={k: before[k] for k in changes}).status_code == 200
    assert api.simulator.store.dump() == dump


@pytest.mark.parametrize(("body", "expected"), [
    ({"email": "not-an-address"}, ["/email"]),
    ({"email": "a@b"}, ["/email"]),
    ({"first_name": ""}, ["/first_name"]),
    ({"last_name": "   "}, ["/last_name"]),
    ({"last_name": None}, ["/last_name"]),
    ({"first_name": 5}, ["/first_name"]),
    ({"active": "maybe"}, ["/active"]),
    ({"flag": 7}, ["/flag"]),
    ({"opt_field1": [1]}, ["/opt_field1"]),
    ({"company": None}, ["/company"]),
    ({"shoe_size": 9}, ["/shoe_size"]),
    ({"user_id": 5}, ["/user_id"]),
    ({"created_on": "2020-01-01 00:00:00"}, ["/created_on"]),
    ({"last_login": None}, ["/last_login"]),
    ({"links": []}, ["/links"]),
    ({"a/b": 1}, ["/a~1b"]),
    ({"email": "x", "first_name": "", "flag": "yes", "first_name_": 1, "phone": "1"},
     ["/email", "/first_name", "/flag", "/first_name_"]),
])
def test_each_bad_field_is_one_error_naming_it(api: Client, body: dict[str, Any], expected: list[str]) -> None:
    dump = api.simulator.store.dump()
    assert pointers(api.patch(f"/users/{USER_IDS[5]}", json=body)) == expected
    assert api.simulator.store.dump() == dump


def test_an_address_another_user_has_is_refused(api: Client) -> None:
    other = EMAIL_OF[USER_IDS[1]]
    assert pointers(api.patch(f"/users/{USER_IDS[0]}", json={"email": other.upper()})) == ["/email"]
    own = EMAIL_OF[USER_IDS[0]]
    assert api.patch(f"/users/{USER_IDS[0]}", json={"email": own}).status_code == 200


def test_form_values_are_checked_too(api: Client) -> None:
    assert pointers(api.patch(f"/users/{USER_IDS[5]}", data={"flag": "maybe", "first_name": "", "x": "1"})) == [
        "/flag", "/first_name", "/x"]


@pytest.mark.parametrize("raw", [b"[]", b'"x"', b"3", b"null", b"{nope", b""])
def test_a_body_that_is_not_an_object_is_one_error(api: Client, raw: bytes) -> None:
    response = api.patch(f"/users/{USER_IDS[5]}", data=raw, headers={"Content-Type": JSON_TYPE})
    assert pointers(response) in ([""], ["/"])


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", None, "multipart/form-data"])
def test_another_media_type_is_415(api: Client, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    is_error(api.patch(f"/users/{USER_IDS[5]}", data=b'{"first_name": "X"}', headers=headers), 415)


def test_json_with_a_charset_is_json(api: Client) -> None:
    uid = USER_IDS[6]
    name = api.user(uid)["first_name"]
    response = api.patch(f"/users/{uid}", data=f'{{"first_name": "{name}"}}'.encode(),
                         headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 200


# -- the command ------------------------------------------------------------------------------------------
def test_lmsconf_simulate_announces_every_token_and_the_account() -> None:
    command = [sys.executable, "-m", "conformance.cli", "simulate", "--profile", PROFILE]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=child_env()) as child:
        try:
            assert child.stdout is not None
            lines = [child.stdout.readline().strip() for _ in range(5)]
            settings = dict(line.split("=", 1) for line in lines)
            assert set(settings) == {"LMSCONF_BASE_URL", "LMSCONF_TOKEN", "LMSCONF_SECOND_TOKEN",
                                     "LMSCONF_REMOVED_TOKEN", "LMSCONF_ACCOUNT"}
            users = requests.get(settings["LMSCONF_BASE_URL"] + "/users", timeout=5,
                                 headers={"Authorization": f"Bearer {settings['LMSCONF_SECOND_TOKEN']}"})
            assert users.status_code == 200
        finally:
            stop(child)


# -- faults -----------------------------------------------------------------------------------------------
Check = Callable[[Client], None]


def _check(condition: bool) -> None:
    assert condition


def _exhaust(api: Client, token: str | None = MAIN) -> list[requests.Response]:
    """The limit's worth of requests and one more, all at one instant."""
    api.tick = 0
    return burst(api, LIMIT + 1, token=token)


def _no_header(api: Client, path: str) -> requests.Response:
    return api.get(path, token=None)


def _replaced(api: Client) -> None:
    uid = USER_IDS[30]
    after = api.patch(f"/users/{uid}", json={"first_name": "Only"}).json()["data"]
    assert after["first_name"] == "Only" and after["last_name"] is None and after["email"] is None


def _email_unsupported(api: Client) -> None:
    email = EMAIL_OF[USER_IDS[31]]
    assert api.get(f"/users/{email}").status_code == 404
    assert api.patch(f"/users/{email}", json={"first_name": "X"}).status_code == 404


def _unknown_400(api: Client) -> None:
    for identifier in (UNKNOWN_ID, UNKNOWN_EMAIL):
        is_error(api.get(f"/users/{identifier}"), 400)


def _never_null(api: Client) -> None:
    last = api.data("/users", params={"cursor": USER_IDS[-2]})
    assert len(last["data"]) == 1 and last["pagination"]["next_url"] is not None
    past = api.data(last["pagination"]["next_url"])
    assert past["data"] == [] and past["pagination"]["next_url"] is not None


def _repeated(api: Client) -> None:
    second_url = api.data("/users")["pagination"]["next_url"]
    second = api.data(second_url)
    assert second["pagination"]["next_url"] == second_url
    again = api.data(second_url)
    assert again["data"] == second["data"] and again["pagination"]["next_url"] != second_url
    third = api.data(again["pagination"]["next_url"])
    assert third["data"][0]["user_id"] > second["data"][-1]["user_id"]


def _wrong_type(api: Client) -> None:
    uid = EVERY_97TH[0]
    assert api.user(uid)["user_id"] == str(uid)
    page = api.data("/users", params={"cursor": USER_IDS[USER_IDS.index(uid) - 1]})
    assert page["data"][0]["user_id"] == str(uid) and isinstance(page["data"][1]["user_id"], int)


def _plain(api: Client) -> None:
    for response in (api.get(f"/users/{UNKNOWN_ID}"), api.get("/users", token=None),
                     api.patch("/users/1", json={"email": "x"})):
        assert response.headers["content-type"].startswith("text/plain") and response.text == "error"


def _constant(api: Client) -> None:
    answers = _exhaust(api)
    assert set(remaining(answers[:LIMIT])) == {LIMIT} and answers[-1].status_code == 429


def _unenforced(api: Client) -> None:
    answers = _exhaust(api) + burst(api, 20)
    assert {a.status_code for a in answers} == {200} and answers[-1].headers[REMAINING] == "0"


def _off_by_one(api: Client) -> None:
    answers = _exhaust(api)
    assert answers[LIMIT - 1].headers[REMAINING] == "1" and answers[0].headers[REMAINING] == str(LIMIT)
    assert answers[-1].status_code == 429


def _retry_after_missing(api: Client) -> None:
    refused = _exhaust(api)[-1]
    assert refused.status_code == 429 and "retry-after" not in refused.headers


def _retry_after_short(api: Client) -> None:
    refused = _exhaust(api)[-1]
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"


def _not_reset(api: Client) -> None:
    assert _exhaust(api)[-1].status_code == 429
    api.clock.advance(60)
    served = api.get("/users/1")
    assert served.status_code == 200 and served.headers[REMAINING] == "0"


def _shared(api: Client) -> None:
    _exhaust(api)
    assert api.get("/users/1", token=api.creds["LMSCONF_SECOND_TOKEN"]).status_code == 429


CHECKS: dict[str, Check] = {
    "ihasco-bad-token-accepted": lambda api: _check(_no_header(api, "/users").status_code == 200
                                                    and api.get("/users", token="nope").status_code == 200),
    "removed-token-accepted": lambda api: _check(
        api.get("/users", token=api.creds["LMSCONF_REMOVED_TOKEN"]).status_code == 200),
    "patch-replaces": _replaced,
    "email-lookup-unsupported": _email_unsupported,
    "form-body-refused": lambda api: _check(api.patch(f"/users/{USER_IDS[32]}",
                                                      data={"first_name": "Form"}).status_code == 415),
    "validation-summary-missing": lambda api: _check(
        api.patch(f"/users/{USER_IDS[33]}", json={"email": "x"}).json() == {"errors": []}),
    "unknown-user-400": _unknown_400,
    "next-url-never-null": _never_null,
    "ihasco-page-repeated": _repeated,
    "data-count-wrong": lambda api: _check(api.data("/users")["dataCount"] == 51),
    "ihasco-user-field-wrong-type": _wrong_type,
    "ihasco-error-body-plain": _plain,
    "ihasco-item-unwrapped": lambda api: _check(api.data(f"/users/{USER_IDS[3]}").get("user_id") == USER_IDS[3]),
    "remaining-constant": _constant,
    "ihasco-limit-unenforced": _unenforced,
    "remaining-off-by-one": _off_by_one,
    "ihasco-retry-after-missing": _retry_after_missing,
    "ihasco-retry-after-short": _retry_after_short,
    "remaining-not-reset": _not_reset,
    "tokens-share-count": _shared,
}
RULES = {
    "ihasco-bad-token-accepted": "status.bad-token-is-401", "removed-token-accepted": "auth.removed-token-refused",
    "patch-replaces": "patch.partial-update", "email-lookup-unsupported": "patch.by-email",
    "form-body-refused": "patch.form-encoded", "validation-summary-missing": "patch.invalid-refused-with-summary",
    "unknown-user-400": "status.unknown-id-is-404", "next-url-never-null": "pagination.terminates",
    "ihasco-page-repeated": "pagination.ids-unique", "data-count-wrong": "pagination.returned-items-matches",
    "ihasco-user-field-wrong-type": "envelopes.rows-validate", "ihasco-error-body-plain": "envelopes.error-body",
    "ihasco-item-unwrapped": "envelopes.single-envelope", "remaining-constant": "ratelimit.remaining-decreases",
    "ihasco-limit-unenforced": "ratelimit.windows-enforced", "remaining-off-by-one": "ratelimit.refused-at-zero",
    "ihasco-retry-after-missing": "ratelimit.retry-after-valid",
    "ihasco-retry-after-short": "ratelimit.retry-after-sufficient",
    "remaining-not-reset": "ratelimit.remaining-resets", "tokens-share-count": "ratelimit.per-token",
}


def test_the_catalogue_is_the_documented_one() -> None:
    catalogue = {f.name: f for f in ihasco_faults.FAULTS}
    assert set(catalogue) == set(CHECKS) == set(RULES) and len(ihasco_faults.FAULTS) == 20
    for name, fault in catalogue.items():
        assert fault.profile == PROFILE and fault.rule == RULES[name] and fault.rule.startswith(f"{fault.area}.")
    modules = [v.module("faults") for v in vendors() if v.name != "ihasco"]
    others = {f.name for module in modules if module is not None for f in module.FAULTS}
    assert not set(catalogue) & others, "fault names are global: an iHASCO fault may not reuse another's name"


@pytest.fixture(scope="module")
def fault_servers() -> Iterator[dict[str, SimulatorServer]]:
    """One simulator per fault, all started at once and stopped together."""
    servers = {name: start(name) for name in CHECKS}
    yield servers
    with ThreadPoolExecutor(max_workers=len(servers)) as pool:
        list(pool.map(SimulatorServer.stop, servers.values()))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_fault_changes_what_it_names(name: str, fault_servers: dict[str, SimulatorServer]) -> None:
    CHECKS[name](Client(fault_servers[name]))


def test_the_clean_simulator_fails_every_fault_check() -> None:
    with start() as server:
        for name, check in CHECKS.items():
            reset(server)
            try:
                check(Client(server))
            except (AssertionError, KeyError):
                continue
            pytest.fail(f"the clean simulator shows fault {name}")
