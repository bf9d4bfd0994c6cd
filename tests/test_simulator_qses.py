"""The QS Enrolment Solutions simulator over HTTP: data, tokens, accounts, envelopes, paging, writes, media,
same origin, throttles, and every fault of its catalogue changing what it names."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from conformance import schemas
from conformance.profiles import Profile, load
from conformance.runner import stop
from conformance.simulator import Simulator, SimulatorServer
from conformance.simulator.reason import REASON_HEADER, with_reason
from conformance.vendors import vendors
from conformance.vendors.qses import faults as qses_faults
from conformance.vendors.qses.simulator import (
    DATASETS,
    PROFILES,
    RESTRICTED_GRANTS,
    SCHEMA,
    charge,
    generate,
    reset_throttles,
    restricted_credentials,
)
from tests.support import child_env
from tests.test_simulator_absorb import FakeClock

PROFILE = "qses"
DENIED = {"Message": "Authorization has been denied for this request."}
JSON_TYPE = "application/json; charset=utf-8"
UNKNOWN_ID = 999_999_999
PING = "/diagnostics/ping"


class Client:
    """requests against one qses simulator; every request first moves the clock ``tick`` seconds on, so the
    throttles never trip unless a test sets ``tick`` to 0."""

    def __init__(self, server: SimulatorServer, clock: FakeClock, tick: float = 1.0) -> None:
        self.server, self.clock, self.tick = server, clock, tick
        self.simulator = server.simulator
        self.base = server.base_url + self.simulator.base_path
        self.creds = self.simulator.credentials
        self.http = requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        self.clock.advance(self.tick)
        return self.http.request(method, self.base + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def token(self, *, restricted: bool = False, **form: str) -> requests.Response:
        if restricted:
            extra = restricted_credentials(self.creds)
            user, password = extra["LMSCONF_RESTRICTED_USERNAME"], extra["LMSCONF_RESTRICTED_PASSWORD"]
        else:
            user, password = self.creds["LMSCONF_USERNAME"], self.creds["LMSCONF_PASSWORD"]
        body = {"grant_type": "password", "username": user, "password": password, **form}
        return self.post("/token", data={k: v for k, v in body.items() if v is not None})

    def login(self, *, restricted: bool = False) -> str:
        response = self.token(restricted=restricted)
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        return token

    def data(self, path: str, **params: Any) -> Any:
        response = self.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def contact_body(self, **changes: Any) -> dict[str, Any]:
        body = {"Name": "Lmsconf", "Surname": "Check", "EmailAddress": f"lmsconf-{self.clock.now}@example.org",
                "Mobile": "07700900000", "CrmNumber": "CRM9999999"}
        body.update(changes)
        return body

    def new_contact(self, **changes: Any) -> dict[str, Any]:
        response = self.post("/contacts", json=self.contact_body(**changes))
        assert response.status_code == 201, response.text
        row: dict[str, Any] = response.json()["Data"]
        return row


def start(*faults: str, clock: FakeClock | None = None, profile: str | Profile = PROFILE) -> SimulatorServer:
    return SimulatorServer(Simulator(profile, faults=faults, clock=clock or FakeClock())).start()


def client(server: SimulatorServer, *, tick: float = 1.0, login: bool = True) -> Client:
    clock = server.simulator.clock
    assert isinstance(clock, FakeClock)
    api = Client(server, clock, tick)
    if login:
        api.login()
    return api


@pytest.fixture(scope="module")
def qses_server() -> Iterator[SimulatorServer]:
    server = start()
    yield server
    server.stop()


@pytest.fixture
def qapi(qses_server: SimulatorServer) -> Client:
    reset_throttles(qses_server.simulator)
    return client(qses_server)


def valid(schema: str, instance: Any) -> None:
    assert schemas.errors(schema, instance) == [], instance


# -- data --------------------------------------------------------------------------------------------
def test_vendor_module_declares_what_a_simulator_needs() -> None:
    assert PROFILES == ("qses",) and DATASETS == ("default", "large")
    assert set(SCHEMA.tables) == {"contacts", "applications", "courses", "communication_categories"}
    assert SCHEMA.audit == ("CreatedDate", "ModifiedDate")


def test_datasets_are_deterministic_and_sized() -> None:
    first, again = generate("default"), generate("default")
    assert first == again
    assert {t: len(rows) for t, rows in first.items()} == {
        "contacts": 2100, "applications": 400, "courses": 40, "communication_categories": 12}
    contacts = first["contacts"]
    assert [row[0] for row in contacts] == list(range(1, 2101))
    assert len({row[3].lower() for row in contacts}) == 2100          # e-mail addresses are unique
    for column in (4, 5, 6):                                          # Mobile, CrmNumber, DateOfBirth
        assert any(row[column] is None for row in contacts) and any(row[column] for row in contacts)
    assert len(generate("large")["contacts"]) == 60_000
    with pytest.raises(ValueError, match="unknown dataset"):
        generate("huge")


def test_audit_columns_are_left_out_of_a_dump(qses_server: SimulatorServer) -> None:
    dump = qses_server.simulator.store.dump(audit=False)
    assert "CreatedDate" not in dump and "ModifiedDate" not in dump and "EmailAddress" in dump


# -- tokens and accounts -----------------------------------------------------------------------------
def test_token_is_issued_for_the_password_grant(qapi: Client) -> None:
    response = qapi.token()
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_TYPE
    body = response.json()
    valid("qses/token.json", body)
    assert body["token_type"] == "bearer" and body["expires_in"] == 14399
    assert "refresh_token" not in body and len(body["access_token"]) >= 64


def test_username_is_case_insensitive_and_password_case_sensitive(qapi: Client) -> None:
    assert qapi.token(username=qapi.creds["LMSCONF_USERNAME"].swapcase()).status_code == 200
    refused = qapi.token(password=qapi.creds["LMSCONF_PASSWORD"].swapcase())
    assert refused.status_code == 400
    assert refused.json() == {"error": "invalid_grant",
                              "error_description": "The user name, password or account is invalid."}
    valid("qses/token-error.json", refused.json())
    assert qapi.token(username="nobody").json()["error"] == "invalid_grant"


@pytest.mark.parametrize("form", [{"grant_type": "refresh_token", "refresh_token": "x"}, {"grant_type": None},
                                  {"grant_type": "client_credentials"}])
def test_other_grants_are_unsupported(qapi: Client, form: dict[str, Any]) -> None:
    response = qapi.token(**form)
    assert response.status_code == 400 and response.json() == {"error": "unsupported_grant_type"}


def test_a_json_token_request_is_not_a_grant(qapi: Client) -> None:
    response = qapi.post("/token", json={"grant_type": "password"})
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


def test_several_tokens_are_live_at_once(qapi: Client) -> None:
    tokens = [qapi.token().json()["access_token"] for _ in range(3)]
    assert len(set(tokens)) == 3
    for token in tokens:
        assert qapi.get("/courses", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize("value", [None, "", "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz", "nope"])
def test_missing_malformed_or_unknown_tokens_are_denied(qapi: Client, value: str | None) -> None:
    headers = {"Authorization": value} if value is not None else {}
    qapi.http.headers.pop("Authorization")
    response = qapi.get("/contacts", headers=headers)
    assert response.status_code == 401 and response.json() == DENIED
    assert response.headers["content-type"] == JSON_TYPE
    valid("qses/denied.json", response.json())


def test_tokens_expire_after_their_lifetime_and_a_new_one_works() -> None:
    with start() as server:
        api = client(server)
        api.clock.advance(14399 - 2)
        assert api.get("/courses").status_code == 200
        api.clock.advance(1)
        response = api.get("/courses")
        assert response.status_code == 401 and response.json() == DENIED
        api.login()
        assert api.get("/courses").status_code == 200


def test_a_simulator_option_shortens_the_lifetime() -> None:
    profile = load(PROFILE)
    short = dataclasses.replace(profile, raw={**profile.raw, "simulator": {"token_lifetime_s": 5}})
    with start(profile=short) as server:
        api = client(server, login=False)
        assert api.token().json()["expires_in"] == 5
        api.login()
        assert api.get("/courses").status_code == 200        # the clock moved 1 s since the token
        api.clock.advance(4)
        assert api.get("/courses").status_code == 401


def test_the_restricted_account_may_only_list_contacts(qapi: Client) -> None:
    extra = restricted_credentials(qapi.creds)
    assert extra == {"LMSCONF_RESTRICTED_USERNAME": qapi.creds["LMSCONF_USERNAME"] + "-restricted",
                     "LMSCONF_RESTRICTED_PASSWORD": qapi.creds["LMSCONF_PASSWORD"]}
    assert sorted(RESTRICTED_GRANTS) == [("GET", "/contacts")]
    qapi.login(restricted=True)
    assert qapi.get("/contacts", params={"limit": 1}).status_code == 200
    for method, path in [("GET", "/contacts/1"), ("GET", "/courses"), ("POST", "/contacts"),
                         ("PUT", "/contacts/1"), ("DELETE", "/contacts/1"), ("GET", "/applications")]:
        response = qapi.request(method, path, json={})
        assert (response.status_code, response.json()) == (401, DENIED), (method, path)
    assert qapi.get(PING).status_code == 200


def test_diagnostics_need_no_token(qapi: Client) -> None:
    qapi.http.headers.pop("Authorization")
    response = qapi.get(PING)
    assert response.status_code == 200 and response.json() == {"Message": "pong"}
    assert response.headers["content-type"] == JSON_TYPE


# -- resources, envelopes, paging ---------------------------------------------------------------------
RESOURCES = {"/contacts": "qses/contact.json", "/applications": "qses/application.json",
             "/courses": "qses/course.json", "/communicationcategories": "qses/communication-category.json"}


@pytest.mark.parametrize("path", sorted(RESOURCES))
def test_collections_and_records_come_in_their_envelopes(qapi: Client, path: str) -> None:
    page = qapi.data(path, limit=20)
    valid("qses/dtos-envelope.json", page)
    assert page["Meta"] == {"Offset": 0, "Limit": 20, "HasMore": page["Meta"]["HasMore"], "TotalCount": None}
    for row in page["Data"]:
        valid(RESOURCES[path], row)
    record = qapi.data(f"{path}/{page['Data'][0]['Id']}")
    valid("qses/dto-envelope.json", record)
    assert record == {"Data": page["Data"][0], "Meta": {}}


@pytest.mark.parametrize("key", [str(UNKNOWN_ID), "abc", "-1", "1.5", "99999999999999999999999"])
def test_an_unknown_or_malformed_id_is_404(qapi: Client, key: str) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = qapi.request(method, f"/contacts/{key}", json={})
        assert response.status_code == 404, (method, response.text)
        valid("qses/error.json", response.json())
        assert response.headers["content-type"] == JSON_TYPE


def test_paging_defaults_echoes_and_ends(qapi: Client) -> None:
    meta = qapi.data("/contacts")["Meta"]
    assert (meta["Offset"], meta["Limit"], meta["HasMore"]) == (0, 50, True)
    page = qapi.data("/contacts", offset=2090, limit=500, totalCount="true")
    assert [r["Id"] for r in page["Data"]] == list(range(2091, 2101))
    assert page["Meta"] == {"Offset": 2090, "Limit": 500, "HasMore": False, "TotalCount": 2100}
    past = qapi.data("/contacts", offset=5000)
    assert past["Data"] == [] and past["Meta"]["HasMore"] is False
    exact = qapi.data("/courses", offset=20, limit=20)
    assert len(exact["Data"]) == 20 and exact["Meta"]["HasMore"] is False


def test_a_walk_sees_every_row_once_in_id_order(qapi: Client) -> None:
    ids: list[int] = []
    offset, more = 0, True
    while more:
        page = qapi.data("/contacts", offset=offset, limit=500)
        ids += [r["Id"] for r in page["Data"]]
        offset, more = offset + 500, page["Meta"]["HasMore"]
    assert ids == sorted(set(ids)) and len(ids) == 2100


def test_query_parameter_names_bind_without_regard_to_case(qapi: Client) -> None:
    page = qapi.data("/courses", OFFSET=3, Limit=2, TOTALCOUNT="TRUE")
    assert page["Meta"] == {"Offset": 3, "Limit": 2, "HasMore": True, "TotalCount": 40}
    assert qapi.data("/courses", totalCount="false")["Meta"]["TotalCount"] is None


@pytest.mark.parametrize("params", [{"limit": 501}, {"limit": 0}, {"limit": -1}, {"offset": -1},
                                    {"offset": "abc"}, {"limit": "1.5"}])
def test_invalid_paging_is_400(qapi: Client, params: dict[str, Any]) -> None:
    response = qapi.get("/contacts", params=params)
    assert response.status_code == 400
    valid("qses/error.json", response.json())
    assert qapi.data("/contacts", limit=500)["Meta"]["Limit"] == 500


def test_filters_by_email_and_by_category_name(qapi: Client) -> None:
    target = qapi.data("/contacts/17")["Data"]
    found = qapi.data("/contacts", emailAddress=target["EmailAddress"].upper())
    assert found["Data"] == [target] and found["Meta"]["HasMore"] is False
    assert qapi.data("/contacts", emailAddress="nobody@example.org")["Data"] == []
    events = qapi.data("/communicationcategories", name="open days")["Data"]
    assert [c["Name"] for c in events] == ["Open Days"]


def test_paths_match_without_regard_to_case_or_trailing_slash(qapi: Client) -> None:
    assert qapi.get("/CONTACTS/", params={"limit": 1}).status_code == 200
    response = requests.get(qapi.server.base_url + "/CRMS/Api/Contacts/1", headers=qapi.http.headers)
    assert response.status_code == 200 and response.json()["Data"]["Id"] == 1


def test_unknown_paths_and_methods(qapi: Client) -> None:
    missing = qapi.get("/nothing")
    assert missing.status_code == 404 and "Message" in missing.json()
    patch = qapi.request("PATCH", "/contacts/1", json={})
    assert patch.status_code == 405 and "PATCH" in patch.json()["Message"]
    assert patch.headers["content-type"] == JSON_TYPE and set(patch.headers["allow"].split(", ")) >= {"GET", "PUT"}


# -- writes --------------------------------------------------------------------------------------------
def test_post_answers_201_with_the_location_of_the_new_record(qapi: Client) -> None:
    before = qapi.simulator.store.dump(audit=False)
    response = qapi.post("/contacts", json=qapi.contact_body(Id=5, CreatedDate="2000-01-01T00:00:00"))
    assert response.status_code == 201
    created = response.json()
    valid("qses/dto-envelope.json", created)
    valid("qses/contact.json", created["Data"])
    key = created["Data"]["Id"]
    assert key > 2100 and created["Data"]["CreatedDate"] >= "2024-12-01"
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == qapi.server.base_url
    assert location.path == f"/crms/api/contacts/{key}"
    assert requests.get(response.headers["location"], headers=qapi.http.headers).json() == created
    deleted = qapi.delete(f"/contacts/{key}")
    assert deleted.status_code == 200 and deleted.json() == created
    assert qapi.get(f"/contacts/{key}").status_code == 404
    assert qapi.delete(f"/contacts/{key}").status_code == 404
    assert qapi.simulator.store.dump(audit=False) == before


def test_put_replaces_the_whole_record_but_the_ignored_fields(qapi: Client) -> None:
    row = qapi.new_contact()
    ignored = load(PROFILE).section("writes")["ignored_on_put"]
    assert "CrmNumber" in ignored
    body = {"Id": 1, "Name": "Changed", "Surname": row["Surname"], "EmailAddress": row["EmailAddress"],
            "CreatedDate": "2001-01-01T00:00:00"}
    response = qapi.put(f"/contacts/{row['Id']}", json=body)
    assert response.status_code == 200, response.text
    after = response.json()["Data"]
    valid("qses/contact.json", after)
    assert after["Id"] == row["Id"] and after["Name"] == "Changed"          # the path's id wins
    assert after["Mobile"] is None                                            # left out: null
    assert after["CrmNumber"] == row["CrmNumber"] == "CRM9999999"            # ignored on PUT: kept
    assert after["CreatedDate"] == row["CreatedDate"]
    assert after["ModifiedDate"] > row["ModifiedDate"]
    assert qapi.data(f"/contacts/{row['Id']}")["Data"] == after
    assert qapi.data("/contacts/1")["Data"]["Name"] != "Changed"
    changed = qapi.put(f"/contacts/{row['Id']}", json={**body, "CrmNumber": "CRM0000000"}).json()["Data"]
    assert changed["CrmNumber"] == "CRM9999999"


@pytest.mark.parametrize("body", [{"Name": "No", "EmailAddress": "x@example.org"},            # Surname required
                                  {"Name": 5, "Surname": "x", "EmailAddress": "y@example.org"},  # wrong type
                                  [1, 2], "text"])
def test_an_invalid_body_is_400(qapi: Client, body: Any) -> None:
    for method, path in (("POST", "/contacts"), ("PUT", "/contacts/3")):
        response = qapi.request(method, path, json=body)
        assert response.status_code == 400, (method, response.text)
        valid("qses/error.json", response.json())


def test_a_taken_email_or_a_missing_reference_is_400(qapi: Client) -> None:
    taken = qapi.data("/contacts/4")["Data"]["EmailAddress"]
    assert qapi.post("/contacts", json=qapi.contact_body(EmailAddress=taken.upper())).status_code == 400
    application = {"ContactId": UNKNOWN_ID, "CourseId": 1, "Status": "Submitted"}
    assert qapi.post("/applications", json=application).status_code == 400
    created = qapi.post("/applications", json={**application, "ContactId": 4})
    assert created.status_code == 201 and created.json()["Data"]["StartDate"] is None
    valid("qses/application.json", created.json()["Data"])


def test_upsert_contact_creates_then_updates_by_email(qapi: Client) -> None:
    body = {"Name": "Up", "Surname": "Sert", "EmailAddress": "upsert@example.org", "Mobile": "1", "CrmNumber": "C1"}
    created = qapi.post("/processes/upsertcontact", json=body)
    assert created.status_code == 201 and created.headers["location"].endswith(
        f"/crms/api/contacts/{created.json()['Data']['Id']}")
    updated = qapi.post("/processes/upsertcontact", json={**body, "EmailAddress": "UPSERT@example.org", "Mobile": "2"})
    assert updated.status_code == 200 and "location" not in updated.headers
    assert updated.json()["Data"]["Id"] == created.json()["Data"]["Id"] and updated.json()["Data"]["Mobile"] == "2"
    valid("qses/dto-envelope.json", updated.json())
    assert qapi.post("/processes/upsertcontact", json={"Name": "x"}).status_code == 400


# -- media and origin ---------------------------------------------------------------------------------
def test_every_answer_is_json_with_the_charset_whatever_accept_says(qapi: Client) -> None:
    answers = [qapi.get("/contacts", headers={"Accept": "application/xml"}),
               qapi.get("/contacts/1", headers={"Accept": "text/html"}),
               qapi.get("/contacts/abc"), qapi.get("/contacts", params={"limit": -1}), qapi.get("/nothing"),
               qapi.request("PATCH", "/contacts"), qapi.post("/contacts", data="<x/>",
                                                             headers={"Content-Type": "text/xml"}),
               qapi.token(password="wrong"), qapi.get("/courses", headers={"Authorization": "Bearer x"})]
    assert [a.status_code for a in answers] == [200, 200, 404, 400, 404, 405, 415, 400, 401]
    assert {a.headers["content-type"] for a in answers} == {JSON_TYPE}
    assert answers[0].json()["Data"]


@pytest.mark.parametrize(("content_type", "named"), [
    ("application/xml", "application/xml"), ("text/xml; charset=utf-8", "text/xml"),
    ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"), (None, "application/octet-stream")])
def test_a_body_that_is_not_json_is_415(qapi: Client, content_type: str | None, named: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    for method, path in (("POST", "/contacts"), ("PUT", "/contacts/2"), ("POST", "/processes/upsertcontact")):
        response = qapi.request(method, path, data=b'{"Name": "x"}', headers=headers)
        if content_type is None:
            assert "content-type" not in response.request.headers
        assert response.status_code == 415, (method, response.text)
        body = response.json()
        valid("qses/unsupported-media.json", body)
        assert body["Message"] == f"The request entity's media type '{named}' is not supported for this resource."
        assert body["ExceptionType"] == "System.Net.Http.UnsupportedMediaTypeException"


def test_no_answer_grants_another_origin(qapi: Client) -> None:
    origin = {"Origin": "https://elsewhere.example"}
    answers = [qapi.get("/contacts", headers=origin), qapi.get(PING, headers=origin),
               qapi.request("OPTIONS", "/contacts", headers={**origin, "Access-Control-Request-Method": "GET",
                                                             "Access-Control-Request-Headers": "authorization"})]
    assert answers[2].status_code == 405
    for answer in answers:
        assert not [h for h in answer.headers if h.lower().startswith("access-control-")], answer.headers


# -- throttles ----------------------------------------------------------------------------------------
def burst(api: Client, path: str, count: int) -> list[requests.Response]:
    return [api.get(path) for _ in range(count)]


def test_the_second_window_refuses_the_eleventh_request_with_its_reason() -> None:
    with start() as server:
        api = client(server, tick=0)
        answers = burst(api, PING, 11)
        assert [a.status_code for a in answers] == [200] * 10 + [429]
        refused = answers[-1]
        assert refused.reason == "API calls quota exceeded! maximum admitted 10 per Second."
        assert refused.content == b"" and "content-type" not in refused.headers
        assert refused.headers["retry-after"] == "1" and REASON_HEADER not in refused.headers
        assert api.get(PING).status_code == 429                    # refused requests count too
        api.clock.advance(1)
        assert api.get(PING).status_code == 200


def test_the_minute_window_names_itself_and_the_seconds_left() -> None:
    with start() as server:
        api = client(server, tick=0.25)                              # 4 a second: under the Second limit
        answers = burst(api, "/courses", 121)
        assert [a.status_code for a in answers] == [200] * 120 + [429]
        assert answers[-1].reason == "API calls quota exceeded! maximum admitted 120 per Minute."
        assert answers[-1].headers["retry-after"] == "30"          # began at 0.5 s, now 30.5 s: 30 s left


def test_each_client_endpoint_has_its_own_count_and_the_token_is_throttled_too() -> None:
    with start() as server:
        api = client(server, tick=0)
        assert burst(api, "/contacts", 11)[-1].status_code == 429
        assert api.get("/contacts/1").status_code == 200
        assert api.get("/courses").status_code == 200
        assert [api.token().status_code for _ in range(10)][-1] == 429   # one login, then 10 more


@pytest.mark.parametrize(("period", "limit", "seconds"), [("Hour", 3600, 3600), ("Day", 43200, 86400),
                                                          ("Week", 216000, 604800)])
def test_charge_proves_the_long_windows(period: str, limit: int, seconds: int) -> None:
    with start() as server:
        api = client(server, tick=0)
        charge(server.simulator, "/contacts", period, limit - 1)
        assert api.get("/contacts").status_code == 200
        refused = api.get("/contacts")
        assert refused.status_code == 429
        assert refused.reason == f"API calls quota exceeded! maximum admitted {limit} per {period}."
        assert refused.headers["retry-after"] == str(seconds)
        assert api.get("/courses").status_code == 200
        charge(server.simulator, "/crms/api/courses", period, limit)
        assert api.get("/courses").status_code == 429
        with pytest.raises(ValueError, match="no window"):
            charge(server.simulator, "/courses", "Fortnight", 1)


def test_the_reason_header_becomes_the_reason_phrase() -> None:
    import h11

    event = h11.Response(status_code=429, headers=[("Retry-After", "3"), (REASON_HEADER, "Slow down")])
    changed = with_reason(event)
    assert changed.reason == b"Slow down" and list(changed.headers) == [(b"retry-after", b"3")]
    plain = h11.Response(status_code=200, headers=[], reason=b"OK")
    assert with_reason(plain) is plain


# -- the command ---------------------------------------------------------------------------------------
def test_lmsconf_simulate_serves_qses_under_its_base_path() -> None:
    command = [sys.executable, "-m", "conformance.cli", "simulate", "--profile", PROFILE]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=child_env()) as child:
        try:
            assert child.stdout is not None
            lines = [child.stdout.readline().strip() for _ in range(3)]
            settings = dict(line.split("=", 1) for line in lines)
            assert settings["LMSCONF_BASE_URL"].endswith("/crms/api")
            assert set(settings) == {"LMSCONF_BASE_URL", "LMSCONF_USERNAME", "LMSCONF_PASSWORD"}
            ping = requests.get(settings["LMSCONF_BASE_URL"] + PING, timeout=5)
            assert ping.status_code == 200
        finally:
            stop(child)


# -- faults --------------------------------------------------------------------------------------------
Check = Callable[[Client], None]


def _trip(api: Client, path: str = PING) -> requests.Response:
    api.tick = 0
    answers = burst(api, path, 11)
    assert answers[-1].status_code == 429
    return answers[-1]


def _put_without(api: Client, field: str) -> dict[str, Any]:
    row = api.new_contact()
    body = {k: v for k, v in row.items() if k != field}
    response = api.put(f"/contacts/{row['Id']}", json=body)
    assert response.status_code == 200, response.text
    after: dict[str, Any] = response.json()["Data"]
    return after


def _minute_retry_after(api: Client) -> None:
    api.tick = 0
    charge(api.simulator, PING, "Minute", 120)
    refused = api.get(PING)
    assert refused.reason.endswith("per Minute.") and refused.headers["retry-after"] == "1"


def _stale_renewal(api: Client) -> None:
    old = api.http.headers["Authorization"].split()[1]
    api.clock.advance(14400)
    assert api.token().json()["access_token"] == old


def _refresh(api: Client) -> None:
    refresh = api.token().json()["refresh_token"]
    assert api.token(grant_type="refresh_token", refresh_token=refresh).status_code == 200


def _preflight(api: Client) -> None:
    origin = {"Origin": "https://elsewhere.example"}
    assert api.get("/courses", headers=origin).headers["access-control-allow-origin"] == "*"
    granted = api.request("OPTIONS", "/contacts", headers={**origin, "Access-Control-Request-Method": "GET"})
    assert granted.status_code == 200 and granted.headers["access-control-allow-origin"] == "*"


def _location_names_nothing(api: Client) -> None:
    response = api.post("/contacts", json=api.contact_body())
    assert response.status_code == 201
    assert requests.get(response.headers["location"], headers=api.http.headers).status_code == 404


def _restricted_status(api: Client) -> None:
    api.login(restricted=True)
    assert api.get("/courses").status_code == 403


def _no_token(api: Client, path: str) -> requests.Response:
    api.http.headers.pop("Authorization")
    return api.get(path)


CHECKS: dict[str, Check] = {
    "put-merges": lambda api: _check(_put_without(api, "Mobile")["Mobile"] == "07700900000"),
    "put-overwrites-ignored": lambda api: _check(_put_without(api, "CrmNumber")["CrmNumber"] is None),
    "total-count-always": lambda api: _check(api.data("/courses")["Meta"]["TotalCount"] == 40),
    "total-count-wrong": lambda api: _check(api.data("/courses", totalCount="true")["Meta"]["TotalCount"] == 41),
    "has-more-always-true": lambda api: _check(api.data("/courses", offset=100)["Meta"]["HasMore"] is True),
    "row-repeated": lambda api: _check(api.data("/courses", offset=5, limit=5)["Data"][0]["Id"] == 5),
    "offset-echo-wrong": lambda api: _check(api.data("/courses", offset=10, limit=5)["Meta"]["Offset"] == 2),
    "item-unwrapped": lambda api: _check(api.data("/contacts/3").get("Id") == 3),
    "charset-missing": lambda api: _check(api.get("/courses").headers["content-type"] == "application/json"),
    "accept-honoured": lambda api: _check(api.get("/courses", headers={"Accept": "application/xml"}).status_code
                                          == 406),
    "xml-accepted": lambda api: _check(api.post("/contacts", data=b"<Contact><Name>X</Name><Surname>Y</Surname>"
                                                b"<EmailAddress>xml@example.org</EmailAddress></Contact>",
                                                headers={"Content-Type": "application/xml"}).status_code == 201),
    "retry-after-missing": lambda api: _check("retry-after" not in _trip(api).headers),
    "retry-after-short": _minute_retry_after,
    "throttle-shared": lambda api: _check(_trip(api).status_code == 429 and api.get("/courses").status_code == 429),
    "hour-window-unenforced": lambda api: _check(charge(api.simulator, PING, "Hour", 3600) is None
                                                 and api.get(PING).status_code == 200),
    "reason-generic": lambda api: _check(_trip(api).reason == "Too Many Requests"),
    "token-never-expires": lambda api: _check(api.clock.advance(20000) is None
                                              and api.get("/courses").status_code == 200),
    "token-renewal-stale": _stale_renewal,
    "refresh-granted": _refresh,
    "cors-any-origin": _preflight,
    "denial-as-403": _restricted_status,
    "username-case-sensitive": lambda api: _check(
        api.token(username=api.creds["LMSCONF_USERNAME"].swapcase()).status_code == 400),
    "bad-credentials-401": lambda api: _check(api.token(password="wrong").json() == DENIED),
    "diagnostics-need-token": lambda api: _check(_no_token(api, PING).json() == DENIED),
    "token-type-missing": lambda api: _check("token_type" not in api.token().json()),
    "qses-bad-token-accepted": lambda api: _check(_no_token(api, "/courses").status_code == 200),
    "unknown-id-500": lambda api: _check(api.get(f"/contacts/{UNKNOWN_ID}").status_code == 500),
    "qses-error-body-plain": lambda api: _check(api.get(f"/contacts/{UNKNOWN_ID}").text == "error"),
    "contact-field-wrong-type": lambda api: _check(api.data("/contacts/97")["Data"]["Id"] == "97"),
    "created-without-location": lambda api: _check(
        "location" not in api.post("/contacts", json=api.contact_body()).headers),
    "created-location-wrong": _location_names_nothing,
}


def _check(condition: bool) -> None:
    assert condition


def test_the_catalogue_is_the_documented_one() -> None:
    catalogue = {f.name: f for f in qses_faults.FAULTS}
    assert set(catalogue) == set(CHECKS) and len(catalogue) == len(qses_faults.FAULTS) == 31
    for fault in catalogue.values():
        assert fault.profile == PROFILE and fault.rule.startswith(f"{fault.area}."), fault
    modules = [v.module("faults") for v in vendors() if v.name != "qses"]
    others = {f.name for module in modules if module is not None for f in module.FAULTS}
    assert not set(catalogue) & others, "fault names are global: a qses fault may not reuse another's name"


@pytest.fixture(scope="module")
def fault_servers() -> Iterator[dict[str, SimulatorServer]]:
    """One simulator per fault, all started at once and stopped together (a stop waits out uvicorn's tick)."""
    servers = {name: start(name) for name in CHECKS}
    yield servers
    with ThreadPoolExecutor(max_workers=len(servers)) as pool:
        list(pool.map(SimulatorServer.stop, servers.values()))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_fault_changes_what_it_names(name: str, fault_servers: dict[str, SimulatorServer]) -> None:
    CHECKS[name](client(fault_servers[name]))


def test_the_clean_simulator_fails_every_fault_check(qses_server: SimulatorServer) -> None:
    for name, check in CHECKS.items():
        reset_throttles(qses_server.simulator)
        try:
            check(client(qses_server))
        except (AssertionError, KeyError):
            continue
        pytest.fail(f"the clean simulator shows fault {name}")
