"""A small threaded reverse proxy for tests: latency, a dropped header, a rewritten status, a repeated page,
hidden 429s - in front of any upstream base URL.

From a test::

    with Proxy("http://127.0.0.1:8000/api", delay_ms=(50, 50)) as proxy:
        run_against(proxy.base_url)

From a shell::

    python -m tests.proxy --upstream http://127.0.0.1:8000/api --delay-ms 50-150 --hide-429
    LMSCONF_BASE_URL=http://127.0.0.1:40123/api

Requests and answers pass through as they are (method, path, query, headers, body), except the
hop-by-hop headers; ``Host`` names the upstream. Redirects are never followed: a 3xx goes back to the
client. The proxy only listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from conformance.http.retry import parse_retry_after
from conformance.runner import stop
from conformance.simulator.tls import LocalTLS

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
                        "transfer-encoding", "upgrade", "proxy-connection"})
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_HIDDEN_WAIT_S = 10.0     # the longest one upstream Retry-After is honoured while hiding 429s
MAX_HIDDEN_RETRIES = 200     # a hidden 429 is retried at most this many times, then passed on
UPSTREAM_TIMEOUT_S = 60.0


@dataclass
class Settings:
    """What the proxy changes; the defaults change nothing."""

    delay_ms: tuple[float, float] | None = None
    drop_headers: frozenset[str] = frozenset()
    status_map: Mapping[int, int] = field(default_factory=dict)
    repeat_page: bool = False
    page_param: str = "_offset"
    limit_param: str | None = None   # set: the page parameter is a row offset, one page back is this many rows
    hide_429: bool = False


@dataclass
class Stats:
    requests: int = 0
    hidden_429: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, amount: int = 1) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + amount)


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256   # the listen backlog: many clients connect at once
    proxy: Proxy


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as a real gateway
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall between them
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test proxy prints nothing per request."""

    def _relay(self) -> None:
        proxy = self.server.proxy
        body = self._body()
        headers = [(k, v) for k, v in self.headers.items()
                   if k.lower() not in HOP_BY_HOP | {"host", "content-length"}]
        try:
            answer = proxy.forward(self.command, self.path, headers, body)
        except OSError as exc:
            answer = Answer(502, "Bad Gateway", [("Content-Type", "text/plain")],
                            f"proxy: upstream failed: {type(exc).__name__}".encode())
        self.send_response(answer.status, answer.reason)
        for name, value in answer.headers:
            if name.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def _body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = bytearray()
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                out += self.rfile.read(size)
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass   # trailers
            return bytes(out)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_TRACE = _relay


class Proxy:
    """A reverse proxy on 127.0.0.1 in front of `upstream` (a base URL, path included)."""

    def __init__(self, upstream: str, settings: Settings | None = None, *, port: int = 0, tls: bool = False,
                 **options: Any) -> None:
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream {upstream!r} is not an http(s) URL")
        self.upstream = parts
        self.settings = settings if settings is not None else Settings(**options)
        self.stats = Stats()
        self._local = threading.local()
        self._rng = random.Random()
        self._rng_lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.proxy = self
        self._thread: threading.Thread | None = None
        self.tls: LocalTLS | None = None
        if tls:   # an HTTPS-only API is tried through HTTPS: a CA of its own, the upstream trusted as the caller says
            self.tls = LocalTLS()
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self.tls.certfile), str(self.tls.keyfile))
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The proxy's URL for the upstream base URL (the same path)."""
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}{self.upstream.path.rstrip('/')}"

    def start(self) -> Proxy:
        self._thread = threading.Thread(target=self._server.serve_forever, name="proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self.tls is not None:
            self.tls.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Proxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- one request ---------------------------------------------------------------------------

    def forward(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes | None) -> Answer:
        self.stats.add("requests")
        self._delay()
        path = self._repeated(target) if self.settings.repeat_page else target
        answer = self._upstream(method, path, headers, body)
        tries = 0
        while self.settings.hide_429 and answer.status == 429 and tries < MAX_HIDDEN_RETRIES:
            self.stats.add("hidden_429")
            advised = parse_retry_after(_header(answer.headers, "retry-after"))
            time.sleep(min(MAX_HIDDEN_WAIT_S, 1.0 if advised is None else advised))
            answer = self._upstream(method, path, headers, body)
            tries += 1
        status = self.settings.status_map.get(answer.status, answer.status)
        kept = [(k, self._own_location(v) if k.lower() == "location" else v)
                for k, v in answer.headers if k.lower() not in self.settings.drop_headers]
        reason = answer.reason if status == answer.status else _reason(status)
        return Answer(status, reason, kept, answer.body)

    def _own_location(self, location: str) -> str:
        """A Location on the upstream names this proxy instead, as a reverse proxy does (nginx's proxy_redirect
        default): the client follows it through the proxy."""
        upstream = f"{self.upstream.scheme}://{self.upstream.netloc}"
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}{location[len(upstream):]}" if location.startswith(upstream + "/") \
            else location

    def _delay(self) -> None:
        if self.settings.delay_ms is None:
            return
        low, high = self.settings.delay_ms
        with self._rng_lock:
            ms = self._rng.uniform(low, high)
        time.sleep(ms / 1000)

    def _repeated(self, target: str) -> str:
        """Page N>0 asked for: ask upstream for page N-1 instead (a page index one less; a row offset one
        limit less when ``limit_param`` names the page size)."""
        parts = urlsplit(target)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        limit = dict(pairs).get(self.settings.limit_param or "", "")
        back = int(limit) if self.settings.limit_param and limit.isdigit() else 1
        out = []
        for name, value in pairs:
            if name == self.settings.page_param and value.isdigit() and int(value) > 0:
                value = str(max(0, int(value) - back))
            out.append((name, value))
        return parts.path + ("?" + urlencode(out) if parts.query else "")

    def _upstream(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes | None) -> Answer:
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                conn.putheader("Host", self.upstream.netloc)
                for name, value in headers:
                    conn.putheader(name, value)
                if body is not None or method in ("POST", "PUT", "PATCH"):
                    conn.putheader("Content-Length", str(len(body or b"")))
                conn.endheaders(body)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
                continue   # a kept-alive connection the upstream closed meanwhile: one fresh try
            if response.will_close:
                conn.close()
                self._local.conn = None
            return Answer(response.status, response.reason, list(response.getheaders()), data)
        raise AssertionError("unreachable")

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            host, port = self.upstream.hostname or "", self.upstream.port
            if self.upstream.scheme == "https":
                trusted = ssl.create_default_context(cafile=os.environ.get("LMSCONF_UPSTREAM_CA") or None)
                conn = http.client.HTTPSConnection(host, port, timeout=UPSTREAM_TIMEOUT_S, context=trusted)
            else:
                conn = http.client.HTTPConnection(host, port, timeout=UPSTREAM_TIMEOUT_S)
            self._local.conn = conn
        return conn


@contextmanager
def spawn(upstream: str, *options: str) -> Iterator[str]:
    """The proxy in a process of its own (its own core, not the caller's GIL), with command-line `options`;
    yields its base URL."""
    child = subprocess.Popen([sys.executable, "-m", "tests.proxy", "--upstream", upstream, *options],
                             stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    try:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        if not line.startswith("LMSCONF_BASE_URL="):
            raise RuntimeError(f"the proxy did not start: {line!r}")
        yield line.split("=", 1)[1]
    finally:
        stop(child)


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


_DELAY = re.compile(r"(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?")
_STATUS = re.compile(r"(\d{3})=(\d{3})")


def parse_delay(text: str) -> tuple[float, float]:
    """``50`` (fixed) or ``50-150`` (uniform) milliseconds."""
    match = _DELAY.fullmatch(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"--delay-ms {text!r}: expected MS or LOW-HIGH")
    low = float(match.group(1))
    high = float(match.group(2)) if match.group(2) else low
    if high < low:
        raise argparse.ArgumentTypeError(f"--delay-ms {text!r}: HIGH is below LOW")
    return low, high


def parse_status(text: str) -> tuple[int, int]:
    match = _STATUS.fullmatch(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"--status {text!r}: expected FROM=TO, e.g. 429=503")
    return int(match.group(1)), int(match.group(2))


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(delay_ms=args.delay_ms, drop_headers=frozenset(h.lower() for h in args.drop_header),
                    status_map=dict(args.status), repeat_page=args.repeat_page, page_param=args.page_param,
                    limit_param=args.limit_param, hide_429=args.hide_429)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.proxy", description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, metavar="URL", help="upstream base URL")
    parser.add_argument("--port", type=int, default=0, help="port to listen on, 127.0.0.1 (default: a free one)")
    parser.add_argument("--delay-ms", type=parse_delay, metavar="MS[-MS]", help="added to every request")
    parser.add_argument("--drop-header", action="append", default=[], metavar="NAME", help="remove from answers")
    parser.add_argument("--status", action="append", default=[], type=parse_status, metavar="FROM=TO",
                        help="rewrite an answer's status")
    parser.add_argument("--repeat-page", action="store_true", help="answer page N>0 with page N-1's body")
    parser.add_argument("--page-param", default="_offset", metavar="NAME", help="the page parameter (default _offset)")
    parser.add_argument("--limit-param", metavar="NAME",
                        help="with --repeat-page: the page parameter is a row offset and NAME the page size")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a CA of its own (printed as "
                        "LMSCONF_CA_BUNDLE); an https upstream is trusted through LMSCONF_UPSTREAM_CA")
    parser.add_argument("--hide-429", action="store_true",
                        help="never answer 429: wait as Retry-After says and ask upstream again")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        proxy = Proxy(args.upstream, settings_from(args), port=args.port, tls=args.tls)
    except (ValueError, OSError) as exc:
        print(f"proxy: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with proxy:
        print(f"LMSCONF_BASE_URL={proxy.base_url}", flush=True)
        if proxy.tls is not None:
            print(f"LMSCONF_CA_BUNDLE={proxy.tls.ca_bundle}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
