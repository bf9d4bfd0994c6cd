"""The cleanup ledger: undone newest first, kept on disk as it grows, picked up again after an interruption."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cleanup import PREFIX, Ledger, pending_ledgers, sweep_paths
from conformance.vendors.absorb.suites.writing import upload


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


# ---- bound to its target --------------------------------------------------------------------------------

TARGET_A = "https://sandbox-a.example.com/api/v1_5"
TARGET_B = "https://sandbox-b.example.com/api/v1_5"


def test_the_ledger_file_names_its_target_without_credentials(tmp_path: Path) -> None:
    book = Ledger(run_id="abcd", file=tmp_path / "ledger.json", target="https://admin:pw-445566@Sandbox-A.example.com/api/v1_5/?api_key=k-778899")
    book.created("/users/9")
    text = (tmp_path / "ledger.json").read_text()
    assert json.loads(text)["target"] == "https://sandbox-a.example.com:443/api/v1_5"
    assert "pw-445566" not in text and "k-778899" not in text


def test_a_leftover_ledger_for_another_target_is_kept_aside_not_replayed(tmp_path: Path) -> None:
    file = tmp_path / "ledger.json"
    Ledger(run_id="dead", file=file, target=TARGET_A).changed("/users/1", {"jobTitle": "before"})  # then killed
    mine, notes = pending_ledgers(file, TARGET_B)
    assert mine == [] and len(notes) == 1
    assert "dead" in notes[0] and "sandbox-a.example.com" in notes[0] and "not undone" in notes[0]
    assert not file.exists()
    kept = list(tmp_path.glob("ledger-*.json"))
    assert len(kept) == 1 and json.loads(kept[0].read_text())["entries"][0]["path"] == "/users/1"
    # a later run against A (however its URL is spelled) picks it up and undoes it
    mine, notes = pending_ledgers(file, "https://SANDBOX-A.example.com:443/api/v1_5/")
    assert notes == [] and [e.path for book in mine for e in book.pending()] == ["/users/1"]
    target = FakeTarget()
    assert mine[0].undo(target) == []  # type: ignore[arg-type]
    assert target.sent == [("PUT", "/users/1", {"jobTitle": "before"})]
    assert pending_ledgers(file, TARGET_A) == ([], [])
    assert not kept[0].exists()


def test_a_ledger_that_names_no_target_is_not_replayed(tmp_path: Path) -> None:
    file = tmp_path / "ledger.json"
    file.write_text(json.dumps({"run_id": "old", "entries": [
        {"method": "DELETE", "path": "/users/3", "body": None, "note": "", "done": False}]}))
    mine, notes = pending_ledgers(file, TARGET_A)
    assert mine == [] and "an unknown target" in notes[0]


def test_a_leftover_of_an_embedded_simulator_is_dropped(tmp_path: Path) -> None:
    file = tmp_path / "ledger.json"
    Ledger(run_id="sim", file=file, target="http://127.0.0.1:40001", embedded=True).created("/users/3")
    assert pending_ledgers(file, "http://127.0.0.1:40002") == ([], [])
    assert list(tmp_path.glob("ledger*.json")) == []


# ---- written before the request, uploads included ----------------------------------------------------------


class Killed(BaseException):
    """The process dies while the request is on the wire."""


class DyingSender:
    def __init__(self, file: Path) -> None:
        self.file = file
        self.on_disk_when_sent: list[dict[str, Any]] = []

    def post(self, path: str, *, json: Any = None, deliberate: bool = False) -> Any:
        self.on_disk_when_sent = Ledger.left_over(self.file).entries if self.file.exists() else []  # type: ignore[union-attr,assignment]
        raise Killed


def test_a_killed_upload_leaves_its_entry_on_disk(tmp_path: Path) -> None:
    file = tmp_path / "ledger.json"
    book = Ledger(run_id="abcd", file=file, target=TARGET_A)
    users = [{"username": book.name("upload-0")}, {"username": book.name("upload-1")}]
    sender = DyingSender(file)
    with pytest.raises(Killed):
        upload(sender, book, "/users/upload", users, "username", "/users/{id}")
    assert [e.body["names"] for e in sender.on_disk_when_sent] == [[u["username"] for u in users]]  # type: ignore[attr-defined]
    left = Ledger.left_over(file)
    assert left is not None and left.target == "https://sandbox-a.example.com:443/api/v1_5"
    entry = left.pending()[0]
    assert entry.method == "FIND-DELETE" and entry.body["names"] == [u["username"] for u in users]
    # the next run finds what the upload created by name and deletes it
    target = FakeTarget()
    assert left.undo(target, find=lambda e: ["/users/7", "/users/8"]) == []  # type: ignore[arg-type]
    assert target.sent == [("DELETE", "/users/8", None), ("DELETE", "/users/7", None)]
    assert Ledger.left_over(file) is None


def test_an_upload_entry_cannot_be_undone_without_a_finder(tmp_path: Path) -> None:
    book = Ledger(run_id="abcd", file=tmp_path / "ledger.json", target=TARGET_A)
    book.uploading("/users/upload", [book.name("u-0")])
    problems = book.undo(FakeTarget())  # type: ignore[arg-type]
    assert len(problems) == 1 and "FIND-DELETE" in problems[0]
