"""Leave a live target as it was found: a ledger of what the suite created and changed, undone at the end.

Everything the suite creates is named ``lmsconf-<run id>-...``. Each creation or change is written to
the ledger (and to ``DIR/<profile>/ledger.json`` at once, so an interrupted run is undone by the next
one) before the request that makes it - an upload, whose ids come only with its answer, by the names it
sends (a FIND-DELETE entry the next run resolves by name); finalizers undo entries newest first, even when
a test fails; the session start and end also sweep anything left whose name carries the prefix.

A ledger is bound to its target (scheme, host, port and path of the base URL, never its credentials): one
left by a run against another target is kept aside as ``ledger-<run id>.json`` and reported, never
replayed; a later run against its own target undoes it. A leftover of an embedded simulator is dropped
(its data went with it).
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

PREFIX = "lmsconf-"
FIND_DELETE = "FIND-DELETE"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Sender(Protocol):
    def request(self, method: str, path: str, *, json: Any = ..., deliberate: bool = ...,
                purpose: str = ...) -> requests.Response: ...


def new_run_id() -> str:
    return secrets.token_hex(4)


def target_key(url: str) -> str:
    """What a ledger is bound to: scheme, host and port (default filled in) and path of a base URL.
    Userinfo and query are left out, so the key holds no credential; host case and a trailing slash
    do not matter. Empty when there is no URL."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme.lower()}://{host}:{port}{parts.path.rstrip('/')}"


Finder = Callable[["Entry"], list[str]]


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
    target: str = ""
    embedded: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.target = target_key(self.target)

    @property
    def prefix(self) -> str:
        return f"{PREFIX}{self.run_id}-"

    def name(self, label: str) -> str:
        return f"{self.prefix}{label}"

    def created(self, path: str, note: str = "") -> Entry:
        return self._add(Entry("DELETE", path, None, note))

    def changed(self, path: str, original: Any, method: str = "PUT", note: str = "") -> Entry:
        return self._add(Entry(method, path, original, note))

    def uploading(self, path: str, names: list[str], note: str = "uploaded") -> Entry:
        """Before an upload: what it may create, by name (its ids come only with its answer)."""
        return self._add(Entry(FIND_DELETE, path, {"names": list(names)}, note))

    def settle(self, entry: Entry) -> None:
        """An entry made moot (an upload whose answer gave every id: each has its own DELETE entry)."""
        with self._lock:
            entry.done = True
            self._save()

    def _add(self, entry: Entry) -> Entry:
        with self._lock:
            self.entries.append(entry)
            self._save()
        return entry

    def pending(self) -> list[Entry]:
        return [e for e in self.entries if not e.done]

    def undo(self, client: Sender, find: Finder | None = None, only: Iterable[Entry] | None = None) -> list[str]:
        """Undo every pending entry (or those of ``only``), newest first; returns what could not be undone.
        `find` turns a FIND-DELETE entry into the item paths of what its upload created."""
        failed: list[str] = []
        chosen = None if only is None else {id(e) for e in only}
        for entry in reversed([e for e in self.pending() if chosen is None or id(e) in chosen]):
            problem = self._undo_one(client, entry, find)
            if problem:
                failed.append(problem)
            with self._lock:
                self._save()
        self.problems += failed
        return failed

    def _undo_one(self, client: Sender, entry: Entry, find: Finder | None) -> str | None:
        if entry.method == FIND_DELETE:
            return self._undo_upload(client, entry, find)
        try:
            response = client.request(entry.method, entry.path, json=entry.body, deliberate=True, purpose="cleanup")
        except Exception as exc:  # cleanup must go on past one failure; each is reported
            return f"{entry.method} {entry.path}: {type(exc).__name__}"
        entry.done = response.status_code < 300 or (entry.method == "DELETE" and response.status_code == 404)
        return None if entry.done else f"{entry.method} {entry.path}: HTTP {response.status_code}"

    def _undo_upload(self, client: Sender, entry: Entry, find: Finder | None) -> str | None:
        where = f"{entry.method} {entry.path}"
        if find is None:
            return f"{where}: nothing to look the uploaded names up with"
        try:
            paths = find(entry)
        except Exception as exc:  # reported like any failed undo
            return f"{where}: {type(exc).__name__}"
        problems = [p for p in (self._undo_one(client, Entry("DELETE", path), None) for path in reversed(paths)) if p]
        entry.done = not problems
        return "; ".join(problems) or None

    def _save(self) -> None:
        if self.file is None:
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        pending = [asdict(e) for e in self.entries if not e.done]
        if not pending and self.file.name != LEDGER_FILE:  # a kept-aside ledger, all undone
            self.file.unlink(missing_ok=True)
            return
        data = {"run_id": self.run_id, "target": self.target, "embedded": self.embedded, "entries": pending}
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
        if not entries:
            return None
        return cls(run_id=str(data.get("run_id", "unknown")), file=file, entries=entries,
                   target=str(data.get("target") or ""), embedded=bool(data.get("embedded", False)))

    def keep_aside(self) -> None:
        """Move this ledger's file out of the way of the next run's (``ledger-<run id>.json``)."""
        if self.file is not None and self.file.name == LEDGER_FILE and self.file.exists():
            self.file = _keep_aside(self.file, self.run_id)


LEDGER_FILE = "ledger.json"


def pending_ledgers(file: Path, target: str) -> tuple[list[Ledger], list[str]]:
    """Ledgers interrupted runs left for `target` (in `file` or kept aside beside it), to undo; and one
    line per ledger left for another target, which is kept aside as ``ledger-<run id>.json``, not undone."""
    mine: list[Ledger] = []
    notes: list[str] = []
    here = target_key(target)
    for path in [file, *sorted(file.parent.glob("ledger-*.json"))]:
        found = Ledger.left_over(path)
        if found is None:
            continue
        if found.embedded:  # an embedded simulator's data went with it
            path.unlink(missing_ok=True)
        elif found.target and found.target == here:
            mine.append(found)
        else:
            kept = path if path != file else _keep_aside(path, found.run_id)
            notes.append(f"ledger of run {found.run_id} for {found.target or 'an unknown target'} kept in "
                         f"{kept.name}: not undone against this target ({len(found.pending())} entries)")
    return mine, notes


def _keep_aside(path: Path, run_id: str) -> Path:
    kept = path.with_name(f"ledger-{run_id}.json")
    n = 1
    while kept.exists():
        n += 1
        kept = path.with_name(f"ledger-{run_id}-{n}.json")
    path.replace(kept)
    return kept


def common_prefix(names: Iterable[str]) -> str:
    """The longest text every name starts with (a filter that finds all of one upload's users)."""
    ordered = sorted(names)
    if not ordered:
        return ""
    first, last = ordered[0], ordered[-1]
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def sweep_paths(rows: Iterable[dict[str, Any]], name_field: str, id_field: str, item_path: str) -> list[str]:
    """Item paths of rows whose name carries the suite's prefix (left over by any earlier run)."""
    return [item_path.format(id=row[id_field]) for row in rows
            if str(row.get(name_field, "")).startswith(PREFIX) and row.get(id_field) is not None]
