"""A run's progress on a terminal: rules done of total, requests sent, 429s seen, per profile.

The pytest plugin keeps ``DIR/<profile>/progress.json`` up to date (``ProgressFile``); on a terminal
``lmsconf run`` shows it as one updating line per profile (``Display``). Off a terminal (CI logs) nothing
is shown: the run prints what it always printed.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from conformance.reporting.summary import read_object

PROGRESS_FILE = "progress.json"
WRITE_EVERY_S = 0.5


class ProgressFile:
    """What one session has done so far, written to ``path`` at most every WRITE_EVERY_S (and on each rule)."""

    def __init__(self, path: Path, rule_ids: Iterable[str]) -> None:
        self.path = path
        self.total = len(set(rule_ids))
        self.pending: Counter[str] = Counter()   # rule id -> selected tests carrying it still to finish
        self.requests = 0
        self.too_many = 0
        self._written = 0.0
        self._lock = threading.Lock()

    def expect(self, carried: Iterable[Iterable[str]]) -> None:
        """The rule ids each selected test carries (only the applicable ones count)."""
        for ids in carried:
            self.pending.update(set(ids))
        self.write(force=True)

    @property
    def done(self) -> int:
        return self.total - sum(1 for n in self.pending.values() if n > 0)

    def finished(self, ids: Iterable[str]) -> None:
        """A test carrying ``ids`` finished."""
        for rid in set(ids):
            if self.pending[rid] > 0:
                self.pending[rid] -= 1
        self.write(force=True)

    def exchange(self, ex: Any) -> None:
        """A request went out (recorder listener)."""
        with self._lock:
            self.requests += 1
            self.too_many += ex.status == 429
        self.write()

    def snapshot(self) -> dict[str, int]:
        return {"rules_done": self.done, "rules_total": self.total, "requests": self.requests,
                "429": self.too_many}

    def write(self, force: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            if not force and now - self._written < WRITE_EVERY_S:
                return
            self._written = now
            data = self.snapshot()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            scratch = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}")
            scratch.write_text(json.dumps(data), encoding="utf-8")
            scratch.replace(self.path)
        except OSError:
            pass   # progress is a courtesy; the run goes on without it


def read(path: Path) -> dict[str, int] | None:
    return read_object(path)


def format_line(profile: str, data: dict[str, int] | None, elapsed_s: float) -> str:
    """``absorb-v1_5  rules 12/62  requests 1,234  429s 3  41s`` (rules unknown before collection)."""
    data = data or {}
    total = data.get("rules_total")
    rules = f"{data.get('rules_done', 0)}/{total}" if total else "-"
    return (f"{profile}  rules {rules}  requests {data.get('requests', 0):,}  429s {data.get('429', 0):,}  "
            f"{elapsed_s:.0f}s")


def wanted(stream: TextIO = sys.stdout) -> bool:
    """Progress only on a terminal: never in CI logs or a file."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Display:
    """One updating terminal line for one profile's session while it runs (a thread polling its file)."""

    def __init__(self, profile: str, path: Path, stream: TextIO = sys.stdout, every_s: float = 0.5) -> None:
        self.profile, self.path, self.stream, self.every_s = profile, path, stream, every_s
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def line(self) -> str:
        return format_line(self.profile, read(self.path), time.monotonic() - self.started)

    def _show(self, end: str = "") -> None:
        self.stream.write("\r\x1b[K" + self.line() + end)
        self.stream.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self._show()

    def __enter__(self) -> Display:
        self.path.unlink(missing_ok=True)
        self._show()
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self._show(end="\n")
