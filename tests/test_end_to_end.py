"""A whole `lmsconf run` against a simulator served on loopback, as a team would run it on a sandbox.

The clean simulator passes every rule the profile applies (the other half of the
mutation matrix), the reports are written where DESIGN.md says, and no secret -
API key, password, private key or any token the simulator issued - appears in
any file under the report directory or in the command's output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import profiles
from conformance.simulator.app import Simulator
from conformance.simulator.server import SimulatorServer
from conformance.simulator.sessions import Sessions
from tests.support import PROFILE, lmsconf

SECRET_SETTINGS = ("LMSCONF_API_KEY", "LMSCONF_PASSWORD")


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    issued: list[str] = []
    original = Sessions.issue

    def recording(self: Sessions, user: str) -> str:
        token = original(self, user)
        issued.append(token)
        return token

    report_dir = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Sessions, "issue", recording)
        simulator = Simulator(PROFILE)
        with SimulatorServer(simulator) as server:
            run = lmsconf("run", "--profile", PROFILE, "--base-url", server.base_url, "--report-dir",
                          str(report_dir), "--counterpart-base-url", server.base_url + "/api/Rest/v1",
                          env=simulator.credentials)
            report = lmsconf("report", "--report-dir", str(report_dir))
    yield {"run": run, "report": report, "dir": report_dir, "issued": issued,
           "secrets": [simulator.credentials[name] for name in SECRET_SETTINGS]}


def test_clean_simulator_passes_every_applied_rule(finished_run: dict[str, Any]) -> None:
    assert finished_run["run"].returncode == 0, finished_run["run"].stderr
    summary = json.loads((finished_run["dir"] / "summary.json").read_text())
    assert summary["exit_code"] == 0
    part = summary["profiles"][PROFILE]
    assert set(part["rules"]) == set(profiles.load(PROFILE).rules)
    for rule_id, result in part["rules"].items():
        assert result["outcome"] == "passed", rule_id
        assert result["tests"] >= 1
    assert part["requests"] > 100 and part["target"].startswith("http://127.0.0.1:")
    assert part["unintended_429"] == 0


def test_reports_are_where_the_design_says(finished_run: dict[str, Any]) -> None:
    root: Path = finished_run["dir"]
    assert finished_run["report"].returncode == 0, finished_run["report"].stderr
    assert (root / "html" / "index.html").is_file()
    assert (root / PROFILE / "junit.xml").is_file()
    results = list((root / PROFILE / "allure-results").glob("*-result.json"))
    assert results
    labels = {(label["name"], label["value"]) for r in results for label in json.loads(r.read_text())["labels"]}
    assert ("epic", PROFILE) in labels
    assert ("feature", "pagination") in labels
    assert ("story", "pagination.terminates") in labels


def test_no_secret_in_any_report_file_or_output(finished_run: dict[str, Any]) -> None:
    secrets = finished_run["secrets"] + finished_run["issued"]
    assert len(finished_run["issued"]) >= 2  # the session token and the auth test's own
    leaks = []
    files = [p for p in finished_run["dir"].rglob("*") if p.is_file()]
    assert len(files) > 20
    for path in files:
        data = path.read_bytes()
        leaks += [f"{path.name}" for secret in secrets if secret.encode() in data]
    for stream in (finished_run["run"].stdout, finished_run["run"].stderr):
        leaks += ["output" for secret in secrets if secret in stream]
    assert not leaks, f"secrets found in: {sorted(set(leaks))}"


def test_attachments_show_placeholders_instead_of_secrets(finished_run: dict[str, Any]) -> None:
    attachments = list((finished_run["dir"] / PROFILE / "allure-results").glob("*-attachment.json"))
    assert attachments
    documents = [json.loads(p.read_text()) for p in attachments]
    headers = [d["request"]["headers"] for d in documents if "request" in d]
    keyed = [h for h in headers if "x-api-key" in {k.lower() for k in h}]
    assert keyed and all("${LMSCONF_API_KEY}" in str(h) or "lmsconf-wrong-api-key" in str(h) for h in keyed)


def test_embedded_run_of_both_absorb_versions(tmp_path_factory: pytest.TempPathFactory) -> None:
    report_dir = tmp_path_factory.mktemp("both")
    done = lmsconf("run", "--profile", "absorb-v1_5", "--profile", "absorb-v1", "--report-dir", str(report_dir))
    assert done.returncode == 0, done.stderr
    summary = json.loads((report_dir / "summary.json").read_text())
    assert summary["exit_code"] == 0 and set(summary["profiles"]) == {"absorb-v1_5", "absorb-v1"}
    areas = {rule.split(".")[0] for part in summary["profiles"].values() for rule in part["rules"]}
    assert {"versions", "ratelimit", "pagination", "sorting", "filtering", "writes"} <= areas
    outcomes = {r["outcome"] for part in summary["profiles"].values() for r in part["rules"].values()}
    assert outcomes == {"passed"}
