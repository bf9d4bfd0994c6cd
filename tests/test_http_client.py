"""The HTTP client against a small local server that behaves like Absorb v1.5 (and misbehaves on cue)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from email.utils import formatdate
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from conformance import profiles
from conformance.errors import ConfigError, CredentialsRejected, PermissionDenied, TargetUnreachable, TokenUnreadable
from conformance.http.client import Client
from conformance.http.record import Recorder
from conformance.profiles import Profile

PREFIX = "/api/rest/v1_5"
CREDS = {
    "LMSCONF_API_KEY": "key-7f3a9c2e1b",
    "LMSCONF_USERNAME": "lmsconf-admin",
    "LMSCONF_PASSWORD": 'pa$$ w/rd"1',
}
BIG = 3 * 1024 * 1024


class FakeTarget:
    """Absorb-like behaviour: one valid token per user; switches for the failure modes."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.valid: set[str] = set()
        self.hits: Counter[str] = Counter()
        self.token_shape = "json-string"
        self.serial = itertools.count(1)

    def issue(self) -> str:
        token = f"tok-{next(self.serial)}-{random.getrandbits(64):016x}"
        self.valid = {token}
        return token

    def authorised(self, request: Request) -> Response | None:
        if request.headers.get("x-api-key") != CREDS["LMSCONF_API_KEY"]:
            return JSONResponse({"message": "Forbidden"}, status_code=403)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self.valid:
            return JSONResponse({"message": "Authorization has been denied for this request."}, status_code=401)
        return None


def build_app(state: FakeTarget, other_port: Callable[[], int]) -> Starlette:
    async def authenticate(request: Request) -> Response:
        state.hits["authenticate"] += 1
        if request.headers.get("x-api-key") != CREDS["LMSCONF_API_KEY"]:
            return JSONResponse({"message": "Forbidden"}, status_code=403)
        body = await request.json()
        wanted = {"username": "LMSCONF_USERNAME", "password": "LMSCONF_PASSWORD", "privateKey": "LMSCONF_API_KEY"}
        if any(body.get(field) != CREDS[env] for field, env in wanted.items()):
            return JSONResponse({"message": "Invalid credentials"}, status_code=401)
        token = state.issue()
        return JSONResponse({"token": token} if state.token_shape == "object" else token)

    async def users(request: Request) -> Response:
        state.hits["users"] += 1
        denied = state.authorised(request)
        if denied is not None:
            return denied
        token = request.headers["authorization"].split(" ", 1)[1]
        body = (await request.body()).decode()
        leak = {"echo": dict(request.headers), "query": str(request.query_params), "body": body}
        return JSONResponse({"totalItems": 1, "users": [{"id": "u1", "username": "ada"}], "leak": leak},
                            headers={"x-echo-token": token, "set-cookie": f"session={token}; HttpOnly"})

    async def always_401(request: Request) -> Response:
        return JSONResponse({"message": "Authorization has been denied for this request."}, status_code=401)

    async def limited(request: Request) -> Response:
        mode, count = request.query_params["mode"], int(request.query_params["n"])
        state.hits[f"limited-{mode}"] += 1
        if state.hits[f"limited-{mode}"] > count:
            return JSONResponse({"ok": True})
        headers = {"seconds": {"Retry-After": "3"}, "huge": {"Retry-After": "3600"},
                   "date": {"Retry-After": formatdate(time.time() + 5, usegmt=True)}}.get(mode, {})
        return JSONResponse({"message": "Too many requests"}, status_code=429, headers=headers)

    async def redirect(request: Request) -> Response:
        return RedirectResponse(f"http://127.0.0.1:{other_port()}/steal", status_code=302)

    async def big(request: Request) -> Response:
        return PlainTextResponse("z" * BIG)

    async def whoami(request: Request) -> Response:
        if request.headers.get("authorization") != "Bearer static-token-abcdef":
            return JSONResponse({"message": "denied"}, status_code=401)
        return JSONResponse({"ok": True})

    async def ping(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(routes=[
        Route(f"{PREFIX}/authenticate", authenticate, methods=["POST"]),
        Route(f"{PREFIX}/users", users, methods=["GET", "POST"]),
        Route(f"{PREFIX}/always401", always_401),
        Route(f"{PREFIX}/limited", limited),
        Route(f"{PREFIX}/redirect", redirect),
        Route(f"{PREFIX}/big", big),
        Route(f"{PREFIX}/whoami", whoami),
        Route(f"{PREFIX}/ping", ping),
    ])


def build_other(hits: Counter[str]) -> Starlette:
    async def steal(request: Request) -> Response:
        hits["steal"] += 1
        hits.update(k for k in request.headers if k in {"authorization", "x-api-key"})
        return PlainTextResponse("got you")

    return Starlette(routes=[Route("/steal", steal), Route("/x", steal)])


class Served:
    def __init__(self, app: Starlette) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port: int = sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FakeTarget, Served, Served, Counter[str]]]:
    state, other_hits = FakeTarget(), Counter[str]()
    other = Served(build_other(other_hits))
    main = Served(build_app(state, lambda: other.port))
    yield state, main, other, other_hits
    main.stop()
    other.stop()


@pytest.fixture
def state(servers: tuple[FakeTarget, Served, Served, Counter[str]]) -> FakeTarget:
    servers[0].reset()
    servers[3].clear()
    return servers[0]


@pytest.fixture
def base_url(servers: tuple[FakeTarget, Served, Served, Counter[str]]) -> str:
    return f"http://127.0.0.1:{servers[1].port}{PREFIX}"


@pytest.fixture
def make(base_url: str, state: FakeTarget) -> Iterator[Callable[..., Client]]:
    made: list[Client] = []

    def factory(profile: Profile | None = None, creds: dict[str, str] | None = None, **kwargs: Any) -> Client:
        client = Client(profile or profiles.load("absorb-v1_5"), kwargs.pop("base", base_url),
                        CREDS if creds is None else creds, **kwargs)
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


def with_section(profile: Profile, name: str, value: dict[str, Any]) -> Profile:
    return dataclasses.replace(profile, raw={**profile.raw, name: value})


# ---- authentication ---------------------------------------------------------------------------


def test_authenticates_once_then_sends_key_and_bearer(make: Callable[..., Client], state: FakeTarget) -> None:
    client = make()
    assert client.get("/users").status_code == 200
    assert client.get("users").status_code == 200
    assert state.hits["authenticate"] == 1
    purposes = [(ex.purpose, ex.status) for ex in client.recorder.exchanges]
    assert purposes == [("authenticate", 200), ("request", 200), ("request", 200)]
    assert client.stats.requests == 3 and client.stats.authentications == 1
    sent = client.recorder.exchanges[1].request_headers
    assert sent["x-api-key"] == "${LMSCONF_API_KEY}"
    assert sent["Authorization"] == "Bearer ${LMSCONF_TOKEN}"


def test_base_url_with_trailing_slash(make: Callable[..., Client], base_url: str) -> None:
    client = make(base=base_url + "/")
    assert client.url("/users") == base_url + "/users"
    assert client.url("users?x=1") == base_url + "/users?x=1"
    assert client.get("/users/").status_code in (200, 307, 404)
    assert client.get("users").status_code == 200


def test_expired_token_reauthenticates_once(make: Callable[..., Client], state: FakeTarget) -> None:
    client = make()
    first = client.authenticate()
    state.valid.clear()  # the token "expires" on the server
    assert client.get("/users").status_code == 200
    assert client.authenticate() != first
    assert [ex.purpose for ex in client.recorder.exchanges] == [
        "authenticate", "request", "re-authenticate", "retry-401"]
    assert client.stats.reauthentications == 1


def test_persistent_401_is_a_permissions_problem_not_a_loop(make: Callable[..., Client], state: FakeTarget) -> None:
    client = make()
    with pytest.raises(PermissionDenied) as err:
        client.get("/always401")
    reason = str(err.value)
    assert reason.startswith(f"HTTP 401 to GET {PREFIX}/always401 again right after a fresh token")
    assert "permissions" in reason
    assert isinstance(err.value, CredentialsRejected)
    assert err.value.exit_code == 3
    assert state.hits["authenticate"] == 2
    assert not any(secret in reason for secret in client.secrets())


def test_wrong_api_key_on_authenticate_is_rejected(make: Callable[..., Client]) -> None:
    client = make(creds={**CREDS, "LMSCONF_API_KEY": "wrong-key-000"})
    with pytest.raises(CredentialsRejected, match=r"^authentication rejected: HTTP 403 from /authenticate$"):
        client.authenticate()
    with pytest.raises(CredentialsRejected):
        client.get("/users")


def test_token_in_an_undocumented_shape_is_unreadable(make: Callable[..., Client], state: FakeTarget) -> None:
    state.token_shape = "object"
    client = make()
    with pytest.raises(TokenUnreadable, match=r"^authentication answered HTTP 200 from /authenticate but"):
        client.authenticate()
    leaked = [s for s in (*state.valid,) for ex in client.recorder.exchanges if s in ex.response_body]
    assert not leaked, "a token the client could not read must still not be stored in clear"


def test_missing_credential_fails_before_any_request(make: Callable[..., Client]) -> None:
    creds = {k: v for k, v in CREDS.items() if k != "LMSCONF_PASSWORD"}
    with pytest.raises(ConfigError, match=r"^LMSCONF_PASSWORD is not set \(profile absorb-v1_5 needs it\)$"):
        make(creds=creds)


def test_auth_false_sends_only_the_callers_headers(make: Callable[..., Client], state: FakeTarget) -> None:
    client = make()
    response = client.get("/users", auth=False, headers={"x-api-key": "wrong-key-000"}, deliberate=True)
    assert response.status_code == 403
    assert state.hits["authenticate"] == 0
    (ex,) = client.recorder.exchanges
    assert ex.deliberate and "Authorization" not in ex.request_headers
    assert ex.request_headers["x-api-key"] == "[redacted]"


def test_auth_headers_lets_a_test_vary_one_credential(make: Callable[..., Client]) -> None:
    client = make()
    bad = client.auth_headers(token="not-a-token")
    assert client.get("/users", auth=False, headers=bad, deliberate=True).status_code == 401
    no_key = client.auth_headers(include_key=False)
    assert client.get("/users", auth=False, headers=no_key, deliberate=True).status_code == 403
    assert client.get("/users", auth=False, headers=client.auth_headers()).status_code == 200


def test_static_bearer(make: Callable[..., Client]) -> None:
    profile = with_section(profiles.load("absorb-v1_5"), "auth",
                           {"style": "static-bearer", "credentials": ["LMSCONF_TOKEN"]})
    client = make(profile=profile, creds={"LMSCONF_TOKEN": "static-token-abcdef"})
    assert client.get("/whoami").status_code == 200
    assert client.recorder.exchanges[0].request_headers["Authorization"] == "Bearer ${LMSCONF_TOKEN}"
    with pytest.raises(CredentialsRejected, match=r"^credentials rejected: HTTP 401 to GET"):
        client.get("/always401")
    assert client.stats.reauthentications == 0


def test_concurrent_401s_reauthenticate_once(make: Callable[..., Client], state: FakeTarget) -> None:
    client = make()
    client.authenticate()
    state.valid.clear()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            assert client.get("/users").status_code == 200
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert client.stats.reauthentications == 1
    assert sorted(ex.seq for ex in client.recorder.exchanges) == list(range(1, client.recorder.count + 1))


# ---- 429 --------------------------------------------------------------------------------------


def test_429_with_retry_after_seconds(make: Callable[..., Client]) -> None:
    waits: list[float] = []
    client = make(sleep=waits.append)
    response = client.get("/limited", params={"mode": "seconds", "n": 2}, auth=False)
    assert response.status_code == 200
    assert waits == [3.0, 3.0]
    assert (client.stats.retried_429, client.stats.unintended_429) == (2, 2)
    assert client.stats.waited_429_s == 6.0
    recorded = [(ex.purpose, ex.attempt, ex.status) for ex in client.recorder.exchanges]
    assert recorded == [("request", 1, 429), ("retry-429", 2, 429), ("retry-429", 3, 200)]


def test_429_with_retry_after_http_date(make: Callable[..., Client]) -> None:
    waits: list[float] = []
    client = make(sleep=waits.append)
    assert client.get("/limited", params={"mode": "date", "n": 1}, auth=False).status_code == 200
    (wait,) = waits
    assert 3.5 < wait <= 5.0


def test_429_asking_for_more_than_the_longest_wait_is_returned(make: Callable[..., Client]) -> None:
    waits: list[float] = []
    client = make(sleep=waits.append)
    assert client.get("/limited", params={"mode": "huge", "n": 1}, auth=False).status_code == 429
    assert waits == []


def test_429_without_retry_after_uses_full_jitter(make: Callable[..., Client]) -> None:
    waits: list[float] = []
    client = make(sleep=waits.append, rng=random.Random(7))
    assert client.get("/limited", params={"mode": "none", "n": 4}, auth=False).status_code == 200
    expected_rng = random.Random(7)
    expected = [expected_rng.uniform(0, min(2.0, 0.05 * 2 ** i)) for i in range(4)]
    assert waits == pytest.approx(expected)
    assert all(0 <= w <= min(2.0, 0.05 * 2 ** i) for i, w in enumerate(waits))


def test_429_gives_up_after_max_retries(make: Callable[..., Client]) -> None:
    waits: list[float] = []
    client = make(sleep=waits.append)
    assert client.get("/limited", params={"mode": "seconds", "n": 100}, auth=False).status_code == 429
    assert len(waits) == 5 and client.recorder.count == 6
    assert (client.stats.retried_429, client.stats.unintended_429) == (5, 6)


def test_deliberate_429_is_returned_as_is(make: Callable[..., Client]) -> None:
    waits: list[float] = []
    client = make(sleep=waits.append)
    response = client.get("/limited", params={"mode": "seconds", "n": 1}, auth=False, retry_429=False,
                          deliberate=True)
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    assert waits == []
    assert (client.stats.retried_429, client.stats.unintended_429) == (0, 0)


# ---- transport ----------------------------------------------------------------------------------


def test_redirect_to_another_host_is_not_followed(
        make: Callable[..., Client], servers: tuple[FakeTarget, Served, Served, Counter[str]]) -> None:
    other_hits = servers[3]
    client = make()
    response = client.get("/redirect")
    assert response.status_code == 302
    assert response.headers["location"].endswith("/steal")
    assert other_hits == Counter()
    assert [ex.status for ex in client.recorder.exchanges] == [200, 302]


def test_credentials_are_never_sent_to_another_origin(
        make: Callable[..., Client], servers: tuple[FakeTarget, Served, Served, Counter[str]]) -> None:
    client = make()
    elsewhere = f"http://127.0.0.1:{servers[2].port}/x"
    assert not client.same_origin(elsewhere)
    with pytest.raises(ValueError, match="refusing to send credentials"):
        client.get(elsewhere)
    assert servers[3] == Counter()
    assert client.get(elsewhere, auth=False).status_code == 200


def test_unreachable_target() -> None:
    client = Client(profiles.load("absorb-v1_5"), "http://127.0.0.1:9/api", CREDS)
    with pytest.raises(TargetUnreachable) as err:
        client.get("/users")
    assert str(err.value) == "127.0.0.1:9 unreachable: connection refused"
    assert err.value.exit_code == 3
    (ex,) = client.recorder.exchanges
    assert (ex.purpose, ex.status, ex.reason) == ("authenticate", None, "connection refused")
    with pytest.raises(TargetUnreachable):
        client.get("/users", auth=False)
    client.close()


def test_a_bad_base_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="is not an http"):
        Client(profiles.load("absorb-v1_5"), "ftp://h/x", CREDS)


def test_large_bodies_are_stored_whole_then_clipped_once_old(make: Callable[..., Client]) -> None:
    client = make(recorder=Recorder(full_bytes=BIG + BIG // 2))
    response = client.get("/big", auth=False)
    assert len(response.content) == BIG
    (ex,) = client.recorder.exchanges
    assert not ex.truncated and not ex.clipped and len(ex.response_body) == BIG   # rules read it whole
    client.get("/big", auth=False)
    old, new = client.recorder.exchanges
    assert old.clipped and old.response_body.endswith(f"of {BIG} characters kept]") and not new.clipped
    assert len(old.response_body) < 32 * 1024 + 100


@pytest.mark.timing   # an upper bound on elapsed time: run alone (make test)
def test_throttle_holds_the_rate_unless_turned_off(make: Callable[..., Client]) -> None:
    profile = with_section(profiles.load("absorb-v1_5"), "ratelimit", {"requests": 5, "per_seconds": 0.5})
    client = make(profile=profile)
    start = time.monotonic()
    for _ in range(11):
        client.get("/ping", auth=False)
    throttled = time.monotonic() - start
    start = time.monotonic()
    for _ in range(11):
        client.get("/ping", auth=False, throttle=False)
    burst = time.monotonic() - start
    assert 0.95 <= throttled < 2.5
    assert burst < 0.5
    assert client.stats.throttle_wait_s >= 0.5  # the rest of the second went on the requests themselves
    unthrottled = make(profile=profile, throttle=False)
    start = time.monotonic()
    for _ in range(11):
        unthrottled.get("/ping", auth=False)
    assert time.monotonic() - start < 0.5


# ---- redaction ----------------------------------------------------------------------------------


def _exercise(client: Client, state: FakeTarget) -> None:
    client.get("/users", params={"apikey": CREDS["LMSCONF_API_KEY"], "q": CREDS["LMSCONF_PASSWORD"]})
    client.post("/users", json={"password": CREDS["LMSCONF_PASSWORD"], "note": CREDS["LMSCONF_API_KEY"]})
    state.valid.clear()
    client.get("/users")
    client.get("/users", auth=False, headers=client.auth_headers(), deliberate=True)
    client.get("/users", auth=False, headers={"Cookie": f"s={client.authenticate()}"}, deliberate=True)


def test_no_secret_is_ever_recorded(make: Callable[..., Client], state: FakeTarget) -> None:
    client = make()
    _exercise(client, state)
    secrets = client.secrets()
    assert set(CREDS.values()) - {CREDS["LMSCONF_USERNAME"]} <= set(secrets)
    assert sum(s.startswith("tok-") for s in secrets) == 2
    exchanges = client.recorder.exchanges
    assert len(exchanges) == 8
    for ex in exchanges:
        blob = json.dumps(dataclasses.asdict(ex)) + repr(ex) + ex.curl()
        for secret in secrets:
            for form in (secret, json.dumps(secret)[1:-1]):
                assert form not in blob, f"exchange {ex.seq} ({ex.purpose}) leaks a secret"
    auth = exchanges[0]
    assert auth.purpose == "authenticate"
    assert json.loads(auth.request_body or "")["password"] == "${LMSCONF_PASSWORD}"
    assert auth.json() == "${LMSCONF_TOKEN}"
    assert exchanges[1].response_headers["x-echo-token"] == "${LMSCONF_TOKEN}"
    assert exchanges[1].response_headers["set-cookie"] == "[redacted]"
    assert "apikey=${LMSCONF_API_KEY}" in exchanges[1].url


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_line_reproduces_the_request(make: Callable[..., Client], state: FakeTarget) -> None:
    client = make()
    client.get("/users", params={"_limit": 5})
    line = client.recorder.exchanges[-1].curl()
    env = {"PATH": "/usr/bin:/bin", "LMSCONF_API_KEY": CREDS["LMSCONF_API_KEY"],
           "LMSCONF_TOKEN": client.authenticate()}
    out = subprocess.run(["sh", "-c", line], env=env, capture_output=True, text=True, timeout=10).stdout
    assert out.startswith("HTTP/1.1 200")
    assert '"username":"ada"' in out


def test_forced_authenticate_is_an_authenticate(make: Callable[..., Client], state: FakeTarget) -> None:
    client = make()
    first = client.authenticate()
    second = client.authenticate(force=True)
    assert first != second and state.valid == {second}
    assert [ex.purpose for ex in client.recorder.exchanges] == ["authenticate", "authenticate"]
    assert (client.stats.authentications, client.stats.reauthentications) == (2, 0)


def test_an_expired_token_is_replaced_before_it_is_refused(make: Callable[..., Client], state: FakeTarget) -> None:
    absorb = profiles.load("absorb-v1_5")
    client = make(profile=with_section(absorb, "auth", {**absorb.auth, "token_lifetime_s": 1}))
    assert client.get("/users").status_code == 200
    time.sleep(0.95)
    assert client.get("/users").status_code == 200
    assert [ex.purpose for ex in client.recorder.exchanges] == [
        "authenticate", "request", "re-authenticate", "request"]
    assert client.stats.reauthentications == 1
