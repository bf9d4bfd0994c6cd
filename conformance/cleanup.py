"""Leave a live target as it was found: a ledger of what the suite created and changed, undone at the end.

Everything the suite creates is named ``lmsconf-<run id>-...``. Each creation or change is written to
the ledger (and to ``DIR/<profile>/ledger.json`` at once, so an interrupted run is undone by the next
one) before the request that makes it; finalizers undo entries newest first, even when a test fails;
the session start and end also sweep anything left whose name carries the prefix.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import requests

PREFIX = "lmsconf-"


class Sender(Protocol):
    def request(self, method: str, path: str, *, json: Any = ..., deliberate: bool = ...,
                purpose: str = ...) -> requests.Response: ...


def new_run_id() -> str:
    return secrets.token_hex(4)


@dataclass
class Entry:
    """One thing to undo: DELETE a created record, or send back the original of a changed one."""

    method: str
    path: str
    body: Any = None
    note: str = ""
    done: bool = False


@dataclass
class Ledger:
    run_id: str
    file: Path | None = None
    entries: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def prefix(self) -> str:
        return f"{PREFIX}{self.run_id}-"

    def name(self, label: str) -> str:
        return f"{self.prefix}{label}"

    def created(self, path: str, note: str = "") -> Entry:
        return self._add(Entry("DELETE", path, None, note))

    def changed(self, path: str, original: Any, method: str = "PUT", note: str = "") -> Entry:
        return self._add(Entry(method, path, original, note))

    def _add(self, entry: Entry) -> Entry:
        with self._lock:
            self.entries.append(entry)
            self._save()
        return entry

    def pending(self) -> list[Entry]:
        return [e for e in self.entries if not e.done]

    def undo(self, client: Sender) -> list[str]:
        """Undo every pending entry, newest first; returns what could not be undone."""
        failed: list[str] = []
        for entry in reversed(self.pending()):
            try:
                response = client.request(entry.method, entry.path, json=entry.body, deliberate=True,
                                          purpose="cleanup")
                entry.done = response.status_code < 300 or (entry.method == "DELETE" and response.status_code == 404)
            except Exception as exc:  # cleanup must go on past one failure; each is reported
                failed.append(f"{entry.method} {entry.path}: {type(exc).__name__}")
                continue
            if not entry.done:
                failed.append(f"{entry.method} {entry.path}: HTTP {response.status_code}")
        with self._lock:
            self._save()
        self.problems += failed
        return failed

    def _save(self) -> None:
        if self.file is None:
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        data = {"run_id": self.run_id, "entries": [asdict(e) for e in self.entries if not e.done]}
        tmp = self.file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        tmp.replace(self.file)

    @classmethod
    def left_over(cls, file: Path) -> Ledger | None:
        """The ledger an interrupted run left behind, if it has anything pending."""
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        entries = [Entry(**e) for e in data.get("entries", [])]
        return cls(run_id=str(data.get("run_id", "unknown")), file=file, entries=entries) if entries else None


def sweep_paths(rows: Iterable[dict[str, Any]], name_field: str, id_field: str, item_path: str) -> list[str]:
    """Item paths of rows whose name carries the suite's prefix (left over by any earlier run)."""
    return [item_path.format(id=row[id_field]) for row in rows
            if str(row.get(name_field, "")).startswith(PREFIX) and row.get(id_field) is not None]
