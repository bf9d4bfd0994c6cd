"""Recorded HTTP exchanges (already redacted) and the thread-safe recorder that keeps them.

Rules read exchanges; reports attach them with a copy-ready curl line that uses
``${LMSCONF_*}`` placeholders, never a secret.
"""

from __future__ import annotations

import json as jsonlib
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

MAX_BODY_BYTES = 2 * 1024 * 1024
TRUNCATION_MARKER = "\n[lmsconf: body truncated, {shown} of {total} bytes stored]"
CLIP_MARKER = "\n[lmsconf: body clipped for the report, {shown} of {total} characters kept]"
FULL_BYTES = 128 * 1024 * 1024   # the recorder keeps the newest bodies whole up to this many characters
CLIPPED_CHARS = 32 * 1024        # and the first this many characters of older ones (what a report shows)

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
    clipped: bool = False
    seq: int = 0

    def header(self, name: str) -> str | None:
        """A response header by case-insensitive name."""
        return self.response_headers.get(name.lower())

    def json(self) -> Any:
        """The response body parsed as JSON (ValueError when it is not JSON, was truncated, or only a clipped
        copy was kept)."""
        if self.clipped:
            raise ValueError(f"exchange {self.seq}: only a clipped copy of the body was kept")
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


def _size(ex: Exchange) -> int:
    return len(ex.response_body) + len(ex.request_body or "")


def clipped_copy(ex: Exchange, chars: int) -> Exchange:
    """`ex` with its bodies cut to `chars` characters and marked `clipped` (for reports, never for rules)."""
    def cut(text: str) -> str:
        return text if len(text) <= chars else text[:chars] + CLIP_MARKER.format(shown=chars, total=len(text))
    return replace(ex, response_body=cut(ex.response_body),
                   request_body=None if ex.request_body is None else cut(ex.request_body), clipped=True)


class Recorder:
    """Thread-safe, append-only list of exchanges with listeners.

    Memory stays bounded on a long run: the newest exchanges keep their bodies whole (rules read them
    right after their requests) up to `full_bytes` characters in all; older ones are replaced by a copy
    clipped to `clipped_chars` (all a report shows), marked `clipped`. The newest is always kept whole.
    """

    def __init__(self, full_bytes: int = FULL_BYTES, clipped_chars: int = CLIPPED_CHARS) -> None:
        self._lock = threading.Lock()
        self._items: list[Exchange] = []
        self._listeners: list[Listener] = []
        self._full: deque[int] = deque()   # indexes of the exchanges still held whole, oldest first
        self.full_bytes = full_bytes
        self.clipped_chars = clipped_chars
        self.full_bytes_held = 0

    def record(self, ex: Exchange) -> Exchange:
        """Store `ex`, numbering it (`seq`, 1-based, in recording order); returns the stored copy."""
        with self._lock:
            stored = replace(ex, seq=len(self._items) + 1)
            self._items.append(stored)
            self._hold(len(self._items) - 1)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(stored)
        return stored

    def _hold(self, index: int) -> None:
        """Count the new exchange's bodies; clip the oldest whole ones while over the budget. Lock held."""
        self._full.append(index)
        self.full_bytes_held += _size(self._items[index])
        while self.full_bytes_held > self.full_bytes and len(self._full) > 1:
            oldest = self._full.popleft()
            whole = self._items[oldest]
            self.full_bytes_held -= _size(whole)
            self._items[oldest] = clipped_copy(whole, self.clipped_chars)

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
