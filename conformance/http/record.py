"""Recorded HTTP exchanges (already redacted) and the thread-safe recorder that keeps them.

Rules read exchanges; reports attach them with a copy-ready curl line that uses
``${LMSCONF_*}`` placeholders, never a secret.
"""

from __future__ import annotations

import json as jsonlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

MAX_BODY_BYTES = 2 * 1024 * 1024
TRUNCATION_MARKER = "\n[lmsconf: body truncated, {shown} of {total} bytes stored]"

_PLACEHOLDER = re.compile(r"(\$\{[A-Z][A-Z0-9_]*\})")
# Headers curl computes itself, or that would make its output unreadable (compressed).
_CURL_SKIP = frozenset({"content-length", "connection", "accept-encoding", "host"})


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, redacted. `status` is None when no answer came back."""

    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str | None = None
    status: int | None = None
    reason: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    elapsed_s: float = 0.0
    started_at: float = 0.0
    purpose: str = "request"
    attempt: int = 1
    deliberate: bool = False
    truncated: bool = False
    seq: int = 0

    def header(self, name: str) -> str | None:
        """A response header by case-insensitive name."""
        return self.response_headers.get(name.lower())

    def json(self) -> Any:
        """The response body parsed as JSON (ValueError when it is not JSON or was truncated)."""
        if self.truncated:
            raise ValueError(f"exchange {self.seq}: body truncated, not parseable")
        return jsonlib.loads(self.response_body)

    def curl(self) -> str:
        """A one-line curl command reproducing the request; secrets appear as ``${LMSCONF_*}``."""
        words = ["curl", "-sS", "-i"]
        if self.method.upper() != "GET" or self.request_body is not None:
            words += ["-X", self.method.upper()]
        words.append(shell_quote(self.url))
        for name, value in self.request_headers.items():
            if name.lower() not in _CURL_SKIP:
                words += ["-H", shell_quote(f"{name}: {value}")]
        if self.request_body is not None:
            words += ["--data-raw", shell_quote(self.request_body)]
        return " ".join(words)


def shell_quote(s: str) -> str:
    """Quote for a POSIX shell: literal text single-quoted, ``${NAME}`` placeholders left to expand."""
    if not s:
        return "''"
    out = []
    for i, part in enumerate(_PLACEHOLDER.split(s)):
        if not part:
            continue
        if i % 2:
            out.append(f'"{part}"')
        else:
            out.append("'" + part.replace("'", "'\"'\"'") + "'")
    return "".join(out)


def decode(content: bytes, encoding: str | None) -> str:
    """`content` in its declared charset; an unknown charset (``charset=x-unknown``) is read as UTF-8,
    undecodable bytes replaced."""
    try:
        return content.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


def clip_body(content: bytes | None, encoding: str | None, redact: Callable[[str], str],
              guard: int = 0, limit: int = MAX_BODY_BYTES) -> tuple[str, bool]:
    """Decode and redact at most `limit` bytes of a body; returns (text, truncated).

    When truncated, a further `guard` characters are dropped from the end so that no
    partial secret cut at the boundary survives, and a marker says how much was kept.
    """
    if not content:
        return "", False
    total = len(content)
    text = redact(decode(content[:limit], encoding))
    if total <= limit:
        return text, False
    if guard:
        text = text[: max(0, len(text) - guard)]
    return text + TRUNCATION_MARKER.format(shown=min(total, limit), total=total), True


Listener = Callable[[Exchange], None]


class Recorder:
    """Thread-safe, append-only list of exchanges with listeners."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Exchange] = []
        self._listeners: list[Listener] = []

    def record(self, ex: Exchange) -> Exchange:
        """Store `ex`, numbering it (`seq`, 1-based, in recording order); returns the stored copy."""
        with self._lock:
            stored = replace(ex, seq=len(self._items) + 1)
            self._items.append(stored)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(stored)
        return stored

    @property
    def exchanges(self) -> list[Exchange]:
        """A snapshot of every exchange so far."""
        with self._lock:
            return list(self._items)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._items)

    def mark(self) -> int:
        """A position to pass to `since` later."""
        return self.count

    def since(self, mark: int) -> list[Exchange]:
        """The exchanges recorded after `mark` was taken."""
        with self._lock:
            return list(self._items[mark:])

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call `callback` with every new exchange; returns a function that unsubscribes it."""
        with self._lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe
