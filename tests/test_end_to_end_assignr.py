"""`lmsconf run --profile assignr`: the clean simulator, served over HTTPS with its own CA, passes every rule in
every area the issue names with no unintended 429; served as a live account would be (the CA bundle and the
plain-HTTP address from the environment) no client secret or token reaches an artifact; the client never sends
credentials over plain HTTP; and a writing run leaves the data as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance import profiles
from conformance.errors import ConfigError
from conformance.http.client import Client
from conformance.simulator.app import Simulator
from conformance.simulator.server import SimulatorServer
from tests.support import lmsconf

AS = "assignr"
AREAS = {"auth", "media", "pagination", "locking", "status", "ratelimit", "envelopes", "fuzz"}


def test_an_embedded_run_passes_every_rule(tmp_path: Path) -> None:
    done = lmsconf("run", "--profile", AS, "--report-dir", str(tmp_path), "--fuzz-examples", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    part = json.loads((tmp_path / "summary.json").read_text())["profiles"][AS]
    assert set(part["rules"]) == set(profiles.load(AS).rules)
    assert {r["outcome"] for r in part["rules"].values()} == {"passed"}, part["rules"]
    assert {rule.split(".")[0] for rule in part["rules"]} >= AREAS
    assert part["unintended_429"] == 0
    assert part["target"].startswith("https://")


def served_run(simulator: Simulator, report_dir: Path, *pytest_args: str) -> tuple[int, str, SimulatorServer]:
    with SimulatorServer(simulator) as server:
        env = {**simulator.announced_credentials, "LMSCONF_CA_BUNDLE": str(server.ca_bundle),
               "LMSCONF_HTTP_URL": f"{server.http_url}{simulator.base_path}"}
        done = lmsconf("run", "--profile", AS, "--base-url", server.base_url + simulator.base_path,
                       "--report-dir", str(report_dir), "--allow-unchecked", "--", *pytest_args, env=env)
    return done.returncode, done.stdout + done.stderr, server


def test_no_secret_in_any_artifact_of_a_live_style_run(tmp_path: Path) -> None:
    simulator = Simulator(AS)
    status, output, _ = served_run(simulator, tmp_path, "-m", "not quota", "-k", "not test_fuzz")
    assert status == 0, output
    secret = simulator.announced_credentials["LMSCONF_CLIENT_SECRET"]
    leaks = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
                   if p.is_file() and secret.encode() in p.read_bytes())
    assert not leaks and secret not in output, leaks
    rules = json.loads((tmp_path / "summary.json").read_text())["profiles"][AS]["rules"]
    assert rules["auth.https-only"]["outcome"] == "passed"   # the plain-HTTP address from the environment


def test_the_client_sends_no_credentials_over_plain_http() -> None:
    simulator = Simulator(AS)
    with SimulatorServer(simulator) as server:
        with pytest.raises(ConfigError, match="HTTPS only"):
            Client(simulator.profile, f"{server.http_url}{simulator.base_path}", simulator.announced_credentials)
        with Client(simulator.profile, server.base_url + simulator.base_path, simulator.announced_credentials,
                    verify=str(server.ca_bundle)) as client:
            with pytest.raises((ValueError, ConfigError), match="refusing to send credentials"):
                client.get(f"{server.http_url}{simulator.base_path}/sites")
            assert client.get("/sites").status_code == 200


@pytest.mark.parametrize("faults", [(), ("stale-lock-accepted", "scope-ignored", "hal-request-not-required")],
                         ids=["clean", "write-rules-failing"])
def test_a_writing_run_leaves_the_data_as_it_was(tmp_path: Path, faults: tuple[str, ...]) -> None:
    simulator = Simulator(AS, faults=faults)
    before = simulator.store.dump(audit=False)
    status, output, _ = served_run(simulator, tmp_path, "-m", "writes")
    assert status == (1 if faults else 0), output
    assert simulator.store.dump(audit=False) == before
