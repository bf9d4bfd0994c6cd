"""The cleanup ledger: undone newest first, kept on disk as it grows, picked up again after an interruption."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.cleanup import PREFIX, Ledger, sweep_paths


class Reply:
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code


class FakeTarget:
    def __init__(self, statuses: dict[tuple[str, str], int] | None = None) -> None:
        self.sent: list[tuple[str, str, Any]] = []
        self.statuses = statuses or {}

    def request(self, method: str, path: str, *, json: Any = None, deliberate: bool = False,
                purpose: str = "") -> Reply:
        self.sent.append((method, path, json))
        return Reply(self.statuses.get((method, path), 200))  # type: ignore[return-value]


def test_undo_runs_newest_first_and_only_once(tmp_path: Path) -> None:
    book = Ledger(run_id="abcd", file=tmp_path / "ledger.json")
    book.changed("/users/1", {"jobTitle": "before"})
    book.created("/users/2")
    target = FakeTarget()
    assert book.undo(target) == []  # type: ignore[arg-type]
    assert target.sent == [("DELETE", "/users/2", None), ("PUT", "/users/1", {"jobTitle": "before"})]
    assert book.undo(target) == []  # type: ignore[arg-type]
    assert len(target.sent) == 2


def test_failed_undo_is_reported_and_kept(tmp_path: Path) -> None:
    book = Ledger(run_id="abcd", file=tmp_path / "ledger.json")
    book.changed("/users/1", {"jobTitle": "before"})
    problems = book.undo(FakeTarget({("PUT", "/users/1"): 500}))  # type: ignore[arg-type]
    assert problems == ["PUT /users/1: HTTP 500"]
    assert Ledger.left_over(tmp_path / "ledger.json") is not None


def test_an_interrupted_run_is_picked_up_from_disk(tmp_path: Path) -> None:
    file = tmp_path / "ledger.json"
    book = Ledger(run_id="abcd", file=file)
    book.created("/users/9")  # the process dies here: nothing undone
    again = Ledger.left_over(file)
    assert again is not None and [e.path for e in again.pending()] == ["/users/9"]
    target = FakeTarget({("DELETE", "/users/9"): 404})  # already gone counts as done
    assert again.undo(target) == []  # type: ignore[arg-type]
    assert Ledger.left_over(file) is None


def test_names_carry_the_run_prefix_and_the_sweep_finds_them() -> None:
    book = Ledger(run_id="abcd")
    assert book.name("upload-1") == f"{PREFIX}abcd-upload-1"
    rows = [{"id": "1", "username": book.name("x")}, {"id": "2", "username": "someone"}]
    assert sweep_paths(rows, "username", "id", "/users/{id}") == ["/users/1"]
