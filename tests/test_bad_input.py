"""Bad input gives one line on stderr and a documented exit code, never a Python traceback.

Each case runs the real ``lmsconf`` entry point in a child process: malformed --base-url values (exit 2),
a target answering in an unknown charset (read as UTF-8) or with an HTML page at /authenticate (a
violation of auth.token-issued, exit 1, as any unreadable token), and ``lmsconf simulate`` with a port
in use, a host it cannot listen on, or a --db it cannot use (exit 2).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from tests.support import PROFILE, lmsconf

CREDENTIALS = {"LMSCONF_API_KEY": "k" * 12, "LMSCONF_USERNAME": "someone", "LMSCONF_PASSWORD": "p" * 12}
TOKEN = "t0ken-" + "x" * 30


def stderr_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def no_traceback(*streams: str) -> None:
    for stream in streams:
        assert "Traceback" not in stream, stream[-3000:]


# ---- usage and configuration: exit 2, one line -----------------------------------------------------

BAD_BASE_URLS = {
    "unclosed IPv6 bracket": "http://[::1",
    "port out of range": "http://h:99999",
    "space in the host": "http://exa mple.com",
    "not a number as port": "http://h:8o8o",
    "no host": "http:///users",
}


@pytest.mark.parametrize("url", BAD_BASE_URLS.values(), ids=BAD_BASE_URLS.keys())
def test_a_malformed_base_url_is_a_usage_error(tmp_path: Path, url: str) -> None:
    done = lmsconf("run", "--profile", PROFILE, "--base-url", url, "--report-dir", str(tmp_path), env=CREDENTIALS,
                   timeout=60)
    no_traceback(done.stdout, done.stderr)
    assert done.returncode == 2, done.stderr
    lines = stderr_lines(done.stderr)
    assert len(lines) == 1 and "--base-url" in lines[0], done.stderr


def _busy_port() -> Iterator[int]:
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    yield int(holder.getsockname()[1])
    holder.close()


@pytest.fixture
def busy_port() -> Iterator[int]:
    yield from _busy_port()


def _text_file(tmp_path: Path) -> str:
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just some words\n" * 200)
    return str(path)


SIMULATE_CASES: dict[str, tuple[Callable[[Path, int], list[str]], str]] = {
    "port in use": (lambda tmp, port: ["--port", str(port)], "port"),
    "host that does not resolve": (lambda tmp, port: ["--host", "no-such-host.invalid"], "--host"),
    "host that is not ours": (lambda tmp, port: ["--host", "192.0.2.1"], "--host"),
    "db in a missing directory": (lambda tmp, port: ["--db", str(tmp / "missing" / "sim.db")], "--db"),
    "db that is a directory": (lambda tmp, port: ["--db", str(tmp)], "--db"),
    "db that is not SQLite": (lambda tmp, port: ["--db", _text_file(tmp)], "--db"),
    "db where nothing can be written": (lambda tmp, port: ["--db", "/proc/lmsconf-sim.db"], "--db"),
}


@pytest.mark.parametrize("case", SIMULATE_CASES.values(), ids=SIMULATE_CASES.keys())
def test_simulate_that_cannot_start_says_why_in_one_line(tmp_path: Path, busy_port: int,
                                                           case: tuple[Callable[[Path, int], list[str]], str]) -> None:
    make_args, named = case
    done = lmsconf("simulate", "--profile", PROFILE, *make_args(tmp_path, busy_port), timeout=60)
    no_traceback(done.stdout, done.stderr)
    assert done.returncode == 2, done.stderr
    lines = stderr_lines(done.stderr)
    assert len(lines) == 1 and named in lines[0], done.stderr
    assert "LMSCONF_" not in done.stdout  # nothing announced: no server is listening


def test_a_text_file_given_as_db_is_left_as_it_was(tmp_path: Path) -> None:
    path = _text_file(tmp_path)
    before = Path(path).read_bytes()
    lmsconf("simulate", "--profile", PROFILE, "--db", path, timeout=60)
    assert Path(path).read_bytes() == before


# ---- a target that answers oddly ---------------------------------------------------------------------


def odd_target(mode: str) -> Starlette:
    async def authenticate(request: Request) -> Response:
        if mode == "html":
            return HTMLResponse("<!doctype html><html><body><form>Sign in</form></body></html>")
        return Response(json.dumps(TOKEN).encode(), media_type="application/json; charset=x-unknown")

    return Starlette(routes=[Route("/authenticate", authenticate, methods=["POST"])])


@pytest.fixture
def serve() -> Iterator[Callable[[Starlette], str]]:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: Starlette) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        servers.append((server, thread))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(5)


def run_token_test(base_url: str, report_dir: Path) -> tuple[int, str, str, dict[str, str]]:
    done = lmsconf("run", "--profile", PROFILE, "--base-url", base_url, "--report-dir", str(report_dir),
                   "--", "-k", "test_valid_credentials_give_a_token", env=CREDENTIALS, timeout=120)
    part = json.loads((report_dir / PROFILE / "summary.json").read_text())
    return done.returncode, done.stdout, done.stderr, {r: v["outcome"] for r, v in part["rules"].items()}


def test_an_unknown_charset_is_read_as_utf8(serve: Callable[[Starlette], str], tmp_path: Path) -> None:
    code, out, err, rules = run_token_test(serve(odd_target("charset")), tmp_path)
    no_traceback(out, err)
    assert rules["auth.token-issued"] == "passed"
    assert code == 4, err  # every other rule is left unchecked by -k


def test_an_html_page_answering_authenticate_is_a_token_violation(serve: Callable[[Starlette], str],
                                                                   tmp_path: Path) -> None:
    code, out, err, rules = run_token_test(serve(odd_target("html")), tmp_path)
    no_traceback(out, err)
    assert rules["auth.token-issued"] == "failed"
    assert code == 1, err
