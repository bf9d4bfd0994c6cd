"""Serving a Simulator over HTTP with uvicorn: in a background thread (tests, embedded runs) or in
the foreground until Ctrl-C / SIGTERM (``lmsconf simulate``)."""

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
from typing import TextIO

import uvicorn

from conformance.errors import ConfigError
from conformance.simulator.app import Simulator
from conformance.simulator.reason import ReasonPhraseProtocol

DEFAULT_HOST = "127.0.0.1"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


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


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _server(simulator: Simulator, host: str, port: int) -> uvicorn.Server:
    # h11 pinned, with the reason phrase a response names (conformance.simulator.reason)
    config = uvicorn.Config(simulator.app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="off", http=ReasonPhraseProtocol)
    return uvicorn.Server(config)


class SimulatorServer:
    """Runs a Simulator on ``host:port`` (port 0 picks a free one) in a daemon thread.

    ``start()`` / ``__enter__`` return once the server accepts connections;
    ``stop()`` / ``__exit__`` shut it down and wait for the thread.
    """

    def __init__(self, simulator: Simulator, host: str = DEFAULT_HOST, port: int = 0,
                 *, startup_timeout_s: float = 10.0) -> None:
        self.simulator = simulator
        self.host = host
        self.requested_port = port
        self.startup_timeout_s = startup_timeout_s
        self.port: int | None = None
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the simulator server is not running")
        return _url(self.host, self.port)

    def start(self) -> SimulatorServer:
        if self._thread is not None:
            return self
        self._socket = _bind(self.host, self.requested_port)
        self.port = int(self._socket.getsockname()[1])
        self._server = _server(self.simulator, self.host, self.port)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name=f"simulator-{self.port}", daemon=True)
        self._thread.start()
        self._wait_started()
        return self

    def _wait_started(self) -> None:
        assert self._server is not None and self._thread is not None
        deadline = time.monotonic() + self.startup_timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the simulator server did not start on {self.host}")
            time.sleep(0.005)

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout=5.0)
            if thread.is_alive():
                server.force_exit = True
                thread.join(timeout=5.0)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
        self.port = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def announce(base_url: str, credentials: dict[str, str], out: TextIO = sys.stdout) -> None:
    """``LMSCONF_BASE_URL=<url>`` then ``LMSCONF_<NAME>=<value>`` per setting, one per line, each value quoted for
    a POSIX shell where it needs to be (an account name with blanks), so the lines can be ``eval``-ed as they are."""
    print(f"LMSCONF_BASE_URL={shlex.quote(base_url)}", file=out)
    for name, value in credentials.items():
        print(f"{name}={shlex.quote(value)}", file=out)
    out.flush()


def _announce_when_started(server: uvicorn.Server, url: str, credentials: dict[str, str], out: TextIO) -> None:
    """Print the settings only once the server accepts connections, so a reader can use them at once."""
    while not server.started and not server.should_exit:
        time.sleep(0.01)
    if server.started:
        announce(url, credentials, out)


def serve(profile_name: str, host: str = DEFAULT_HOST, port: int = 0, faults: Iterable[str] = (),
          db: str | Path | None = None, dataset: str = "default", out: TextIO = sys.stdout) -> None:
    """Serve one profile's simulator in the foreground until Ctrl-C or SIGTERM; the announced base URL
    ends with the profile's ``simulator_base_path`` (Absorb v1: /api/Rest/v1)."""
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
    server = _server(simulator, host, int(sock.getsockname()[1]))

    def stop(signum: int, frame: FrameType | None) -> None:
        server.should_exit = True  # a SIGTERM before uvicorn installs its own handlers still stops it

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if main else None
    url = _url(host, int(sock.getsockname()[1])) + simulator.base_path
    threading.Thread(target=_announce_when_started, args=(server, url, simulator.announced_credentials, out),
                     name="announce", daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        sock.close()
        simulator.close()
