"""Serving a Simulator over HTTP with uvicorn: in a background thread (tests, embedded runs) or in
the foreground until Ctrl-C / SIGTERM (``lmsconf simulate``).

A profile saying ``[media] https_only = true`` is served over HTTPS with a certificate from a CA made for the
server's lifetime (``conformance.simulator.tls``), and a second port speaks plain HTTP, answering every request
302 to the same path and query over HTTPS (a dialect whose app sets ``state.plain_http_serves_api`` - a fault -
is served there as it is). Every other profile is plain HTTP on one port, as before."""

from __future__ import annotations

import errno
import shlex
import signal
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, TextIO

import uvicorn
from starlette.types import ASGIApp

from conformance.errors import ConfigError
from conformance.simulator.app import Simulator
from conformance.simulator.reason import ReasonPhraseProtocol
from conformance.simulator.tls import LocalTLS, Redirect, https_only

DEFAULT_HOST = "127.0.0.1"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
TLS_GRACE_S = 1


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto given explicitly: asyncio sets TCP_NODELAY on accepted sockets only when proto is IPPROTO_TCP,
    # and without it every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def listen(host: str, port: int) -> socket.socket:
    """A bound socket for ``host:port``; ConfigError (exit 2) naming the option when it cannot be had:
    a port in use, a host name that does not resolve, an address that is not this machine's."""
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port {port}: a port is a number from 0 to 65535")
    try:
        return _bind(host, port)
    except socket.gaierror as exc:
        raise ConfigError(f"--host {host}: cannot listen there: {exc.strerror or 'does not resolve'}") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"--port {port}: cannot listen on {host}:{port}: the port is in use") from None
        raise ConfigError(f"--host {host}: cannot listen there: {exc.strerror or exc}") from None


def _url(host: str, port: int, scheme: str = "http") -> str:
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def _server(app: ASGIApp, host: str, port: int, tls: LocalTLS | None = None) -> uvicorn.Server:
    # h11 pinned, with the reason phrase a response names (conformance.simulator.reason)
    # a TLS connection closes only once the peer answers its close_notify, which an idle keep-alive client
    # never sends: shutting down does not wait for those past TLS_GRACE_S
    secure: dict[str, Any] = {} if tls is None else {"ssl_certfile": str(tls.certfile),
                                                     "ssl_keyfile": str(tls.keyfile),
                                                     "timeout_graceful_shutdown": TLS_GRACE_S}
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="off", http=ReasonPhraseProtocol, **secure)
    return uvicorn.Server(config)


def plain_http_app(simulator: Simulator, https_origin: str) -> ASGIApp:
    """What the plain-HTTP port of an HTTPS-only simulator serves: the redirect to ``https_origin``, or the API
    itself when the dialect's app asks for it (``state.plain_http_serves_api``, a fault)."""
    if getattr(simulator.app.state, "plain_http_serves_api", False):
        return simulator.app
    return Redirect(https_origin)


class _Listener:
    """One uvicorn server on its bound socket, run in a daemon thread."""

    def __init__(self, app: ASGIApp, sock: socket.socket, host: str, tls: LocalTLS | None = None) -> None:
        self.socket = sock
        self.port = int(sock.getsockname()[1])
        self.grace_s = 5.0 if tls is None else 0.3
        self.server = _server(app, host, self.port, tls)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]},
                                       name=f"simulator-{self.port}", daemon=True)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=self.grace_s)
        if self.thread.is_alive():
            self.server.force_exit = True
            self.thread.join(timeout=5.0)
        self.socket.close()


class SimulatorServer:
    """Runs a Simulator on ``host:port`` (port 0 picks a free one) in a daemon thread.

    ``start()`` / ``__enter__`` return once the server accepts connections;
    ``stop()`` / ``__exit__`` shut it down and wait for the thread. For an HTTPS-only profile ``base_url`` is
    ``https://``, ``ca_bundle`` the CA certificate (PEM) to verify it with, and ``http_url`` a second port on
    plain HTTP answering 302 to the HTTPS URL; otherwise ``http_url`` and ``ca_bundle`` are None.
    """

    def __init__(self, simulator: Simulator, host: str = DEFAULT_HOST, port: int = 0,
                 *, startup_timeout_s: float = 10.0) -> None:
        self.simulator = simulator
        self.host = host
        self.requested_port = port
        self.startup_timeout_s = startup_timeout_s
        self.https = https_only(simulator.profile.raw)
        self.port: int | None = None
        self.http_port: int | None = None
        self._tls: LocalTLS | None = None
        self._listeners: list[_Listener] = []

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the simulator server is not running")
        return _url(self.host, self.port, "https" if self.https else "http")

    @property
    def http_url(self) -> str | None:
        """The plain-HTTP port of an HTTPS-only simulator (every request redirected), else None."""
        if self.port is None:
            raise RuntimeError("the simulator server is not running")
        return None if self.http_port is None else _url(self.host, self.http_port)

    @property
    def ca_bundle(self) -> str | None:
        """The CA certificate (PEM file) the HTTPS certificate is issued by, else None."""
        return None if self._tls is None else str(self._tls.ca_bundle)

    def start(self) -> SimulatorServer:
        if self._listeners:
            return self
        try:
            main_socket = _bind(self.host, self.requested_port)
            self.port = int(main_socket.getsockname()[1])
            if self.https:
                self._tls = LocalTLS()
                self._listeners.append(_Listener(self.simulator.app, main_socket, self.host, self._tls))
                plain = _bind(self.host, 0)
                self.http_port = int(plain.getsockname()[1])
                self._listeners.append(_Listener(plain_http_app(self.simulator, self.base_url), plain, self.host))
            else:
                self._listeners.append(_Listener(self.simulator.app, main_socket, self.host))
        except BaseException:
            self.stop()
            raise
        for listener in self._listeners:
            listener.thread.start()
        self._wait_started()
        return self

    def _wait_started(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        while not all(listener.server.started for listener in self._listeners):
            if not all(listener.thread.is_alive() for listener in self._listeners) or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the simulator server did not start on {self.host}")
            time.sleep(0.005)

    def stop(self) -> None:
        for listener in self._listeners:
            if listener.thread.ident is not None:
                listener.stop()
            else:
                listener.socket.close()
        self._listeners = []
        if self._tls is not None:
            self._tls.close()
        self._tls = None
        self.port = self.http_port = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def announce(base_url: str, credentials: dict[str, str], out: TextIO = sys.stdout, *,
             http_url: str | None = None, ca_bundle: str | None = None) -> None:
    """``LMSCONF_BASE_URL=<url>``, for an HTTPS-only simulator ``LMSCONF_HTTP_URL`` (its plain-HTTP port, which
    redirects) and ``LMSCONF_CA_BUNDLE`` (the CA certificate to verify with), then ``LMSCONF_<NAME>=<value>`` per
    setting, one per line, each value quoted for a POSIX shell where it needs to be (an account name with
    blanks), so the lines can be ``eval``-ed as they are."""
    print(f"LMSCONF_BASE_URL={shlex.quote(base_url)}", file=out)
    if http_url is not None:
        print(f"LMSCONF_HTTP_URL={shlex.quote(http_url)}", file=out)
    if ca_bundle is not None:
        print(f"LMSCONF_CA_BUNDLE={shlex.quote(ca_bundle)}", file=out)
    for name, value in credentials.items():
        print(f"{name}={shlex.quote(value)}", file=out)
    out.flush()


def _announce_when_started(servers: list[uvicorn.Server], url: str, credentials: dict[str, str], out: TextIO,
                           http_url: str | None, ca_bundle: str | None) -> None:
    """Print the settings only once every server accepts connections, so a reader can use them at once."""
    while not all(s.started for s in servers) and not any(s.should_exit for s in servers):
        time.sleep(0.01)
    if all(s.started for s in servers):
        announce(url, credentials, out, http_url=http_url, ca_bundle=ca_bundle)


def serve(profile_name: str, host: str = DEFAULT_HOST, port: int = 0, faults: Iterable[str] = (),
          db: str | Path | None = None, dataset: str = "default", out: TextIO = sys.stdout) -> None:
    """Serve one profile's simulator in the foreground until Ctrl-C or SIGTERM; the announced base URL
    ends with the profile's ``simulator_base_path`` (Absorb v1: /api/Rest/v1). An HTTPS-only profile is served
    over HTTPS on ``port``, with its plain-HTTP redirect on a free port beside it."""
    sock = listen(host, port)
    if host not in LOOPBACK:
        print(f"lmsconf: warning: serving on {host}, not loopback", file=sys.stderr)
    try:
        simulator = Simulator(profile_name, faults=faults, dataset=dataset, db=db)
    except sqlite3.Error as exc:
        sock.close()
        raise ConfigError(f"--db {db}: cannot keep the simulator's data there ({exc})") from None
    except BaseException:
        sock.close()
        raise
    secure = https_only(simulator.profile.raw)
    tls = LocalTLS() if secure else None
    port = int(sock.getsockname()[1])
    origin = _url(host, port, "https" if secure else "http")
    server = _server(simulator.app, host, port, tls)
    plain: _Listener | None = None
    if secure:
        plain = _Listener(plain_http_app(simulator, origin), listen(host, 0), host)
        plain.thread.start()

    def stop(signum: int, frame: FrameType | None) -> None:
        server.should_exit = True  # a SIGTERM before uvicorn installs its own handlers still stops it

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if main else None
    http_url = None if plain is None else _url(host, plain.port) + simulator.base_path
    ca_bundle = None if tls is None else str(tls.ca_bundle)
    watched = [server] if plain is None else [server, plain.server]
    threading.Thread(target=_announce_when_started,
                     args=(watched, origin + simulator.base_path, simulator.announced_credentials, out, http_url,
                           ca_bundle), name="announce", daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        if plain is not None:
            plain.stop()
        sock.close()
        if tls is not None:
            tls.close()
        simulator.close()
