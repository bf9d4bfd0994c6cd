"""A run that writes leaves the target as it found it: everything created is deleted, everything changed
restored - also when write rules fail, and when an earlier run was killed half way."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.cleanup import PREFIX
from conformance.http.client import Client
from conformance.profiles import load
from conformance.simulator.app import Simulator
from conformance.simulator.server import SimulatorServer
from tests.support import PROFILE, lmsconf

WRITES = ["--allow-unchecked", "--", "-m", "writes"]  # only the writing rules run (the fuzz suite's links too)
OTHER_WRITES = [*WRITES, "-k", "not test_fuzz"]       # for tests about the ledger: without the fuzz suite


def run_writes(simulator: Simulator, report_dir: Path) -> tuple[int, str, str]:
    before = simulator.store.dump(audit=False)
    with SimulatorServer(simulator) as server:
        done = lmsconf("run", "--profile", PROFILE, "--base-url", server.base_url, "--report-dir", str(report_dir),
                       *WRITES, env=simulator.credentials)
    return done.returncode, before, simulator.store.dump(audit=False)


def test_clean_run_writes_and_restores(tmp_path: Path) -> None:
    status, before, after = run_writes(Simulator(PROFILE), tmp_path)
    assert status == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    rules = summary["profiles"][PROFILE]["rules"]
    assert {"writes.put-without-email-accepted", "writes.upload-answers-key-value"} <= set(rules)
    assert after == before


def test_failed_write_rules_still_leave_no_trace(tmp_path: Path) -> None:
    simulator = Simulator(PROFILE, faults=["upload-limit-unenforced", "upload-wrong-answer"])
    status, before, after = run_writes(simulator, tmp_path)
    assert status == 1
    assert after == before


def test_an_interrupted_run_is_undone_by_the_next(tmp_path: Path) -> None:
    simulator = Simulator(PROFILE)
    before = simulator.store.dump(audit=False)
    profile = load(PROFILE)
    with SimulatorServer(simulator) as server, Client(profile, server.base_url, simulator.credentials) as client:
        sample = client.get("/users", params={"_limit": 1}).json()["users"][0]
        # what a killed run leaves: an uploaded user, and a changed user recorded in its ledger file
        created = client.post("/users/upload", json=[{"username": f"{PREFIX}dead-1", "firstName": "A", "lastName": "B",
                                                      "departmentId": sample["departmentId"]}]).json()
        assert created and created[0]["value"] == f"{PREFIX}dead-1"
        path = f"/users/{sample['id']}"
        original = {k: v for k, v in client.get(path).json().items()
                    if k not in profile.section("writes")["read_only"]}
        client.put(path, json={**original, "jobTitle": f"{PREFIX}dead-change"})
        ledger = tmp_path / PROFILE / "ledger.json"
        ledger.parent.mkdir(parents=True)
        ledger.write_text(json.dumps({"run_id": "dead", "target": server.base_url, "entries": [
            {"method": "PUT", "path": path, "body": original, "note": "", "done": False}]}))
        assert simulator.store.dump(audit=False) != before
        done = lmsconf("run", "--profile", PROFILE, "--base-url", server.base_url, "--report-dir", str(tmp_path),
                       *OTHER_WRITES, env=simulator.credentials)
    assert done.returncode == 0
    assert simulator.store.dump(audit=False) == before


def test_a_ledger_left_for_another_target_is_not_replayed(tmp_path: Path) -> None:
    simulator = Simulator(PROFILE)
    profile = load(PROFILE)
    with SimulatorServer(simulator) as server, Client(profile, server.base_url, simulator.credentials) as client:
        sample = client.get("/users", params={"_limit": 1}).json()["users"][0]
        path = f"/users/{sample['id']}"
        # a run against another sandbox was killed after changing its user with this id: replayed here,
        # its "restore" would overwrite this target's user
        read_only = profile.section("writes")["read_only"]
        elsewhere = {k: v for k, v in client.get(path).json().items() if k not in read_only}
        elsewhere["jobTitle"] = f"{PREFIX}other-sandbox"
        ledger = tmp_path / PROFILE / "ledger.json"
        ledger.parent.mkdir(parents=True)
        ledger.write_text(json.dumps({"run_id": "dead", "target": "https://other-sandbox.example.com/api", "entries": [
            {"method": "PUT", "path": path, "body": elsewhere, "note": "", "done": False}]}))
        before = simulator.store.dump(audit=False)
        done = lmsconf("run", "--profile", PROFILE, "--base-url", server.base_url, "--report-dir", str(tmp_path),
                       *OTHER_WRITES, env=simulator.credentials)
    assert done.returncode == 0, done.stderr
    assert simulator.store.dump(audit=False) == before
    kept = list((tmp_path / PROFILE).glob("ledger-*.json"))
    assert len(kept) == 1 and json.loads(kept[0].read_text())["entries"][0]["body"] == elsewhere
    problems = json.loads((tmp_path / "summary.json").read_text())["profiles"][PROFILE]["cleanup_problems"]
    assert any("other-sandbox.example.com" in p and "not undone" in p for p in problems)
