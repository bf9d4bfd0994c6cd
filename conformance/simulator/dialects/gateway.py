"""ASGI middleware in front of a dialect: the served-version header, and trailing slashes tolerated."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class GatewayHeaders:
    """Stamps every response with the version served (the one asked for when valid, else the default)
    and routes ``/users/`` like ``/users`` instead of redirecting (real clients send both)."""

    def __init__(self, app: ASGIApp, *, request_header: str, response_header: str, default: str,
                 accepted: Sequence[str]) -> None:
        self.app = app
        self.request_header = request_header
        self.response_header = response_header
        self.default = default
        self.accepted = tuple(accepted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asked = (Headers(scope=scope).get(self.request_header) or "").strip()
        served = asked if asked in self.accepted else self.default
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/") or "/"}

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[self.response_header] = served
            await send(message)

        await self.app(scope, receive, stamped)
