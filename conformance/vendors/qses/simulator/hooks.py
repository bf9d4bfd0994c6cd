"""Test hooks on a running simulator of the qses profile: what a suite needs but cannot get over HTTP."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from conformance.simulator.dialects.gateway import normal_path
from conformance.simulator.windows import Throttle

LOOPBACK = "127.0.0.1"


def _app(simulator: Any) -> Starlette:
    app = getattr(simulator, "app", simulator)
    if not isinstance(app, Starlette) or not isinstance(getattr(app.state, "throttle", None), Throttle):
        raise TypeError(f"{simulator!r} is not a qses simulator")
    return app


def endpoint_key(app: Starlette, endpoint: str) -> str:
    """The throttle's key for an endpoint given under the API's base path (/contacts) or whole
    (/crms/api/contacts)."""
    base: str = app.state.base_path
    path = normal_path(endpoint if endpoint.startswith("/") else f"/{endpoint}")
    return path if base and (path == base or path.startswith(base + "/")) else normal_path(base + path)


def charge(simulator: Any, endpoint: str, period: str, count: int, client: str = LOOPBACK) -> None:
    """Count ``count`` more requests from ``client`` to ``endpoint`` in the window named ``period`` (Hour,
    Day, Week...), as if made now: the next requests there meet that window's threshold sooner. ``simulator``
    is a ``Simulator`` (or its app)."""
    app = _app(simulator)
    app.state.throttle.charge(client, endpoint_key(app, endpoint), period, count)


def reset_throttles(simulator: Any) -> None:
    """Forget every throttle count."""
    _app(simulator).state.throttle.reset()
