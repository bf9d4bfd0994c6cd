"""`lmsconf run --profile qses`: the clean simulator passes every rule in every area the issue names, with no
unintended 429; served like a UAT tenant (the restricted account from the environment), no secret - either
account's password or any token - reaches a report file or the output; and a run leaves the data as it was,
also when its write rules fail."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from conformance import profiles
from conformance.simulator.app import Simulator
from conformance.simulator.server import SimulatorServer
from conformance.vendors.qses.simulator.tokens import Tokens
from tests.support import issued_by, lmsconf

QSES = "qses"
AREAS = {"auth", "envelopes", "pagination", "put", "media", "ratelimit", "status", "writes"}
PASSWORDS = ("LMSCONF_PASSWORD", "LMSCONF_RESTRICTED_PASSWORD")


def test_an_embedded_run_of_two_vendors_passes_every_rule(tmp_path: Path) -> None:
    """One `lmsconf run` over Absorb v1 and QSES, each on its own embedded simulator: every rule of both passes,
    in every area the QSES contract has, with no 429 the run did not ask for."""
    # the fuzz suite with 2 generated requests per operation: every fuzz rule checked, inside QSES's per-minute
    # budget of each endpoint (5, the default, waits for the next minute at /contacts)
    done = lmsconf("run", "--profile", "absorb-v1", "--profile", QSES, "--report-dir", str(tmp_path),
                   "--fuzz-examples", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["exit_code"] == 0 and set(summary["profiles"]) == {"absorb-v1", QSES}
    for name, part in summary["profiles"].items():
        assert set(part["rules"]) == set(profiles.load(name).rules)
        assert {r["outcome"] for r in part["rules"].values()} == {"passed"}, part["rules"]
    part = summary["profiles"][QSES]
    assert {rule.split(".")[0] for rule in part["rules"]} >= AREAS
    assert part["unintended_429"] == 0
    assert part["rate_bound_s"] > 0 and "the documented rate limits allow no less than" in done.stdout
    assert "every applicable rule passed" in done.stdout


def issued_tokens() -> AbstractContextManager[list[str]]:
    """Every token the simulator issues while the block runs."""
    return issued_by(Tokens)


def served_run(simulator: Simulator, report_dir: Path, *pytest_args: str) -> tuple[int, str]:
    """The suite against the simulator served on loopback, as against a tenant: credentials (the restricted
    account's too) from the environment, the base URL with its /crms/api."""
    with SimulatorServer(simulator) as server:
        done = lmsconf("run", "--profile", QSES, "--base-url", server.base_url + simulator.base_path,
                       "--report-dir", str(report_dir), "--allow-unchecked", "--", *pytest_args,
                       env=simulator.announced_credentials)
    return done.returncode, done.stdout + done.stderr


def test_no_secret_of_either_account_in_any_artifact(tmp_path: Path) -> None:
    with issued_tokens() as issued:
        simulator = Simulator(QSES)
        # the fuzz suite's artifacts are checked in tests/test_fuzz.py
        status, output = served_run(simulator, tmp_path, "-m", "not quota", "-k", "not test_fuzz")
    assert status == 0, output
    secrets = [simulator.announced_credentials[name] for name in PASSWORDS] + issued
    assert len(issued) >= 8   # the session's, the lifecycle tests', the restricted account's
    leaks = sorted({str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()
                    for secret in secrets if secret.encode() in p.read_bytes()})
    leaks += [f"output: {secret[:4]}..." for secret in secrets if secret in output]
    assert not leaks, leaks
    rules = json.loads((tmp_path / "summary.json").read_text())["profiles"][QSES]["rules"]
    assert rules["auth.denied-endpoint-is-401"]["outcome"] == "passed"   # the restricted account from the env
    assert rules["auth.expired-token-refused"]["outcome"] == "not-checked"  # a 4-hour token is not waited for


@pytest.mark.parametrize("faults", [(), ("put-merges", "created-without-location", "xml-accepted")],
                         ids=["clean", "write-rules-failing"])
def test_a_writing_run_leaves_the_data_as_it_was(tmp_path: Path, faults: tuple[str, ...]) -> None:
    simulator = Simulator(QSES, faults=faults)
    before = simulator.store.dump(audit=False)
    fuzz = [] if not faults else ["-k", "not test_fuzz"]   # the clean run: the fuzz suite's linked writes too
    status, output = served_run(simulator, tmp_path, "-m", "writes", *fuzz)
    assert status == (1 if faults else 0), output
    assert simulator.store.dump(audit=False) == before
