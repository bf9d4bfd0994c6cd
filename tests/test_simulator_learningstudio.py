"""The Pearson LearningStudio simulator over HTTP: the password and refresh grants, the X-Authorization guard
(unknown, malformed, expired), the per-key rate limit, the campus's endpoints and their statuses (403, 404 for
unknown ids, unknown paths and children of another parent, 405, 406, 400), writes of announcements, the
``.xml`` suffix, the server-error switch, and every fault of its catalogue changing what it names. Statuses
and structure only, never message text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from conformance import schemas
from conformance.simulator import Simulator, SimulatorServer
from conformance.vendors import vendors
from conformance.vendors.learningstudio import faults as ls_faults
from conformance.vendors.learningstudio.simulator import DATASETS, PROFILES, SCHEMA, extra_credentials, generate
from tests.test_simulator_absorb import FakeClock

PROFILE = "learningstudio"
JSON_TYPE, XML_TYPE = "application/json", "application/xml"
LIFETIME = 10800
LIMIT = 500
UNKNOWN_ID = 999_999_999
DATA = generate("default")
INSTRUCTOR_ID, STUDENT_ID, OTHER_ID = (row[0] for row in DATA["users"][:3])
COURSES = [row[0] for row in DATA["courses"]]
ENROLLED = {(row[1], row[2]) for row in DATA["enrollments"]}           # (course, user)
STUDENT_COURSES = [c for c in COURSES if (c, STUDENT_ID) in ENROLLED]
SHARED = next(c for c in STUDENT_COURSES if (c, OTHER_ID) in ENROLLED)  # both students take it
NOT_STUDENTS = next(c for c in COURSES if (c, STUDENT_ID) not in ENROLLED)
EXAMS = {row[0]: row for row in DATA["exams"]}
OPEN_EXAM = {row[1]: row[0] for row in DATA["exams"] if "Midterm" in row[2]}
LATER_EXAM = {row[1]: row[0] for row in DATA["exams"] if "Final" in row[2]}
ANNOUNCEMENTS = {row[1]: [a[0] for a in DATA["announcements"] if a[1] == row[1]] for row in DATA["announcements"]}
C1, C2 = SHARED, next(c for c in STUDENT_COURSES if c != SHARED)
INSTRUCTOR, STUDENT, OTHER = "instructor", "student", "other"
ACCOUNTS = {INSTRUCTOR: ("LMSCONF_USERNAME", "LMSCONF_PASSWORD"),
            STUDENT: ("LMSCONF_STUDENT_USERNAME", "LMSCONF_STUDENT_PASSWORD"),
            OTHER: ("LMSCONF_OTHER_STUDENT_USERNAME", "LMSCONF_OTHER_STUDENT_PASSWORD")}


class Client:
    """requests against one LearningStudio simulator: tokens per account, sent in X-Authorization."""

    def __init__(self, server: SimulatorServer) -> None:
        self.server = server
        self.simulator = server.simulator
        clock = self.simulator.clock
        assert isinstance(clock, FakeClock)
        self.clock = clock
        self.base = server.base_url
        self.creds = self.simulator.announced_credentials
        self.http = requests.Session()
        self.tokens: dict[str, str] = {}

    def form(self, account: str = INSTRUCTOR, **changes: str) -> dict[str, str]:
        user, password = ACCOUNTS[account]
        form = {"grant_type": "password", "client_id": self.creds["LMSCONF_CLIENT_ID"],
                "username": f"{self.creds['LMSCONF_CLIENT_STRING']}\\{self.creds[user]}",
                "password": self.creds[password]}
        form.update(changes)
        return form

    def grant(self, form: dict[str, str]) -> requests.Response:
        return self.http.post(self.base + "/token", data=form)

    def login(self, account: str = INSTRUCTOR) -> dict[str, Any]:
        response = self.grant(self.form(account))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        self.tokens[account] = body["access_token"]
        return body

    def token(self, account: str) -> str:
        if account not in self.tokens:
            self.login(account)
        return self.tokens[account]

    def request(self, method: str, path: str, *, account: str | None = INSTRUCTOR, header: str | None = None,
                headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        sent: dict[str, str] = {}
        if header is not None:
            sent["X-Authorization"] = header
        elif account is not None:
            sent["X-Authorization"] = f"Access_Token access_token={self.token(account)}"
        sent.update(headers or {})
        url = path if path.startswith("http") else self.base + path
        return self.http.request(method, url, headers=sent, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def data(self, path: str, **kwargs: Any) -> Any:
        response = self.get(path, **kwargs)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == JSON_TYPE
        return response.json()

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)


def start(*faults: str) -> SimulatorServer:
    return SimulatorServer(Simulator(PROFILE, faults=faults, clock=FakeClock())).start()


@pytest.fixture(scope="module")
def ls_server() -> Iterator[SimulatorServer]:
    server = start()
    yield server
    server.stop()


@pytest.fixture
def api(ls_server: SimulatorServer) -> Iterator[Client]:
    client = Client(ls_server)
    client.simulator.app.state.limiter.buckets.clear()
    yield client
    fail = ls_server.simulator.hook("fail")
    assert fail is not None
    fail(0)


def valid(schema: str, instance: Any) -> None:
    assert schemas.errors(schema, instance) == [], instance


def is_error(response: requests.Response, status: int, schema: str = "learningstudio/error.json") -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == JSON_TYPE
    body = response.json()
    valid(schema, body)
    return body


# -- data ---------------------------------------------------------------------------------------------------
def test_vendor_module_declares_what_a_simulator_needs() -> None:
    assert PROFILES == ("learningstudio",) and DATASETS == ("default",)
    assert set(SCHEMA.tables) == {"users", "courses", "enrollments", "exams", "grades", "attempts", "announcements"}
    with pytest.raises(ValueError, match="unknown dataset"):
        generate("large")


def test_the_campus_is_deterministic_with_ids_distinct_across_kinds() -> None:
    assert generate("default") == DATA
    ids = [row[0] for rows in DATA.values() for row in rows]
    assert len(ids) == len(set(ids)) and all(isinstance(i, int) for i in ids)
    assert len(COURSES) == 6 and all((c, INSTRUCTOR_ID) in ENROLLED for c in COURSES)
    assert 0 < len(STUDENT_COURSES) < 6 and NOT_STUDENTS not in STUDENT_COURSES
    assert all(c in OPEN_EXAM and c in LATER_EXAM for c in COURSES)
    assert DATA["grades"] and all((row[2], row[1]) in ENROLLED and row[3] in EXAMS and EXAMS[row[3]][1] == row[2]
                                  for row in DATA["grades"])


def test_the_students_logins_are_announced_and_derived(ls_server: SimulatorServer) -> None:
    simulator = ls_server.simulator
    announced = simulator.announced_credentials
    assert set(announced) == {"LMSCONF_CLIENT_ID", "LMSCONF_CLIENT_STRING", "LMSCONF_USERNAME", "LMSCONF_PASSWORD",
                              "LMSCONF_STUDENT_USERNAME", "LMSCONF_STUDENT_PASSWORD",
                              "LMSCONF_OTHER_STUDENT_USERNAME", "LMSCONF_OTHER_STUDENT_PASSWORD"}
    assert extra_credentials(simulator.credentials) == simulator.extra_credentials
    assert len({announced[u] for u, _ in ACCOUNTS.values()}) == 3


# -- tokens -------------------------------------------------------------------------------------------------
def test_the_password_grant_answers_a_token_pair(api: Client) -> None:
    response = api.grant(api.form())
    assert response.status_code == 200 and response.headers["content-type"] == JSON_TYPE
    body = response.json()
    valid("learningstudio/token.json", body)
    assert body["token_type"] == "bearer" and body["expires_in"] == LIFETIME
    for account in (STUDENT, OTHER):
        valid("learningstudio/token.json", api.login(account))


@pytest.mark.parametrize(("changes", "code"), [
    ({"password": "wrong"}, "invalid_grant"),
    ({"username": "nobody"}, "invalid_grant"),
    ({"username": "other\\x"}, "invalid_grant"),
    ({"client_id": "someone-else"}, "invalid_client"),
    ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
    ({"grant_type": ""}, "unsupported_grant_type"),
])
def test_refused_grants_are_oauth_errors(api: Client, changes: dict[str, str], code: str) -> None:
    body = is_error(api.grant(api.form(**changes)), 400, "learningstudio/token-error.json")
    assert body["error"] == code


def test_a_wrong_client_string_is_refused(api: Client) -> None:
    user = api.creds["LMSCONF_USERNAME"]
    is_error(api.grant(api.form(username=f"wrong\\{user}")), 400, "learningstudio/token-error.json")


def test_a_refresh_token_renews_once(api: Client) -> None:
    first = api.login()
    form = {"grant_type": "refresh_token", "client_id": api.creds["LMSCONF_CLIENT_ID"],
            "refresh_token": first["refresh_token"]}
    renewed = api.grant(form)
    assert renewed.status_code == 200
    body = renewed.json()
    valid("learningstudio/token.json", body)
    assert body["access_token"] != first["access_token"] and body["refresh_token"] != first["refresh_token"]
    assert api.get("/me", header=f"Access_Token access_token={body['access_token']}").status_code == 200
    assert is_error(api.grant(form), 400, "learningstudio/token-error.json")["error"] == "invalid_grant"


@pytest.mark.parametrize("header", [None, "", "Access_Token", "Access_Token access_token=", "Bearer {token}",
                                    "{token}", "Access_Token access_token=nope", "Access_Token token={token}"])
def test_missing_malformed_or_unknown_tokens_are_401_invalid_token(api: Client, header: str | None) -> None:
    token = api.token(INSTRUCTOR)
    for path in ("/me", f"/courses/{C1}", "/nowhere"):
        sent = {"account": None} if header is None else {"header": header.format(token=token)}
        response = api.get(path, **sent)
        assert is_error(response, 401)["error"] == "invalid_token"


def test_the_scheme_and_parameter_compare_without_case(api: Client) -> None:
    token = api.token(INSTRUCTOR)
    assert api.get("/me", header=f"access_token ACCESS_TOKEN={token}").status_code == 200


def test_an_expired_token_is_401_expired_token() -> None:
    with start() as server:
        api = Client(server)
        api.login()
        api.clock.advance(LIFETIME - 1)
        assert api.get("/me").status_code == 200
        api.clock.advance(1)
        assert is_error(api.get("/me"), 401)["error"] == "expired_token"
        api.login()
        assert api.get("/me").status_code == 200


# -- the rate limit -----------------------------------------------------------------------------------------
def test_500_a_second_per_key_then_429_and_refused_tokens_count_nothing() -> None:
    with start() as server:
        api = Client(server)
        for _ in range(5):
            assert api.get("/systemDateTime", header="Access_Token access_token=nope").status_code == 401
        answers = [api.get("/systemDateTime", account=STUDENT if i % 2 else INSTRUCTOR) for i in range(LIMIT)]
        assert {a.status_code for a in answers} == {200}
        refused = api.get("/me", account=OTHER)              # one key for the application: every account counts
        is_error(refused, 429)
        assert int(refused.headers["retry-after"]) >= 1
        assert api.grant(api.form()).status_code == 200     # the token endpoint is not counted
        api.clock.advance(1)
        assert api.get("/me").status_code == 200
        assert [api.get("/me").status_code for _ in range(LIMIT)][-1] == 429
        hook = server.simulator.hook("reset-ratelimit")
        assert hook is not None
        hook()
        assert api.get("/me").status_code == 200


# -- reads --------------------------------------------------------------------------------------------------
def test_me_and_my_courses(api: Client) -> None:
    me = api.data("/me")
    valid("learningstudio/me.json", me)
    assert me["me"]["id"] == INSTRUCTOR_ID
    assert api.data("/me", account=STUDENT)["me"]["id"] == STUDENT_ID
    mine = api.data("/me/courses")
    valid("learningstudio/courses-envelope.json", mine)
    assert [c["id"] for c in mine["courses"]] == COURSES
    assert all("course" not in c["links"][0] for c in mine["courses"])
    expanded = api.data("/me/courses", params={"expand": "course"})
    valid("learningstudio/courses-envelope.json", expanded)
    assert [c["links"][0]["course"]["id"] for c in expanded["courses"]] == COURSES
    for row in expanded["courses"]:
        valid("learningstudio/course.json", row)
        assert api.data(row["links"][0]["href"]) == {"courses": [row["links"][0]["course"]]}
    assert [c["id"] for c in api.data("/me/courses", account=STUDENT)["courses"]] == STUDENT_COURSES


def test_a_course_its_roster_and_exams(api: Client) -> None:
    course = api.data(f"/courses/{C1}")
    valid("learningstudio/courses-envelope.json", course)
    assert [c["id"] for c in course["courses"]] == [C1]
    roster = api.data(f"/courses/{C1}/enrolledUsers")
    valid("learningstudio/enrolled-users-envelope.json", roster)
    assert {u["id"] for u in roster["enrolledUsers"]} == {u for c, u in ENROLLED if c == C1}
    exams = api.data(f"/courses/{C1}/exams")
    valid("learningstudio/exams-envelope.json", exams)
    assert {e["id"] for e in exams["exams"]} == {OPEN_EXAM[C1], LATER_EXAM[C1]}
    one = api.data(f"/courses/{C1}/exams/{OPEN_EXAM[C1]}")
    valid("learningstudio/exams-envelope.json", one)
    assert [e["id"] for e in one["exams"]] == [OPEN_EXAM[C1]]
    assert api.data(f"/courses/{C1}", account=STUDENT) == course


def test_a_student_outside_a_course_is_403(api: Client) -> None:
    for path in (f"/courses/{NOT_STUDENTS}", f"/courses/{NOT_STUDENTS}/enrolledUsers",
                 f"/courses/{NOT_STUDENTS}/exams", f"/courses/{NOT_STUDENTS}/announcements"):
        is_error(api.get(path, account=STUDENT), 403)


def test_grades_own_or_by_the_instructor_never_another_students(api: Client) -> None:
    path = f"/users/{STUDENT_ID}/courses/{C1}/grades"
    own = api.data(path, account=STUDENT)
    valid("learningstudio/grades-envelope.json", own)
    assert {g["gradebookItemId"] for g in own["grades"]} == {OPEN_EXAM[C1], LATER_EXAM[C1]}
    assert api.data(path) == own
    is_error(api.get(path, account=OTHER), 403)
    is_error(api.get(f"/users/{OTHER_ID}/courses/{C1}/grades", account=STUDENT), 403)


def test_system_date_time_moves_with_the_clock(api: Client) -> None:
    first = api.data("/systemDateTime")
    valid("learningstudio/system-date-time.json", first)
    api.clock.advance(3600)
    later = api.data("/systemDateTime")["systemDateTime"]["value"]
    assert later > first["systemDateTime"]["value"]


def test_an_xml_suffix_answers_xml_and_accept_is_ignored(api: Client) -> None:
    response = api.get(f"/courses/{C1}.xml")
    assert response.status_code == 200 and response.headers["content-type"] == XML_TYPE
    assert response.text.startswith("<?xml") and f"<id>{C1}</id>" in response.text
    assert "<systemDateTime><value>" in api.get("/systemDateTime.xml").text
    only_xml = api.get(f"/courses/{C1}", headers={"Accept": XML_TYPE})
    assert only_xml.status_code == 200 and only_xml.headers["content-type"] == JSON_TYPE
    is_error(api.get(f"/courses/{UNKNOWN_ID}.xml"), 404)


# -- statuses -----------------------------------------------------------------------------------------------
def unknown_paths() -> list[tuple[str, str]]:
    exam, ann = OPEN_EXAM[C1], ANNOUNCEMENTS[C1][0]
    return [("GET", f"/courses/{UNKNOWN_ID}"), ("GET", "/courses/abc"), ("GET", f"/courses/{UNKNOWN_ID}/exams"),
            ("GET", f"/courses/{UNKNOWN_ID}/enrolledUsers"), ("GET", f"/courses/{C1}/exams/{UNKNOWN_ID}"),
            ("GET", f"/courses/{C1}/announcements/{UNKNOWN_ID}"), ("PUT", f"/courses/{C1}/announcements/{UNKNOWN_ID}"),
            ("DELETE", f"/courses/{C1}/announcements/{UNKNOWN_ID}"),
            ("GET", f"/users/{UNKNOWN_ID}/courses/{C1}/grades"),
            ("GET", f"/users/{STUDENT_ID}/courses/{UNKNOWN_ID}/grades"),
            ("POST", f"/users/{STUDENT_ID}/courses/{C1}/exams/{UNKNOWN_ID}/attempts"),
            ("GET", f"/courses/{exam}"), ("GET", f"/courses/{C1}/exams/{ann}")]


def wrong_parents() -> list[tuple[str, str]]:
    exam, ann = OPEN_EXAM[C2], ANNOUNCEMENTS[C2][0]
    return [("GET", f"/courses/{C1}/exams/{exam}"), ("GET", f"/courses/{C1}/announcements/{ann}"),
            ("PUT", f"/courses/{C1}/announcements/{ann}"), ("DELETE", f"/courses/{C1}/announcements/{ann}"),
            ("POST", f"/users/{STUDENT_ID}/courses/{C1}/exams/{exam}/attempts"),
            ("GET", f"/users/{STUDENT_ID}/courses/{C1}/exams/{exam}/attempts"),
            ("GET", f"/users/{STUDENT_ID}/courses/{NOT_STUDENTS}/grades")]


@pytest.mark.parametrize(("method", "path"), unknown_paths())
def test_an_unknown_id_is_404(api: Client, method: str, path: str) -> None:
    is_error(api.request(method, path, json={"subject": "x"}), 404)


@pytest.mark.parametrize(("method", "path"), wrong_parents())
def test_a_child_under_another_parent_is_404(api: Client, method: str, path: str) -> None:
    is_error(api.request(method, path, json={"subject": "x"}), 404)


def test_unknown_paths_and_methods(api: Client) -> None:
    for path in ("/nowhere", "/courses", f"/courses/{C1}/items", "/me/courses/1", "/token/x"):
        is_error(api.get(path), 404)
    for method, path, allow in (("DELETE", f"/courses/{C1}", "GET, HEAD"), ("POST", "/me", "GET, HEAD"),
                                ("PATCH", f"/courses/{C1}/announcements/{ANNOUNCEMENTS[C1][0]}",
                                 "DELETE, GET, HEAD, PUT"),
                                ("PUT", f"/courses/{C1}/announcements", "GET, HEAD, POST"),
                                ("GET", "/token", "POST")):
        response = api.request(method, path, json={})
        is_error(response, 405)
        assert response.headers["allow"] == allow


# -- exam attempts ------------------------------------------------------------------------------------------
def test_starting_an_attempt_answers_201_with_location(api: Client) -> None:
    path = f"/users/{STUDENT_ID}/courses/{C1}/exams/{OPEN_EXAM[C1]}/attempts"
    response = api.post(path, account=STUDENT)
    assert response.status_code == 201
    body = response.json()
    valid("learningstudio/attempt-envelope.json", body)
    assert response.headers["location"] == f"{api.base}{path}/{body['attempt']['id']}"
    assert api.data(response.headers["location"], account=STUDENT) == body
    listed = api.data(path, account=STUDENT)
    valid("learningstudio/attempts-envelope.json", listed)
    assert body["attempt"] in listed["attempts"]


def test_a_student_before_the_exam_opens_or_for_another_is_403(api: Client) -> None:
    later = f"/users/{STUDENT_ID}/courses/{C1}/exams/{LATER_EXAM[C1]}/attempts"
    is_error(api.post(later, account=STUDENT), 403)
    is_error(api.post(f"/users/{OTHER_ID}/courses/{C1}/exams/{OPEN_EXAM[C1]}/attempts", account=STUDENT), 403)
    assert api.post(later).status_code == 201                         # the instructor may


def test_the_later_exam_opens_when_its_time_comes() -> None:
    with start() as server:
        api = Client(server)
        later = f"/users/{STUDENT_ID}/courses/{C1}/exams/{LATER_EXAM[C1]}/attempts"
        assert api.post(later, account=STUDENT).status_code == 403
        api.clock.advance(61 * 86400)
        api.tokens.clear()
        assert api.post(later, account=STUDENT).status_code == 201


# -- announcements ------------------------------------------------------------------------------------------
def test_post_get_put_delete_an_announcement(api: Client) -> None:
    collection = f"/courses/{C1}/announcements"
    listed = api.data(collection)
    valid("learningstudio/announcements-envelope.json", listed)
    assert [a["id"] for a in listed["announcements"]] == ANNOUNCEMENTS[C1]
    dump = api.simulator.store.dump()
    created = api.post(collection, json={"subject": "Exam week", "text": "Bring a pencil."})
    assert created.status_code == 201
    body = created.json()
    valid("learningstudio/announcements-envelope.json", body)
    record = body["announcements"][0]
    location = created.headers["location"]
    assert location == f"{api.base}{collection}/{record['id']}"
    assert api.data(location) == body
    changed = api.request("PUT", location, json={"text": "Bring two pencils."})
    assert changed.status_code == 204 and changed.content == b""
    assert api.data(location)["announcements"][0] == {**record, "text": "Bring two pencils."}
    deleted = api.request("DELETE", location)
    assert deleted.status_code == 204 and deleted.content == b""
    is_error(api.get(location), 404)
    assert api.simulator.store.dump() == dump


def test_a_wrapped_body_is_accepted(api: Client) -> None:
    collection = f"/courses/{C1}/announcements"
    created = api.post(collection, json={"announcements": {"subject": "Wrapped"}})
    assert created.status_code == 201
    assert api.request("DELETE", created.headers["location"]).status_code == 204


@pytest.mark.parametrize(("raw", "status"), [
    (b'{"text": "no subject"}', 400), (b'{"subject": ""}', 400), (b'{"subject": 5}', 400), (b"[]", 400),
    (b"{nope", 400), (b"", 400), (b"<announcement><subject>x</subject></announcement>", 406),
    (b"  <?xml version='1.0'?><a/>", 406),
])
def test_bad_bodies(api: Client, raw: bytes, status: int) -> None:
    dump = api.simulator.store.dump()
    is_error(api.post(f"/courses/{C1}/announcements", data=raw, headers={"Content-Type": JSON_TYPE}), status)
    ann = ANNOUNCEMENTS[C1][0]
    if status == 406 or raw == b"{nope":
        is_error(api.request("PUT", f"/courses/{C1}/announcements/{ann}", data=raw,
                             headers={"Content-Type": JSON_TYPE}), status)
    assert api.simulator.store.dump() == dump


def test_only_the_instructor_writes_announcements(api: Client) -> None:
    ann = ANNOUNCEMENTS[C1][0]
    is_error(api.post(f"/courses/{C1}/announcements", account=STUDENT, json={"subject": "x"}), 403)
    is_error(api.request("PUT", f"/courses/{C1}/announcements/{ann}", account=STUDENT, json={"text": "x"}), 403)
    is_error(api.request("DELETE", f"/courses/{C1}/announcements/{ann}", account=STUDENT), 403)
    assert api.get(f"/courses/{C1}/announcements/{ann}", account=STUDENT).status_code == 200


# -- the server-error switch ----------------------------------------------------------------------------------
def fail(api: Client) -> Callable[..., None]:
    hook = api.simulator.hook("fail")
    assert hook is not None
    return hook


@pytest.mark.parametrize("status", [500, 502, 503])
def test_the_next_requests_fail_then_it_clears(api: Client, status: int) -> None:
    api.login()
    fail(api)(status, next=2)
    assert api.grant(api.form()).status_code == 200             # token requests are never failed
    assert [is_error(api.get("/me"), status)["error"] for _ in range(2)]
    assert api.get("/me").status_code == 200


def test_a_share_fails_every_kth_request_and_none_fails_all_until_cleared(api: Client) -> None:
    api.login()
    fail(api)(503, share=0.5)
    assert [api.get("/me").status_code for _ in range(6)] == [200, 503] * 3
    fail(api)(500)
    assert {api.get("/me").status_code for _ in range(4)} == {500}
    fail(api)(0)
    assert api.get("/me").status_code == 200
    with pytest.raises(ValueError):
        fail(api)(404)


# -- faults ---------------------------------------------------------------------------------------------------
Check = Callable[[Client], None]


def _check(condition: bool) -> None:
    assert condition


def _persists(status: int) -> Check:
    def check(api: Client) -> None:
        api.login()
        fail(api)(status, next=1)
        assert [api.get("/me").status_code for _ in range(4)] == [status] * 4
        fail(api)(0)
    return check


def _no_content_200(api: Client) -> None:
    created = api.post(f"/courses/{C1}/announcements", json={"subject": "Faulty"})
    changed = api.request("PUT", created.headers["location"], json={"text": "t"})
    assert changed.status_code == 200 and changed.json()["announcements"][0]["text"] == "t"
    deleted = api.request("DELETE", created.headers["location"])
    assert deleted.status_code == 200 and deleted.json()["announcements"]


def _expired_like_wrong(api: Client) -> None:
    api.login()
    api.clock.advance(LIFETIME)
    body = is_error(api.get("/me"), 401)
    api.tokens.clear()
    assert body["error"] == "invalid_token"


def _burst(api: Client, count: int) -> list[int]:
    api.login()
    return [api.get("/systemDateTime").status_code for _ in range(count)]


def _wrong_parent_served(api: Client) -> None:
    exam, ann = OPEN_EXAM[C2], ANNOUNCEMENTS[C2][0]
    assert api.data(f"/courses/{C1}/exams/{exam}")["exams"][0]["id"] == exam
    assert api.data(f"/courses/{C1}/announcements/{ann}")["announcements"][0]["id"] == ann


CHECKS: dict[str, Check] = {
    "ls-read-202": lambda api: _check(api.get("/me").status_code == 202
                                      and api.get(f"/courses/{C1}").status_code == 202),
    "ls-created-without-location": lambda api: _check(
        (r := api.post(f"/courses/{C1}/announcements", json={"subject": "x"})).status_code == 201
        and "location" not in r.headers),
    "ls-no-content-200": _no_content_200,
    "missing-field-accepted": lambda api: _check(
        api.post(f"/courses/{C1}/announcements", json={"text": "no subject"}).status_code == 201),
    "ls-bad-token-accepted": lambda api: _check(api.get("/me", account=None).status_code == 200
                                                and api.get("/me", header="nope").json()["me"]["id"] == INSTRUCTOR_ID),
    "expired-like-wrong": _expired_like_wrong,
    "forbidden-as-404": lambda api: _check(api.get(f"/courses/{NOT_STUDENTS}", account=STUDENT).status_code == 404),
    "ls-unknown-id-500": lambda api: _check(api.get(f"/courses/{UNKNOWN_ID}").status_code == 500
                                            and api.get(f"/courses/{C1}/exams/{UNKNOWN_ID}").status_code == 500),
    "unknown-path-400": lambda api: _check(is_error(api.get("/nowhere"), 400) is not None),
    "wrong-parent-400": lambda api: _check(is_error(api.get(f"/courses/{C1}/exams/{OPEN_EXAM[C2]}"), 400) is not None),
    "wrong-parent-served": _wrong_parent_served,
    "invalid-format-400": lambda api: _check(is_error(api.post(
        f"/courses/{C1}/announcements", data=b"<a/>", headers={"Content-Type": JSON_TYPE}), 400) is not None),
    "ls-no-rate-limit": lambda api: _check(set(_burst(api, LIMIT + 20)) == {200}),
    "ls-rate-limit-early": lambda api: _check(_burst(api, 251)[-1] == 429),
    "server-error-persists": _persists(500),
    "bad-gateway-persists": _persists(502),
    "unavailable-persists": _persists(503),
    "refresh-refused": lambda api: _check(api.grant({
        "grant_type": "refresh_token", "client_id": api.creds["LMSCONF_CLIENT_ID"],
        "refresh_token": api.login()["refresh_token"]}).status_code == 400),
}
RULES = {
    "ls-read-202": "status.read-is-200", "ls-created-without-location": "writes.created-location",
    "ls-no-content-200": "status.no-content-is-204", "missing-field-accepted": "status.missing-field-is-400",
    "ls-bad-token-accepted": "status.bad-token-is-401", "expired-like-wrong": "auth.expired-distinguished",
    "forbidden-as-404": "status.forbidden-is-403", "ls-unknown-id-500": "status.unknown-id-is-404",
    "unknown-path-400": "status.unknown-path-is-404", "wrong-parent-400": "status.wrong-parent-is-404",
    "wrong-parent-served": "status.wrong-parent-is-404", "invalid-format-400": "status.invalid-format-is-406",
    "ls-no-rate-limit": "ratelimit.enforced", "ls-rate-limit-early": "ratelimit.allows-documented-burst",
    "server-error-persists": "status.server-error-is-transient",
    "bad-gateway-persists": "status.bad-gateway-is-transient",
    "unavailable-persists": "status.unavailable-is-transient", "refresh-refused": "auth.refresh-renews",
}


def test_the_catalogue_is_the_documented_one() -> None:
    catalogue = {f.name: f for f in ls_faults.FAULTS}
    assert set(catalogue) == set(CHECKS) == set(RULES) and len(ls_faults.FAULTS) == 18
    for name, fault in catalogue.items():
        assert fault.profile == PROFILE and fault.rule == RULES[name] and fault.rule.startswith(f"{fault.area}.")
    modules = [v.module("faults") for v in vendors() if v.name != "learningstudio"]
    others = {f.name for module in modules if module is not None for f in module.FAULTS}
    assert not set(catalogue) & others, "fault names are global: a LearningStudio fault may not reuse another's name"


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
            server.simulator.app.state.limiter.buckets.clear()
            try:
                check(Client(server))
            except (AssertionError, KeyError, ValueError):
                continue
            finally:
                hook = server.simulator.hook("fail")
                assert hook is not None
                hook(0)
            pytest.fail(f"the clean simulator shows fault {name}")
