"""Custom HTTP reason phrases for simulated APIs that put meaning in them.

ASGI has no field for a status line's reason phrase, so a dialect names the one it wants in the response
header ``REASON_HEADER``; the uvicorn protocol the simulator server runs (``ReasonPhraseProtocol``, h11)
writes that value as the reason phrase and strips the header. Without the header the reason is uvicorn's
usual one. The server pins this h11-based protocol whatever other HTTP implementation is installed, so a
reason phrase reaches the client the same way everywhere.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

REASON_HEADER = "x-simulator-reason-phrase"
_REASON = REASON_HEADER.encode()


def with_reason(event: Any) -> Any:
    """A response event with the reason its ``REASON_HEADER`` names (the header removed); any other event
    as it is."""
    if not isinstance(event, h11.Response):
        return event
    reason: bytes | None = None
    kept: list[tuple[bytes, bytes]] = []
    for name, value in event.headers:
        if name == _REASON:
            reason = value
        else:
            kept.append((name, value))
    if reason is None:
        return event
    return h11.Response(status_code=event.status_code, headers=kept, reason=reason,
                        http_version=event.http_version)


class _ReasonConnection(h11.Connection):
    def send(self, event: Any) -> bytes | None:  # type: ignore[override]
        return super().send(with_reason(event))


class ReasonPhraseProtocol(H11Protocol):
    """uvicorn's h11 protocol, writing the reason phrase a response names in ``REASON_HEADER``."""

    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.conn = _ReasonConnection(h11.SERVER, self.conn._max_incomplete_event_size)
