"""ASGI middleware in front of a dialect: paths matched like ASP.NET routes (without regard to case,
with or without a trailing slash), and a served-version header on every response of the API.

Routes are registered through ``route_template`` (static segments lower-cased,
parameter names kept) and the gateway lower-cases each request path, so
``/Users/{id}``, ``/users/{ID}/`` and ``/USERS/{id}`` reach one handler. Path
parameters are GUIDs, which compare without regard to case anyway.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_PARAM = re.compile(r"(\{[^}]*\})")


def route_template(path: str) -> str:
    """``/Courses/{courseId}/Enrollments`` -> ``/courses/{courseId}/enrollments``."""
    return "".join(part if part.startswith("{") else part.lower() for part in _PARAM.split(path))


def normal_path(path: str) -> str:
    """A request path as the routes see it: lower-cased, without a trailing slash."""
    path = path.lower()
    return path.rstrip("/") or "/" if len(path) > 1 else path


def normalised(scope: Scope) -> Scope:
    """An HTTP scope with its path as the routes see it (``normal_path``)."""
    path = normal_path(scope["path"])
    return {**scope, "path": path, "raw_path": path.encode()}


class Gateway:
    """Normalises request paths; stamps ``response_header`` with ``served(request headers)`` (unless
    None) on every response that does not name a version already, except under the ``unversioned``
    path prefixes (the legacy API served beside this one)."""

    def __init__(self, app: ASGIApp, *, response_header: str, served: Callable[[Headers], str | None],
                 unversioned: Sequence[str] = (), bare_errors: bool = False) -> None:
        self.app = app
        self.bare_errors = bare_errors   # the version-header-missing-on-errors fault: no version on a 4xx/5xx
        self.response_header = response_header
        self.served = served
        self.unversioned = tuple(route_template(p) for p in unversioned if p)

    def _versioned(self, path: str) -> bool:
        return not any(path == p or path.startswith(p + "/") for p in self.unversioned)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = normalised(scope)
        path = scope["path"]
        if not self._versioned(path):
            await self.app(scope, receive, send)
            return
        served = self.served(Headers(scope=scope))

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if served is not None and self.response_header not in headers:
                    headers[self.response_header] = served
                if self.bare_errors and message["status"] >= 400:
                    del headers[self.response_header]
            await send(message)

        await self.app(scope, receive, stamped)


def allowed(request: Request) -> str:
    """Every method some route of the app answers at the request's path (Starlette names only the first route's):
    the Allow header of a 405."""
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.matches(request.scope)[0] != Match.NONE:
            methods |= route.methods or set()
    return ", ".join(sorted(methods))
