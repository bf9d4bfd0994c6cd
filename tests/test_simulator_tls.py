"""HTTPS serving of an HTTPS-only profile: a certificate from a local CA for 127.0.0.1 and localhost, the
plain-HTTP port's 302 to the HTTPS URL whatever the method, the announce lines, and plain HTTP unchanged for
every other profile."""

from __future__ import annotations

import dataclasses
import io
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from conformance.profiles import Profile, load
from conformance.simulator import Simulator, SimulatorServer
from conformance.simulator.server import announce
from conformance.simulator.tls import LocalTLS, Redirect, https_only

BASE_PROFILE = "ihasco"     # a profile served over plain HTTP, made HTTPS-only for these tests


def secure_profile() -> Profile:
    profile = load(BASE_PROFILE)
    raw = dict(profile.raw)
    raw["media"] = {**profile.section("media"), "https_only": True}
    return dataclasses.replace(profile, raw=raw)


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(Simulator(secure_profile())) as running:
        yield running


def token_header(server: SimulatorServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.simulator.credentials['LMSCONF_TOKEN']}"}


def test_https_only_is_read_from_the_media_section() -> None:
    assert https_only(secure_profile().raw)
    assert not https_only(load(BASE_PROFILE).raw)
    assert https_only(load("assignr").raw)


def test_the_server_names_its_https_url_its_http_url_and_its_ca(server: SimulatorServer) -> None:
    assert server.base_url.startswith("https://127.0.0.1:")
    assert server.http_url is not None and server.http_url.startswith("http://127.0.0.1:")
    assert server.http_url.rsplit(":", 1)[1] != server.base_url.rsplit(":", 1)[1]
    assert server.ca_bundle is not None
    text = Path(server.ca_bundle).read_text(encoding="ascii")
    assert text.startswith("-----BEGIN CERTIFICATE-----")


def test_a_client_trusting_the_ca_is_served(server: SimulatorServer) -> None:
    response = requests.get(server.base_url + "/users", headers=token_header(server), verify=server.ca_bundle,
                            timeout=10)
    assert response.status_code == 200


def test_the_certificate_names_localhost_too(server: SimulatorServer) -> None:
    url = server.base_url.replace("127.0.0.1", "localhost")
    response = requests.get(url + "/users", headers=token_header(server), verify=server.ca_bundle, timeout=10)
    assert response.status_code == 200


def test_a_client_not_trusting_the_ca_fails_verification(server: SimulatorServer) -> None:
    with pytest.raises(requests.exceptions.SSLError) as caught:
        requests.get(server.base_url + "/users", timeout=10)
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)


def test_plain_http_to_the_https_port_is_no_answer(server: SimulatorServer) -> None:
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(server.base_url.replace("https://", "http://") + "/users", timeout=10)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"])
def test_the_http_port_redirects_every_method_to_the_same_path_over_https(server: SimulatorServer,
                                                                          method: str) -> None:
    assert server.http_url is not None
    response = requests.request(method, server.http_url + "/users/12?page=2&limit=5", data=b'{"x": 1}',
                                headers={"Authorization": "Bearer nothing-read"}, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["location"] == server.base_url + "/users/12?page=2&limit=5"
    assert len(response.content) < 200


def test_the_redirect_followed_with_the_ca_reaches_the_api(server: SimulatorServer) -> None:
    assert server.http_url is not None
    response = requests.get(server.http_url + "/users", verify=server.ca_bundle, timeout=10)
    assert response.status_code == 401      # the API itself answered: no token was sent
    assert response.url.startswith(server.base_url)
    assert [r.status_code for r in response.history] == [302]


def test_the_root_path_redirects_too(server: SimulatorServer) -> None:
    assert server.http_url is not None
    response = requests.get(server.http_url, allow_redirects=False, timeout=10)
    assert response.status_code == 302 and response.headers["location"] == server.base_url + "/"


def test_the_ca_lives_as_long_as_the_server() -> None:
    running = SimulatorServer(Simulator(secure_profile())).start()
    bundle = running.ca_bundle
    assert bundle is not None and Path(bundle).is_file()
    running.stop()
    assert not Path(bundle).exists()
    assert running.ca_bundle is None


def test_other_profiles_keep_plain_http() -> None:
    with SimulatorServer(Simulator(BASE_PROFILE)) as plain:
        assert plain.base_url.startswith("http://127.0.0.1:")
        assert plain.http_url is None and plain.ca_bundle is None
        response = requests.get(plain.base_url + "/users", headers=token_header(plain), timeout=10)
        assert response.status_code == 200


def test_local_tls_files_load_as_a_server_context() -> None:
    tls = LocalTLS()
    try:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls.certfile, tls.keyfile)
        trust = ssl.create_default_context(cafile=str(tls.ca_bundle))
        assert trust.cert_store_stats()["x509_ca"] == 1
    finally:
        tls.close()
    assert not tls.ca_bundle.exists()


def test_redirect_location_keeps_path_and_query() -> None:
    redirect = Redirect("https://127.0.0.1:9/")
    scope = {"type": "http", "path": "//sites", "raw_path": b"//sites", "query_string": b"page=2"}
    assert redirect.location(scope) == "https://127.0.0.1:9//sites?page=2"


def test_announce_prints_the_https_url_then_the_http_url_and_the_ca_then_credentials() -> None:
    out = io.StringIO()
    announce("https://127.0.0.1:1/api/v2", {"LMSCONF_CLIENT_ID": "a", "LMSCONF_CLIENT_SECRET": "b c"}, out,
             http_url="http://127.0.0.1:2/api/v2", ca_bundle="/tmp/x/ca.pem")
    assert out.getvalue().splitlines() == [
        "LMSCONF_BASE_URL=https://127.0.0.1:1/api/v2", "LMSCONF_HTTP_URL=http://127.0.0.1:2/api/v2",
        "LMSCONF_CA_BUNDLE=/tmp/x/ca.pem", "LMSCONF_CLIENT_ID=a", "LMSCONF_CLIENT_SECRET='b c'"]


def test_announce_without_https_is_unchanged() -> None:
    out = io.StringIO()
    announce("http://127.0.0.1:1", {"LMSCONF_TOKEN": "t"}, out)
    assert out.getvalue().splitlines() == ["LMSCONF_BASE_URL=http://127.0.0.1:1", "LMSCONF_TOKEN=t"]


def test_simulate_announces_https_then_the_http_url_and_the_ca_then_credentials() -> None:
    import subprocess
    import sys

    from conformance.runner import stop
    from tests.support import child_env

    command = [sys.executable, "-m", "conformance.cli", "simulate", "--profile", "assignr"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=child_env()) as child:
        try:
            assert child.stdout is not None
            lines = [child.stdout.readline().strip() for _ in range(5)]
            settings = dict(line.split("=", 1) for line in lines)
            assert list(settings) == ["LMSCONF_BASE_URL", "LMSCONF_HTTP_URL", "LMSCONF_CA_BUNDLE",
                                      "LMSCONF_CLIENT_ID", "LMSCONF_CLIENT_SECRET"]
            base, http_url = settings["LMSCONF_BASE_URL"], settings["LMSCONF_HTTP_URL"]
            assert base.startswith("https://127.0.0.1:") and base.endswith("/api/v2")
            assert http_url.startswith("http://127.0.0.1:") and http_url.endswith("/api/v2")
            origin = base.removesuffix("/api/v2")
            token = requests.post(origin + "/oauth/token", data={
                "client_id": settings["LMSCONF_CLIENT_ID"], "client_secret": settings["LMSCONF_CLIENT_SECRET"],
                "grant_type": "client_credentials"}, verify=settings["LMSCONF_CA_BUNDLE"], timeout=10)
            assert token.status_code == 200
            redirected = requests.get(http_url + "/sites", allow_redirects=False, timeout=10)
            assert redirected.status_code == 302 and redirected.headers["location"] == base + "/sites"
        finally:
            status = stop(child)
    assert status == 0
