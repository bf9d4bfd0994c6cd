"""No secret in any artifact, also when the target misbehaves: tokens issued outside the client's own
authentication, credentials that requests would quote in an error, credentials inside --base-url."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from conformance import profiles
from conformance.errors import ConfigError
from conformance.http.client import Client
from conformance.target import credentials_from_env, display_url
from tests.support import PROFILE, lmsconf

CREDS = {"LMSCONF_API_KEY": "key-7f3a9c2e1b", "LMSCONF_USERNAME": "lmsconf-admin",
         "LMSCONF_PASSWORD": "pw-0c4e8a1d"}
# What a target that ignores the API key hands out to anyone asking.
ISSUED = {
    "bare": "bare-tok-3b9f0e7a6c2d41",
    "access": "acc-tok-91d2c6e0f8",
    "refresh": "ref-tok-5e7a2b9c3d",
    "nested": "nest-tok-0a1b2c3d4e",
    "camel": "camel-tok-6f5e4d3c2b",
    "plain": "plain-tok-8c7b6a5f4e3d",
}
NOT_SECRETS = ("ordinary-username-1", "Not a token at all")


def build_app() -> Starlette:
    async def authenticate(request: Request) -> Response:
        return JSONResponse(ISSUED["bare"])   # Absorb's shape, whatever key was sent

    async def oauth(request: Request) -> Response:
        return JSONResponse({"access_token": ISSUED["access"], "refresh_token": ISSUED["refresh"],
                             "token_type": "Bearer", "expires_in": 3600})

    async def nested(request: Request) -> Response:
        return JSONResponse({"data": {"session": {"token": ISSUED["nested"]}}, "user": {"accessToken": ISSUED["camel"]},
                             "username": NOT_SECRETS[0]})

    async def plain(request: Request) -> Response:
        return PlainTextResponse(ISSUED["plain"])

    async def message(request: Request) -> Response:
        return JSONResponse(NOT_SECRETS[1])

    async def echo(request: Request) -> Response:
        body = (await request.body()).decode()
        return JSONResponse({"headers": dict(request.headers), "query": str(request.query_params), "body": body,
                             "all": list(ISSUED.values())}, headers={"x-echo": ISSUED["bare"]})

    async def odd_charset(request: Request) -> Response:
        return Response(json.dumps({"ok": "é"}).encode(), media_type="application/json; charset=x-unknown")

    return Starlette(routes=[
        Route("/authenticate", authenticate, methods=["POST"]),
        Route("/oauth/token", oauth, methods=["POST"]),
        Route("/nested", nested),
        Route("/plain-token", plain, methods=["POST"]),
        Route("/message", message),
        Route("/echo", echo, methods=["GET", "POST"]),
        Route("/odd-charset", odd_charset),
    ])


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(build_app(), log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(5)


def blob(client: Client) -> str:
    return "\n".join(json.dumps(dataclasses.asdict(ex)) + ex.curl() for ex in client.recorder.exchanges)


def test_every_token_any_answer_carries_is_redacted(base_url: str) -> None:
    client = Client(profiles.load(PROFILE), base_url, CREDS, throttle=False)
    wrong = {"x-api-key": "lmsconf-wrong-api-key-0000"}
    client.post("/authenticate", json={"username": "u"}, headers=wrong, auth=False, deliberate=True)
    client.post("/oauth/token", data={"grant_type": "password"}, auth=False, deliberate=True)
    client.get("/nested", auth=False, deliberate=True)
    client.get("/message", auth=False, deliberate=True)
    client.post("/authenticate", auth=False, deliberate=True)
    # then the tokens travel back out, in headers, query and body, and the target echoes them
    for token in ISSUED.values():
        if token != ISSUED["plain"]:
            client.post("/echo", params={"t": token}, json={"token": token},
                        headers={"Authorization": f"Bearer {token}"}, auth=False, deliberate=True)
    recorded = blob(client)
    leaked = [name for name, token in ISSUED.items() if name != "plain" and token in recorded]
    assert not leaked, f"tokens recorded raw: {leaked}"
    assert "${LMSCONF_TOKEN}" in recorded
    for word in NOT_SECRETS:
        assert word in recorded  # ordinary data is left alone


def test_a_bare_word_answer_to_the_token_path_is_redacted(base_url: str) -> None:
    absorb = profiles.load(PROFILE)
    profile = dataclasses.replace(absorb, raw={**absorb.raw, "auth": {**absorb.auth, "token_path": "/plain-token"}})
    client = Client(profile, base_url, CREDS, throttle=False)
    client.post("/plain-token", json={}, auth=False, deliberate=True)
    client.get("/echo", params={"t": ISSUED["plain"]}, auth=False, deliberate=True)
    assert ISSUED["plain"] not in blob(client)


@pytest.mark.parametrize("bad", ["\nkey-7f3a9c2e1b", " key-7f3a9c2e1b", "key-7f3a9c2e1b ", "key-7f3a\r\n9c2e1b"])
def test_a_malformed_api_key_is_named_never_quoted(base_url: str, bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Client(profiles.load(PROFILE), base_url, {**CREDS, "LMSCONF_API_KEY": bad}, throttle=False).get("/echo")
    message = str(caught.value)
    assert "LMSCONF_API_KEY" in message and bad.strip() not in message
    assert "key-7f3a" not in message and "9c2e1b" not in message
    assert caught.value.__context__ is None or caught.value.__suppress_context__


def test_a_header_requests_refuses_is_named_never_quoted(base_url: str) -> None:
    client = Client(profiles.load(PROFILE), base_url, CREDS, throttle=False)
    with pytest.raises(ConfigError) as caught:
        client.get("/echo", headers={"X-Api-Key": " " + CREDS["LMSCONF_API_KEY"]})
    assert "LMSCONF_API_KEY" in str(caught.value) and "7f3a" not in str(caught.value)
    assert caught.value.__suppress_context__


@pytest.mark.parametrize("bad", ["\nkey-7f3a9c2e1b", " key-7f3a9c2e1b", "key-7f3a9c2e1b\n"])
def test_credentials_from_env_refuses_a_malformed_key_without_quoting_it(bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        credentials_from_env(profiles.load(PROFILE), {**CREDS, "LMSCONF_API_KEY": bad})
    assert "LMSCONF_API_KEY" in str(caught.value) and "7f3a" not in str(caught.value)


def test_a_password_with_a_newline_is_refused_too() -> None:
    with pytest.raises(ConfigError, match="LMSCONF_PASSWORD"):
        credentials_from_env(profiles.load(PROFILE), {**CREDS, "LMSCONF_PASSWORD": "pw-0c4e\n8a1d"})


def test_an_unknown_charset_is_read_as_utf8(base_url: str) -> None:
    client = Client(profiles.load(PROFILE), base_url, CREDS, throttle=False)
    response = client.get("/odd-charset", auth=False, deliberate=True)
    assert response.status_code == 200
    assert client.recorder.exchanges[-1].json() == {"ok": "é"}


@pytest.mark.parametrize(("url", "shown"), [
    ("http://admin:hunter22@sandbox.example.com/api", "http://sandbox.example.com/api"),
    ("https://sandbox.example.com/api?api_key=s3cr3t-v4lue&region=eu",
     "https://sandbox.example.com/api?api_key=[redacted]&region=eu"),
    ("https://h.example.com:8443/?token=abcd1234&key=k-99887766&secret=zz-445566", None),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
])
def test_display_url_hides_userinfo_and_query_credentials(url: str, shown: str | None) -> None:
    out = display_url(url)
    if shown is not None:
        assert out == shown
    for secret in ("hunter22", "s3cr3t-v4lue", "abcd1234", "k-99887766", "zz-445566", "admin:"):
        assert secret not in out


def test_credentials_in_the_base_url_reach_neither_terminal_nor_summary(tmp_path: Path) -> None:
    url = "http://admin:hunter22@127.0.0.1:9/api?api_key=s3cr3t-v4lue"
    done = lmsconf("run", "--profile", PROFILE, "--base-url", url, "--report-dir", str(tmp_path), env=CREDS)
    assert done.returncode == 3, done.stderr
    files = "".join(p.read_text() for p in tmp_path.rglob("*.json"))
    assert "127.0.0.1:9" in files
    for secret in ("hunter22", "s3cr3t-v4lue"):
        assert secret not in done.stdout + done.stderr + files
