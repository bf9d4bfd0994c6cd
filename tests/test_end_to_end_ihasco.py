"""`lmsconf run --profile ihasco`: the clean simulator passes every rule in every area the issue names, with no
unintended 429; served like a live account (the tokens and the account name from the environment) no token
reaches a report file or the output; a failing run's Allure results carry what iHASCO's support desk asks for
(URL, request, status code, response body and the account name - never the token); and a run leaves the data
as it was, also when its write rules fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance import profiles
from conformance.simulator.app import Simulator
from conformance.simulator.server import SimulatorServer
from tests.support import lmsconf

IHASCO = "ihasco"
AREAS = {"auth", "patch", "pagination", "ratelimit", "status", "envelopes", "fuzz"}
TOKENS = ("LMSCONF_TOKEN", "LMSCONF_SECOND_TOKEN", "LMSCONF_REMOVED_TOKEN")


def test_an_embedded_run_passes_every_rule(tmp_path: Path) -> None:
    done = lmsconf("run", "--profile", IHASCO, "--report-dir", str(tmp_path), "--fuzz-examples", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    part = json.loads((tmp_path / "summary.json").read_text())["profiles"][IHASCO]
    assert set(part["rules"]) == set(profiles.load(IHASCO).rules)
    assert {r["outcome"] for r in part["rules"].values()} == {"passed"}, part["rules"]
    assert {rule.split(".")[0] for rule in part["rules"]} >= AREAS
    assert part["unintended_429"] == 0
    assert "every applicable rule passed" in done.stdout


def served_run(simulator: Simulator, report_dir: Path, *pytest_args: str) -> tuple[int, str]:
    """The suite against the simulator served on loopback, as against a live account: the tokens and the account
    name from the environment."""
    with SimulatorServer(simulator) as server:
        done = lmsconf("run", "--profile", IHASCO, "--base-url", server.base_url, "--report-dir", str(report_dir),
                       "--allow-unchecked", "--", *pytest_args, env=simulator.announced_credentials)
    return done.returncode, done.stdout + done.stderr


def test_no_token_in_any_artifact(tmp_path: Path) -> None:
    simulator = Simulator(IHASCO)
    status, output = served_run(simulator, tmp_path, "-m", "not quota", "-k", "not test_fuzz")
    assert status == 0, output
    secrets = [simulator.announced_credentials[name] for name in TOKENS]
    leaks = sorted({str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()
                    for secret in secrets if secret.encode() in p.read_bytes()})
    leaks += [f"output: {secret[:4]}..." for secret in secrets if secret in output]
    assert not leaks, leaks
    rules = json.loads((tmp_path / "summary.json").read_text())["profiles"][IHASCO]["rules"]
    assert rules["auth.removed-token-refused"]["outcome"] == "passed"   # the removed token from the environment


def _results(report_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in (report_dir / IHASCO / "allure-results").glob("*-result.json")]


def _attachments(report_dir: Path, result: dict[str, Any]) -> list[str]:
    """Everything attached to a test: in its result, and in the fixtures' set-up and tear-down around it (the
    exchanges are attached as the test's fixture ends)."""
    folder = report_dir / IHASCO / "allure-results"
    containers = [json.loads(p.read_text()) for p in folder.glob("*-container.json")]
    steps = [result, *result.get("steps", []),
             *(part for c in containers if result["uuid"] in c.get("children", [])
               for part in [*c.get("befores", []), *c.get("afters", [])])]
    return [(folder / a["source"]).read_text() for step in steps for a in step.get("attachments", [])]


def test_a_failing_exchange_carries_what_support_asks_for(tmp_path: Path) -> None:
    """Seed 000 'Support': the account name or client id (never the token), the request and the URL it went to,
    the response code and the response data - in the Allure results of the test whose rule failed."""
    simulator = Simulator(IHASCO, faults=["patch-replaces"])
    status, output = served_run(simulator, tmp_path, "-k", "test_patch_changes_only_the_fields_sent")
    assert status == 1, output
    failed = [r for r in _results(tmp_path) if r.get("status") == "failed"]
    assert failed, "no failed test in the Allure results"
    account = simulator.announced_credentials["LMSCONF_ACCOUNT"]
    documents = [json.loads(text) for r in failed for text in _attachments(tmp_path, r) if text.startswith("{")]
    patches = [d for d in documents if d.get("request", {}).get("method") == "PATCH"]
    assert patches, "no PATCH exchange attached to the failed test"
    for doc in patches:
        assert doc["account"] == account
        assert doc["request"]["url"].startswith(simulator.profile.raw.get("simulator_base_path", "") or "http")
        assert doc["request"]["body"] and doc["request"]["headers"]
        assert isinstance(doc["response"]["status"], int) and doc["response"]["body"]
    everything = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    for name in TOKENS:
        assert simulator.announced_credentials[name] not in everything + output


@pytest.mark.parametrize("faults", [(), ("patch-replaces", "form-body-refused")], ids=["clean", "write-rules-failing"])
def test_a_writing_run_leaves_the_data_as_it_was(tmp_path: Path, faults: tuple[str, ...]) -> None:
    simulator = Simulator(IHASCO, faults=faults)
    before = simulator.store.dump(audit=False)
    status, output = served_run(simulator, tmp_path, "-m", "writes")
    assert status == (1 if faults else 0), output
    assert simulator.store.dump(audit=False) == before
