"""The Assignr simulator over HTTPS: data, the token endpoint and scopes, HAL pages and records, sites, games
(create, change with optimistic locking, delete), users, availability, venues, statuses, the three per-token
windows and their headers, the charge hook, and every fault of its catalogue changing what it names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from conformance import schemas
from conformance.simulator import Simulator, SimulatorServer
from conformance.vendors.assignr import faults as assignr_faults
from conformance.vendors.assignr.simulator import DATASETS, PROFILES, SCHEMA, generate
from tests.test_simulator_absorb import FakeClock

PROFILE = "assignr"
BASE = "/api/v2"
HAL = "application/vnd.assignr.v2.hal+json"
UNKNOWN_ID = 999_999
DATA = generate("default")
SITES = DATA["sites"]
SUBSCRIBED = [row[0] for row in SITES if row[1]]
LAPSED = next(row[0] for row in SITES if not row[1])
GAMES = DATA["games"]
USERS = DATA["users"]
SITE = SUBSCRIBED[0]
GAME = next(row[0] for row in GAMES if row[1] == SITE)
LAPSED_GAME = next(row[0] for row in GAMES if row[1] == LAPSED)
USER = next(row[0] for row in USERS if row[1] == SITE)
LAPSED_USER = next(row[0] for row in USERS if row[1] == LAPSED)
GAME_BODY = {"home_team": "Lmsconf Home", "away_team": "Lmsconf Away", "start_time": "2026-06-01T15:00:00-04:00",
             "end_time": "2026-06-01T17:00:00-04:00", "age_group": "U12", "gender": "Coed",
             "external_id": "lmsconf-test"}
RATE_HEADERS = ("X-Ratelimit-Limit", "X-Ratelimit-Period", "X-Ratelimit-Remaining", "X-Ratelimit-Reset",
                "X-Ratelimit-Reset-Seconds-Remaining")


class Client:
    """requests against one Assignr simulator over HTTPS with a token of each scope; every request first moves
    the clock ``tick`` seconds on, so the minute never runs out unless a test sets ``tick`` to 0."""

    def __init__(self, server: SimulatorServer, tick: float = 1.0) -> None:
        self.server, self.tick = server, tick
        clock = server.simulator.clock
        assert isinstance(clock, FakeClock)
        self.clock = clock
        self.origin = server.base_url
        self.base = server.base_url + BASE
        self.verify = server.ca_bundle
        self.creds = server.simulator.announced_credentials
        self.http = requests.Session()
        self.token = self.issue()
        self.read_token = self.issue("read")

    def token_call(self, path: str = "/oauth/token", **form: str) -> requests.Response:
        sent = {"client_id": self.creds["LMSCONF_CLIENT_ID"], "client_secret": self.creds["LMSCONF_CLIENT_SECRET"],
                "grant_type": "client_credentials", **form}
        return self.http.post(self.origin + path, data={k: v for k, v in sent.items() if v is not None},
                              verify=self.verify)

    def issue(self, scope: str = "read write") -> str:
        response = self.token_call(scope=scope)
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def request(self, method: str, path: str, *, token: str | None = "main", headers: dict[str, str] | None = None,
                **kwargs: Any) -> requests.Response:
        self.clock.advance(self.tick)
        sent = {"Accept": "application/json"}
        if token is not None:
            sent["Authorization"] = f"Bearer {self.token if token == 'main' else token}"
        sent.update(headers or {})
        url = path if path.startswith("http") else self.base + path
        return self.http.request(method, url, headers=sent, verify=self.verify, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def data(self, path: str, **kwargs: Any) -> Any:
        response = self.get(path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: Any, *, content_type: str = HAL, **kwargs: Any) -> requests.Response:
        raw = body if isinstance(body, bytes) else requests.models.complexjson.dumps(body).encode()
        return self.request("POST", path, data=raw, headers={"Content-Type": content_type}, **kwargs)

    def put(self, path: str, body: Any, *, content_type: str = HAL, **kwargs: Any) -> requests.Response:
        raw = body if isinstance(body, bytes) else requests.models.complexjson.dumps(body).encode()
        return self.request("PUT", path, data=raw, headers={"Content-Type": content_type}, **kwargs)

    def walk(self, path: str, limit: int = 100) -> list[dict[str, Any]]:
        pages: list[dict[str, Any]] = []
        url: str | None = f"{self.base}{path}?limit={limit}"
        while url is not None:
            assert len(pages) < 100, "the walk does not end"
            pages.append(self.data(url))
            url = pages[-1]["_links"].get("next", {}).get("href")
        return pages


def start(*faults: str) -> SimulatorServer:
    return SimulatorServer(Simulator(PROFILE, faults=faults, clock=FakeClock())).start()


@pytest.fixture(scope="module")
def assignr_server() -> Iterator[SimulatorServer]:
    server = start()
    yield server
    server.stop()


@pytest.fixture
def api(assignr_server: SimulatorServer) -> Client:
    hook = assignr_server.simulator.hook("reset-throttles")
    assert hook is not None
    hook()
    return Client(assignr_server)


@pytest.fixture
def faulty(request: pytest.FixtureRequest) -> Iterator[Client]:
    server = start(*request.param)
    yield Client(server)
    server.stop()


def with_faults(*faults: str) -> Any:
    return pytest.mark.parametrize("faulty", [faults], indirect=True, ids=["-".join(faults)])


def valid(schema: str, instance: Any) -> None:
    assert schemas.errors(schema, instance) == [], instance


def is_error(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == HAL
    body: dict[str, Any] = response.json()
    valid("assignr/error.json", body)
    return body


def game_id_of(response: requests.Response) -> int:
    gid: int = response.json()["id"]
    return gid


# -- data --------------------------------------------------------------------------------------------
def test_vendor_module_declares_what_a_simulator_needs() -> None:
    assert PROFILES == ("assignr",) and DATASETS == ("default",)
    assert set(SCHEMA.tables) == {"sites", "venues", "users", "games", "assignments", "availability"}
    assert SCHEMA.audit == ("created", "updated")


def test_datasets_are_deterministic_and_sized() -> None:
    assert generate("default") == DATA
    assert len(SITES) >= 3 and [row[1] for row in SITES] == [1] * len(SUBSCRIBED) + [0]
    assert sum(1 for row in GAMES if row[1] in SUBSCRIBED) == 2000
    assert len(USERS) == 500
    assert all(rows for rows in DATA.values())
    with pytest.raises(ValueError, match="unknown dataset"):
        generate("huge")


def test_two_simulators_hold_the_same_data() -> None:
    one, two = Simulator(PROFILE, clock=FakeClock()), Simulator(PROFILE, clock=FakeClock())
    try:
        assert one.store.dump() == two.store.dump()
    finally:
        one.close()
        two.close()


def test_every_site_has_assignors_and_every_game_an_assignor_of_its_site() -> None:
    assignors = {row[0]: row[1] for row in USERS if row[6]}
    for site in SUBSCRIBED:
        assert sum(1 for s in assignors.values() if s == site) >= 3
    assert all(assignors[row[3]] == row[1] for row in GAMES)


# -- tokens ------------------------------------------------------------------------------------------
def test_the_token_call_answers_the_documented_fields(api: Client) -> None:
    response = api.token_call()
    assert response.status_code == 200
    body = response.json()
    valid("assignr/token.json", body)
    assert body["token_type"] == "Bearer" and body["expires_in"] == 7199 and body["scope"] == "read write"


@pytest.mark.parametrize("scope", ["read", "write", "read write"])
def test_the_token_carries_the_scope_asked(api: Client, scope: str) -> None:
    assert api.token_call(scope=scope).json()["scope"] == scope


def test_the_token_endpoint_is_served_under_the_base_path_too(api: Client) -> None:
    response = api.token_call(BASE + "/oauth/token")
    assert response.status_code == 200
    valid("assignr/token.json", response.json())


def test_a_wrong_client_is_refused_401_invalid_client(api: Client) -> None:
    response = api.token_call(client_secret="wrong")
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert api.token_call(client_id="nobody").status_code == 401


@pytest.mark.parametrize("grant", ["password", "authorization_code", "refresh_token"])
def test_another_grant_is_refused_400(api: Client, grant: str) -> None:
    response = api.token_call(grant_type=grant)
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


def test_an_unknown_scope_is_refused_400(api: Client) -> None:
    assert api.token_call(scope="read admin").status_code == 400


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer not-a-token", "Basic abc"])
def test_a_call_without_a_live_token_is_401(api: Client, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = api.get("/sites", token=None, headers=headers)
    is_error(response, 401)
    assert "X-Ratelimit-Remaining" not in response.headers


def test_a_token_expires_after_its_lifetime(api: Client) -> None:
    token = api.issue()
    assert api.get("/sites", token=token).status_code == 200
    api.clock.advance(7200)
    is_error(api.get("/sites", token=token), 401)


def test_a_read_token_reads_but_may_not_write(api: Client) -> None:
    assert api.get("/sites", token=api.read_token).status_code == 200
    is_error(api.post(f"/sites/{SITE}/games", GAME_BODY, token=api.read_token), 403)
    is_error(api.put(f"/games/{GAME}", {"public_note": "x"}, token=api.read_token), 403)
    is_error(api.request("DELETE", f"/games/{GAME}", token=api.read_token), 403)
    assert api.data(f"/games/{GAME}")["lock_version"] == 0


def test_a_write_token_may_write() -> None:
    server = start()
    try:
        client = Client(server)
        write_only = client.issue("write")
        response = client.post(f"/sites/{SITE}/games", GAME_BODY, token=write_only)
        assert response.status_code == 201
        assert client.request("DELETE", f"/games/{game_id_of(response)}").status_code == 204
    finally:
        server.stop()


# -- HAL ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("accept", ["application/json", HAL, "*/*"])
def test_every_answer_is_hal_whatever_the_client_accepts(api: Client, accept: str) -> None:
    response = api.get("/sites", headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"] == HAL


def test_a_doubled_slash_is_one(api: Client) -> None:
    assert api.data("//sites") == api.data("/sites")
    assert api.get(f"//sites/{SITE}//games").status_code == 200


def test_sites_list_subscribed_first_then_the_lapsed_one(api: Client) -> None:
    body = api.data("/sites")
    valid("assignr/page.json", body)
    sites = body["_embedded"]["sites"]
    assert [s["id"] for s in sites] == [*SUBSCRIBED, LAPSED]
    for site in sites:
        valid("assignr/site.json", site)
        assert site["_links"]["self"]["href"].endswith(f"{BASE}/sites/{site['id']}")
    single = api.data(f"/sites/{SITE}")
    valid("assignr/site.json", single)
    assert single == sites[0]


@pytest.mark.parametrize(("path", "key", "schema"), [
    (f"/sites/{SITE}/games", "games", "assignr/game.json"),
    (f"/sites/{SITE}/users", "users", "assignr/user.json"),
    (f"/users/{USER}/availability", "availability", "assignr/availability.json"),
    (f"/sites/{SITE}/venues", "venues", None),
])
def test_collections_are_hal_pages_of_linked_items(api: Client, path: str, key: str, schema: str | None) -> None:
    body = api.data(path)
    valid("assignr/page.json", body)
    assert list(body["_embedded"]) == [key]
    for item in body["_embedded"][key]:
        if schema is not None:
            valid(schema, item)
        assert set(item["_links"]["self"]) == {"resource-type", "href"}
        self_link = item["_links"]["self"]["href"]
        assert api.data(self_link) == item      # every self link is served, as the item


def test_a_game_embeds_venue_assignor_and_assignments_with_officials(api: Client) -> None:
    game = api.data(f"/games/{GAME}")
    valid("assignr/game.json", game)
    embedded = game["_embedded"]
    assert embedded["venue"]["id"] and embedded["assignor"]["id"]
    assignor = api.data(f"/users/{embedded['assignor']['id']}")
    assert assignor["assignor"] is True
    assert embedded["assignments"]
    for assignment in embedded["assignments"]:
        official = api.data(f"/users/{assignment['_embedded']['official']['id']}")
        assert official["official"] is True
    assert isinstance(game["cancelled"], bool) and isinstance(game["lock_version"], int)


def test_users_have_boolean_flags_and_address_lists(api: Client) -> None:
    user = api.data(f"/users/{USER}")
    valid("assignr/user.json", user)
    for flag in ("official", "assignor", "manager", "active"):
        assert isinstance(user[flag], bool)
    assert user["email_addresses"] and all("@" in e for e in user["email_addresses"])


def test_availability_all_day_is_a_string(api: Client) -> None:
    seen = {entry[3] for entry in DATA["availability"]}
    assert seen == {"true", "false"}
    user = next(row[1] for row in DATA["availability"] if row[3] == "true")
    entries = api.data(f"/users/{user}/availability")["_embedded"]["availability"]
    assert {e["all_day"] for e in entries} <= {"true", "false"}


# -- pages -------------------------------------------------------------------------------------------
def test_a_walk_covers_every_user_once_and_ends(api: Client) -> None:
    pages = api.walk(f"/sites/{SITE}/users", limit=100)
    ids = [u["id"] for page in pages for u in page["_embedded"]["users"]]
    expected = [row[0] for row in USERS if row[1] == SITE]
    assert ids == expected
    assert {p["page"]["records"] for p in pages} == {len(expected)}
    assert [p["page"]["current_page"] for p in pages] == list(range(1, len(pages) + 1))
    last = pages[-1]
    assert last["page"]["next_page"] is None and "next" not in last["_links"]
    assert last["page"]["pages"] == len(pages)
    assert pages[0]["page"]["prev_page"] is None and "prev" not in pages[0]["_links"]
    assert pages[1]["page"]["prev_page"] == 1 and pages[1]["_links"]["prev"]["href"]


def test_the_default_limit_is_50_and_a_larger_limit_is_clamped_to_100(api: Client) -> None:
    assert api.data(f"/sites/{SITE}/games")["page"]["limit"] == 50
    body = api.data(f"/sites/{SITE}/games?limit=500")
    assert body["page"]["limit"] == 100 and len(body["_embedded"]["games"]) == 100


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=x", "limit=0", "limit=abc", "page=1.5"])
def test_a_page_or_limit_out_of_range_is_400(api: Client, query: str) -> None:
    is_error(api.get(f"/sites/{SITE}/games?{query}"), 400)


def test_a_page_past_the_last_is_empty(api: Client) -> None:
    body = api.data(f"/sites/{SITE}/games?page=999&limit=100")
    assert body["_embedded"]["games"] == [] and body["page"]["next_page"] is None


def test_games_are_filtered_by_date(api: Client) -> None:
    day = GAMES[0][6]
    expected = [row[0] for row in GAMES if row[1] == SITE and row[6] == day]
    body = api.data(f"/sites/{SITE}/games", params={"search[start_date]": day, "search[end_date]": day,
                                                   "limit": 100})
    assert [g["id"] for g in body["_embedded"]["games"]] == expected
    assert body["page"]["records"] == len(expected)
    is_error(api.get(f"/sites/{SITE}/games", params={"search[start_date]": "yesterday"}), 400)


# -- statuses ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [f"/sites/{LAPSED}", f"/sites/{LAPSED}/games", f"/sites/{LAPSED}/users",
                                  f"/sites/{LAPSED}/venues", f"/games/{LAPSED_GAME}", f"/users/{LAPSED_USER}",
                                  f"/users/{LAPSED_USER}/availability"])
def test_every_request_under_the_lapsed_site_is_402(api: Client, path: str) -> None:
    is_error(api.get(path), 402)


def test_writes_under_the_lapsed_site_are_402(api: Client) -> None:
    is_error(api.post(f"/sites/{LAPSED}/games", GAME_BODY), 402)
    is_error(api.put(f"/games/{LAPSED_GAME}", {"public_note": "x"}), 402)


@pytest.mark.parametrize("path", [f"/sites/{UNKNOWN_ID}", f"/games/{UNKNOWN_ID}", f"/users/{UNKNOWN_ID}",
                                  f"/sites/{UNKNOWN_ID}/games", "/games/abc", "/nothing", "/sites/1/nothing"])
def test_unknown_ids_and_paths_are_404(api: Client, path: str) -> None:
    is_error(api.get(path), 404)


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("DELETE", "/sites", "GET, HEAD"), ("POST", f"/games/{GAME}", "DELETE, GET, HEAD, PUT"),
    ("PATCH", f"/games/{GAME}", "DELETE, GET, HEAD, PUT"), ("PUT", f"/sites/{SITE}/games", "GET, HEAD, POST"),
])
def test_a_method_a_path_does_not_take_is_405_with_allow(api: Client, method: str, path: str, allow: str) -> None:
    response = api.request(method, path)
    is_error(response, 405)
    assert response.headers["allow"] == allow


# -- writes ------------------------------------------------------------------------------------------
def test_a_created_game_is_served_then_deleted_leaving_the_store_as_it_was(api: Client) -> None:
    store = api.server.simulator.store
    before = store.dump()
    response = api.post(f"/sites/{SITE}/games", GAME_BODY)
    assert response.status_code == 201, response.text
    game = response.json()
    valid("assignr/game.json", game)
    assert response.headers["location"].endswith(f"{BASE}/games/{game['id']}")
    assert game["lock_version"] == 0 and game["external_id"] == "lmsconf-test"
    assert game["localized_date"] == "2026-06-01"
    assert api.data(response.headers["location"]) == game
    deleted = api.request("DELETE", f"/games/{game['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    is_error(api.get(f"/games/{game['id']}"), 404)
    assert store.dump() == before


def test_a_game_body_may_be_wrapped(api: Client) -> None:
    response = api.post(f"/sites/{SITE}/games", {"game": GAME_BODY})
    assert response.status_code == 201
    assert api.request("DELETE", f"/games/{game_id_of(response)}").status_code == 204


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded"])
def test_a_post_without_the_hal_type_is_415(api: Client, content_type: str) -> None:
    is_error(api.post(f"/sites/{SITE}/games", GAME_BODY, content_type=content_type), 415)
    is_error(api.post(f"/sites/{SITE}/users", {"first_name": "A", "last_name": "B"}, content_type=content_type),
             415)


@pytest.mark.parametrize("raw", [b"{", b"", b"not json", b'{"start_time": }'])
def test_a_body_that_is_not_json_is_400(api: Client, raw: bytes) -> None:
    is_error(api.post(f"/sites/{SITE}/games", raw), 400)
    is_error(api.put(f"/games/{GAME}", raw), 400)


@pytest.mark.parametrize("start", [None, "", "2026-06-01", "soon", 5])
def test_a_game_without_a_date_and_time_is_422(api: Client, start: Any) -> None:
    body = {k: v for k, v in GAME_BODY.items() if k != "start_time"}
    if start is not None:
        body["start_time"] = start
    error = is_error(api.post(f"/sites/{SITE}/games", body), 422)
    assert "start_time" in error["error"]["details"]


@pytest.mark.parametrize("missing", ["first_name", "last_name"])
def test_a_user_without_a_first_and_last_name_is_422(api: Client, missing: str) -> None:
    body = {"first_name": "Ada", "last_name": "Lovelace"}
    body[missing] = ""
    error = is_error(api.post(f"/sites/{SITE}/users", body), 422)
    assert missing in error["error"]["details"]


def test_a_user_is_created_201() -> None:
    server = start()
    try:
        client = Client(server)
        response = client.post(f"/sites/{SITE}/users", {"first_name": "Ada", "last_name": "Lovelace",
                                                        "email_addresses": ["ada@example.org"]})
        assert response.status_code == 201, response.text
        user = response.json()
        valid("assignr/user.json", user)
        assert user["official"] is True and user["active"] is True
        assert client.data(response.headers["location"]) == user
    finally:
        server.stop()


def test_put_with_the_current_lock_version_increments_it(api: Client) -> None:
    created = api.post(f"/sites/{SITE}/games", GAME_BODY)
    gid = game_id_of(created)
    try:
        response = api.put(f"/games/{gid}", {"public_note": "changed", "lock_version": 0})
        assert response.status_code == 200, response.text
        valid("assignr/game.json", response.json())
        assert response.json()["lock_version"] == 1 and response.json()["public_note"] == "changed"
        stale = api.put(f"/games/{gid}", {"public_note": "again", "lock_version": 0})
        is_error(stale, 409)
        assert api.data(f"/games/{gid}")["public_note"] == "changed"
        unlocked = api.put(f"/games/{gid}", {"public_note": "no lock"}, content_type="application/json")
        assert unlocked.status_code == 200 and unlocked.json()["lock_version"] == 2
        is_error(api.put(f"/games/{gid}", {"start_time": None}), 422)
        is_error(api.put(f"/games/{gid}", {"lock_version": "one"}), 422)
    finally:
        api.request("DELETE", f"/games/{gid}")


# -- rate limits -------------------------------------------------------------------------------------
def headers_of(response: requests.Response) -> dict[str, int]:
    return {name: int(response.headers[name]) for name in RATE_HEADERS}


def test_every_answer_to_a_live_token_carries_the_five_headers(api: Client) -> None:
    for response in (api.get("/sites"), api.get("/nothing"), api.request("DELETE", "/sites"),
                     api.get(f"/sites/{LAPSED}")):
        assert all(name in response.headers for name in RATE_HEADERS), response.headers


def test_remaining_decreases_and_describes_the_minute_first(api: Client) -> None:
    api.tick = 0
    first, second = headers_of(api.get("/sites")), headers_of(api.get("/sites"))
    assert first["X-Ratelimit-Limit"] == 180 and first["X-Ratelimit-Period"] == 60
    assert first["X-Ratelimit-Remaining"] == 179 and second["X-Ratelimit-Remaining"] == 178
    assert first["X-Ratelimit-Reset-Seconds-Remaining"] == 60


def test_the_minute_refuses_the_181st_request_with_the_headers(api: Client) -> None:
    api.tick = 0
    for _ in range(179):
        api.get("/sites")
    last = api.get("/sites")
    assert last.status_code == 200 and last.headers["X-Ratelimit-Remaining"] == "0"
    refused = api.get("/sites")
    is_error(refused, 429)
    limits = headers_of(refused)
    assert limits["X-Ratelimit-Remaining"] == 0 and limits["X-Ratelimit-Period"] == 60
    assert 1 <= limits["X-Ratelimit-Reset-Seconds-Remaining"] <= 60
    assert "Retry-After" not in refused.headers
    api.clock.advance(60)
    assert api.get("/sites").status_code == 200


def test_the_window_with_fewest_left_is_described(api: Client) -> None:
    charge = api.server.simulator.hook("charge")
    assert charge is not None
    api.tick = 0
    api.get("/sites")
    charge("5 Minutes", 420, api.token)
    described = headers_of(api.get("/sites"))
    assert described["X-Ratelimit-Period"] == 300 and described["X-Ratelimit-Limit"] == 500
    assert described["X-Ratelimit-Remaining"] == 500 - 422
    charge("Hour", 4950, api.token)
    described = headers_of(api.get("/sites"))
    assert described["X-Ratelimit-Period"] == 3600 and described["X-Ratelimit-Remaining"] == 5000 - 4953


def test_a_tie_describes_the_shortest_window(api: Client) -> None:
    charge = api.server.simulator.hook("charge")
    assert charge is not None
    api.tick = 0
    api.get("/sites")
    charge("5 Minutes", 320, api.token)      # 5 minutes: 500 - 321 = 179 left, as the minute after one more
    described = headers_of(api.get("/sites"))
    assert described["X-Ratelimit-Remaining"] == 178 and described["X-Ratelimit-Period"] == 60


def test_the_five_minute_window_refuses_when_charged(api: Client) -> None:
    charge = api.server.simulator.hook("charge")
    assert charge is not None
    api.get("/sites")
    charge("5 Minutes", 500, api.token)
    refused = api.get("/sites")
    is_error(refused, 429)
    limits = headers_of(refused)
    assert limits["X-Ratelimit-Period"] == 300 and limits["X-Ratelimit-Remaining"] == 0
    assert limits["X-Ratelimit-Reset-Seconds-Remaining"] > 60
    api.clock.advance(300)
    assert api.get("/sites").status_code == 200


def test_the_hour_window_refuses_when_charged(api: Client) -> None:
    charge = api.server.simulator.hook("charge")
    assert charge is not None
    api.get("/sites")
    charge("Hour", 5000)                     # every issued token
    refused = api.get("/sites")
    is_error(refused, 429)
    assert headers_of(refused)["X-Ratelimit-Period"] == 3600
    is_error(api.get("/sites", token=api.read_token), 429)


def test_windows_are_per_token(api: Client) -> None:
    charge = api.server.simulator.hook("charge")
    assert charge is not None
    api.get("/sites")
    charge("Minute", 180, api.token)
    is_error(api.get("/sites"), 429)
    assert api.get("/sites", token=api.read_token).status_code == 200


def test_reset_is_epoch_seconds_moving_with_the_clock(api: Client) -> None:
    api.tick = 0
    first = headers_of(api.get("/sites"))
    api.clock.advance(30)
    later = headers_of(api.get("/sites"))
    assert later["X-Ratelimit-Reset"] == first["X-Ratelimit-Reset"]
    assert later["X-Ratelimit-Reset-Seconds-Remaining"] == 30
    api.clock.advance(40)
    renewed = headers_of(api.get("/sites"))
    assert renewed["X-Ratelimit-Reset"] == first["X-Ratelimit-Reset"] + 70
    assert renewed["X-Ratelimit-Reset-Seconds-Remaining"] == 60


# -- HTTPS -------------------------------------------------------------------------------------------
def test_the_api_is_served_over_https_and_http_redirects(api: Client) -> None:
    server = api.server
    assert server.base_url.startswith("https://") and server.http_url is not None
    for method in ("GET", "POST", "DELETE"):
        response = requests.request(method, f"{server.http_url}{BASE}/sites?page=2", allow_redirects=False,
                                    timeout=10)
        assert response.status_code == 302
        assert response.headers["location"] == f"{server.base_url}{BASE}/sites?page=2"


# -- faults ------------------------------------------------------------------------------------------
def test_the_catalogue_names_exactly_these_faults() -> None:
    assert {(f.name, f.area, f.rule) for f in assignr_faults.FAULTS} == {
        ("hal-links-missing", "envelopes", "envelopes.hal-links"),
        ("records-off-by-one", "pagination", "pagination.ids-unique"),
        ("next-page-on-last", "pagination", "pagination.terminates"),
        ("http-not-redirected", "auth", "auth.https-only"),
        ("stale-lock-accepted", "locking", "locking.stale-version-refused"),
        ("lock-not-incremented", "locking", "locking.current-version-accepted"),
        ("validation-as-400", "status", "status.validation-is-422"),
        ("payment-as-403", "status", "status.payment-required-is-402"),
        ("assignr-remaining-constant", "ratelimit", "ratelimit.remaining-decreases"),
        ("reset-seconds-missing", "ratelimit", "ratelimit.reset-consistent"),
        ("wrong-window-described", "ratelimit", "ratelimit.fewest-left-described"),
        ("scope-ignored", "auth", "auth.scope-enforced"),
        ("hal-type-missing", "media", "media.hal-content-type"),
        ("hal-request-not-required", "media", "media.hal-request-required"),
        ("assignr-delete-200", "status", "status.no-content-is-204"),
        ("five-minute-window-unenforced", "ratelimit", "ratelimit.windows-enforced"),
    }
    assert {f.profile for f in assignr_faults.FAULTS} == {"assignr"}


@with_faults("hal-links-missing")
def test_fault_hal_links_missing(faulty: Client, api: Client) -> None:
    for client in (faulty, api):
        page = client.data(f"/sites/{SITE}/games")
        has_links = all("_links" in g for g in page["_embedded"]["games"])
        assert "_links" in page and has_links is (client is api)
        assert ("_links" in client.data(f"/users/{USER}")) is (client is api)


@with_faults("records-off-by-one")
def test_fault_records_off_by_one(faulty: Client, api: Client) -> None:
    expected = sum(1 for row in USERS if row[1] == SITE)
    assert faulty.data(f"/sites/{SITE}/users")["page"]["records"] == expected + 1
    assert api.data(f"/sites/{SITE}/users")["page"]["records"] == expected


@with_faults("next-page-on-last")
def test_fault_next_page_on_last(faulty: Client, api: Client) -> None:
    last = faulty.data("/sites")
    assert last["page"]["next_page"] == 2 and last["_links"]["next"]["href"]
    empty = faulty.data(last["_links"]["next"]["href"])
    assert empty["_embedded"]["sites"] == [] and empty["page"]["next_page"] == 3
    assert api.data("/sites")["page"]["next_page"] is None


@with_faults("http-not-redirected")
def test_fault_http_not_redirected(faulty: Client, api: Client) -> None:
    for client, status in ((faulty, 200), (api, 302)):
        http_url = client.server.http_url
        assert http_url is not None
        response = requests.get(f"{http_url}{BASE}/sites", headers={"Authorization": f"Bearer {client.token}"},
                                allow_redirects=False, timeout=10)
        assert response.status_code == status


@with_faults("stale-lock-accepted")
def test_fault_stale_lock_accepted(faulty: Client, api: Client) -> None:
    for client, status in ((faulty, 200), (api, 409)):
        gid = game_id_of(client.post(f"/sites/{SITE}/games", GAME_BODY))
        assert client.put(f"/games/{gid}", {"public_note": "a", "lock_version": 0}).status_code == 200
        assert client.put(f"/games/{gid}", {"public_note": "b", "lock_version": 0}).status_code == status
        client.request("DELETE", f"/games/{gid}")


@with_faults("lock-not-incremented")
def test_fault_lock_not_incremented(faulty: Client, api: Client) -> None:
    for client, version in ((faulty, 0), (api, 1)):
        gid = game_id_of(client.post(f"/sites/{SITE}/games", GAME_BODY))
        response = client.put(f"/games/{gid}", {"public_note": "a", "lock_version": 0})
        assert response.status_code == 200 and response.json()["lock_version"] == version
        client.request("DELETE", f"/games/{gid}")


@with_faults("validation-as-400")
def test_fault_validation_as_400(faulty: Client, api: Client) -> None:
    for client, status in ((faulty, 400), (api, 422)):
        is_error(client.post(f"/sites/{SITE}/games", {"home_team": "x"}), status)
        is_error(client.post(f"/sites/{SITE}/users", {"first_name": "x"}), status)


@with_faults("payment-as-403")
def test_fault_payment_as_403(faulty: Client, api: Client) -> None:
    is_error(faulty.get(f"/sites/{LAPSED}/games"), 403)
    is_error(api.get(f"/sites/{LAPSED}/games"), 402)


@with_faults("assignr-remaining-constant")
def test_fault_remaining_constant(faulty: Client, api: Client) -> None:
    for client, second in ((faulty, 180), (api, 178)):
        client.tick = 0
        client.get("/sites")
        assert client.get("/sites").headers["X-Ratelimit-Remaining"] == str(second)
    faulty.server.simulator.hook("charge")("Minute", 180, faulty.token)  # type: ignore[misc]
    assert faulty.get("/sites").status_code == 429


@with_faults("reset-seconds-missing")
def test_fault_reset_seconds_missing(faulty: Client, api: Client) -> None:
    assert "X-Ratelimit-Reset-Seconds-Remaining" not in faulty.get("/sites").headers
    assert "X-Ratelimit-Reset" in faulty.get("/sites").headers
    assert "X-Ratelimit-Reset-Seconds-Remaining" in api.get("/sites").headers


@with_faults("wrong-window-described")
def test_fault_wrong_window_described(faulty: Client, api: Client) -> None:
    assert faulty.get("/sites").headers["X-Ratelimit-Period"] == "3600"
    assert api.get("/sites").headers["X-Ratelimit-Period"] == "60"


@with_faults("scope-ignored")
def test_fault_scope_ignored(faulty: Client, api: Client) -> None:
    response = faulty.post(f"/sites/{SITE}/games", GAME_BODY, token=faulty.read_token)
    assert response.status_code == 201
    assert faulty.request("DELETE", f"/games/{game_id_of(response)}", token=faulty.read_token).status_code == 204
    assert api.post(f"/sites/{SITE}/games", GAME_BODY, token=api.read_token).status_code == 403


@with_faults("hal-type-missing")
def test_fault_hal_type_missing(faulty: Client, api: Client) -> None:
    assert faulty.get("/sites").headers["content-type"] == "application/json"
    assert faulty.get("/nothing").headers["content-type"] == "application/json"
    assert api.get("/sites").headers["content-type"] == HAL


@with_faults("hal-request-not-required")
def test_fault_hal_request_not_required(faulty: Client, api: Client) -> None:
    response = faulty.post(f"/sites/{SITE}/games", GAME_BODY, content_type="application/json")
    assert response.status_code == 201
    faulty.request("DELETE", f"/games/{game_id_of(response)}")
    assert api.post(f"/sites/{SITE}/games", GAME_BODY, content_type="application/json").status_code == 415


@with_faults("assignr-delete-200")
def test_fault_delete_200(faulty: Client, api: Client) -> None:
    for client, status in ((faulty, 200), (api, 204)):
        gid = game_id_of(client.post(f"/sites/{SITE}/games", GAME_BODY))
        response = client.request("DELETE", f"/games/{gid}")
        assert response.status_code == status
        if status == 200:
            assert response.json()["id"] == gid
        is_error(client.get(f"/games/{gid}"), 404)


@with_faults("five-minute-window-unenforced")
def test_fault_five_minute_window_unenforced(faulty: Client, api: Client) -> None:
    for client, status in ((faulty, 200), (api, 429)):
        client.get("/sites")
        client.server.simulator.hook("charge")("5 Minutes", 600, client.token)  # type: ignore[misc]
        assert client.get("/sites").status_code == status
    faulty.server.simulator.hook("charge")("Minute", 180, faulty.token)  # type: ignore[misc]
    assert faulty.get("/sites").status_code == 429
