"""The test proxy (tests/proxy.py): faithful pass-through, and each of its alterations."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.proxy import Proxy, parse_delay
from tests.support import child_env


class _Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if parts.path == "/base/redirect":
            self._answer(302, b"", {"Location": "http://127.0.0.1:9/elsewhere"})
        elif parts.path == "/base/created":
            self._answer(201, b"{}", {"Location": f"http://{self.headers['Host']}/base/created/7"})
        elif parts.path == "/base/limited":
            with self.server.lock:
                self.server.limited += 1
                first = self.server.limited <= 2
            if first:
                self._answer(429, b"slow down", {"Retry-After": "0"})
            else:
                self._answer(200, b"ok")
        elif parts.path == "/base/slow":
            time.sleep(0.2)
            self._answer(200, b"slow")
        else:
            echo = {"method": self.command, "path": parts.path, "query": parse_qs(parts.query),
                    "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body.decode()}
            self._answer(200, json.dumps(echo).encode(), {"Content-Type": "application/json", "X-Version": "1.5.1",
                                                          "Set-Cookie": "a=1"})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    server.daemon_threads = True
    server.request_queue_size = 256
    server.lock = threading.Lock()  # type: ignore[attr-defined]
    server.limited = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/base"
    server.shutdown()
    server.server_close()


def test_passes_method_headers_body_and_content_type_through(upstream: str) -> None:
    with Proxy(upstream) as proxy:
        assert proxy.base_url.endswith("/base") and proxy.base_url != upstream
        response = requests.post(proxy.base_url + "/users/upload?x=1", data=b'{"a": [1, 2]}',
                                 headers={"Content-Type": "application/json", "x-api-key": "k", "Authorization": "b"})
        echo = response.json()
        assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
        assert response.headers["X-Version"] == "1.5.1" and response.headers["Set-Cookie"] == "a=1"
        assert echo["method"] == "POST" and echo["path"] == "/base/users/upload" and echo["query"] == {"x": ["1"]}
        assert echo["body"] == '{"a": [1, 2]}'
        assert echo["headers"]["content-type"] == "application/json" and echo["headers"]["x-api-key"] == "k"
        assert echo["headers"]["host"] == urlsplit(upstream).netloc
        for method in ("PUT", "PATCH", "DELETE"):
            assert requests.request(method, proxy.base_url + "/x", json={"m": method}).json()["method"] == method


def test_redirects_are_passed_back_not_followed(upstream: str) -> None:
    with Proxy(upstream) as proxy:
        response = requests.get(proxy.base_url + "/redirect", allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"] == "http://127.0.0.1:9/elsewhere"


def test_delay_drop_header_and_status_rewrite(upstream: str) -> None:
    with Proxy(upstream, delay_ms=(80, 80), drop_headers=frozenset({"x-version"}), status_map={200: 503}) as proxy:
        start = time.perf_counter()
        response = requests.get(proxy.base_url + "/users")
        took = time.perf_counter() - start
    assert took >= 0.08
    assert response.status_code == 503 and "X-Version" not in response.headers
    assert response.json()["path"] == "/base/users"


def test_repeat_page_answers_page_n_with_page_n_minus_1(upstream: str) -> None:
    with Proxy(upstream, repeat_page=True) as proxy:
        assert requests.get(proxy.base_url + "/users", params={"_offset": 3, "_limit": 5}).json()["query"] == {
            "_offset": ["2"], "_limit": ["5"]}
        assert requests.get(proxy.base_url + "/users", params={"_offset": 0}).json()["query"] == {"_offset": ["0"]}


def test_repeat_page_by_row_offset_goes_one_limit_back(upstream: str) -> None:
    with Proxy(upstream, repeat_page=True, page_param="offset", limit_param="limit") as proxy:
        assert requests.get(proxy.base_url + "/contacts", params={"offset": 200, "limit": 100}).json()["query"] == {
            "offset": ["100"], "limit": ["100"]}


def test_a_location_on_the_upstream_names_the_proxy(upstream: str) -> None:
    with Proxy(upstream) as proxy:
        response = requests.post(proxy.base_url + "/created", json={}, allow_redirects=False)
        assert response.status_code == 201 and response.headers["Location"] == proxy.base_url + "/created/7"


def test_hide_429_retries_upstream_until_it_answers(upstream: str) -> None:
    with Proxy(upstream, hide_429=True) as proxy:
        response = requests.get(proxy.base_url + "/limited")
        assert response.status_code == 200 and proxy.stats.hidden_429 == 2


@pytest.mark.timing   # an upper bound on elapsed time: run alone (make test)
def test_serves_64_concurrent_connections(upstream: str) -> None:
    with Proxy(upstream) as proxy, ThreadPoolExecutor(64) as pool:
        start = time.perf_counter()
        codes = list(pool.map(lambda _: requests.get(proxy.base_url + "/slow", timeout=10).status_code, range(64)))
        took = time.perf_counter() - start
    assert codes == [200] * 64
    assert took < 3.0  # 64 x 0.2 s one after the other would be 12.8 s


def test_parse_delay() -> None:
    assert parse_delay("50") == (50.0, 50.0) and parse_delay("50-150") == (50.0, 150.0)


def test_command_line_prints_the_base_url(upstream: str) -> None:
    child = subprocess.Popen([sys.executable, "-m", "tests.proxy", "--upstream", upstream, "--delay-ms", "5-10"],
                             stdout=subprocess.PIPE, text=True, env=child_env())
    try:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        assert line.startswith("LMSCONF_BASE_URL=http://127.0.0.1:") and line.endswith("/base")
        assert requests.get(line.split("=", 1)[1] + "/users", timeout=5).json()["path"] == "/base/users"
    finally:
        child.terminate()
        assert child.wait(timeout=5) == 0
