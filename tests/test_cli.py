"""The CLI's documented exit codes, each with one line on stderr and no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.runner import stop
from conformance.simulator.app import Simulator
from conformance.simulator.server import SimulatorServer
from tests.support import PROFILE, child_env, lmsconf

CREDENTIALS = {"LMSCONF_API_KEY": "k" * 12, "LMSCONF_USERNAME": "someone", "LMSCONF_PASSWORD": "p" * 12}


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_unreachable_target_exits_3(tmp_path: Path) -> None:
    done = lmsconf("run", "--profile", PROFILE, "--base-url", "http://127.0.0.1:9", "--report-dir", str(tmp_path),
                   env=CREDENTIALS)
    assert done.returncode == 3
    assert "unreachable" in one_line(done.stderr)


def test_rejected_credentials_exit_3(tmp_path: Path) -> None:
    with SimulatorServer(Simulator(PROFILE)) as server:
        done = lmsconf("run", "--profile", PROFILE, "--base-url", server.base_url, "--report-dir", str(tmp_path),
                       env=CREDENTIALS)
    assert done.returncode == 3
    assert "rejected" in one_line(done.stderr)
    assert CREDENTIALS["LMSCONF_PASSWORD"] not in done.stdout + done.stderr


def test_missing_credential_exits_2_naming_it(tmp_path: Path) -> None:
    partial = {k: v for k, v in CREDENTIALS.items() if k != "LMSCONF_PASSWORD"}
    done = lmsconf("run", "--profile", PROFILE, "--base-url", "http://127.0.0.1:9", "--report-dir", str(tmp_path),
                   env=partial)
    assert done.returncode == 2
    assert "LMSCONF_PASSWORD" in one_line(done.stderr)


def test_the_api_key_is_the_private_key(tmp_path: Path) -> None:
    """Absorb's private key is the API key: no LMSCONF_PRIVATE_KEY is needed; one that differs is refused."""
    same = lmsconf("run", "--profile", PROFILE, "--base-url", "http://127.0.0.1:9", "--report-dir", str(tmp_path),
                   env={**CREDENTIALS, "LMSCONF_PRIVATE_KEY": CREDENTIALS["LMSCONF_API_KEY"]})
    assert same.returncode == 3    # the credentials are complete and consistent: the unreachable target is next
    other = lmsconf("run", "--profile", PROFILE, "--base-url", "http://127.0.0.1:9", "--report-dir", str(tmp_path),
                    env={**CREDENTIALS, "LMSCONF_PRIVATE_KEY": "s" * 12})
    assert other.returncode == 2
    line = one_line(other.stderr)
    assert "LMSCONF_PRIVATE_KEY" in line and "LMSCONF_API_KEY" in line and "s" * 12 not in line


@pytest.mark.parametrize(("text", "expected"), [
    ('id = "x"\n', "key (top level)"),
    ("id = [unclosed\n", "not valid TOML"),
])
def test_malformed_profile_exits_2_naming_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text(text)
    done = lmsconf("run", "--profile", str(bad), "--report-dir", str(tmp_path))
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "broken.toml" in line and expected in line


def test_profile_with_a_wrong_value_names_the_key(tmp_path: Path) -> None:
    from conformance.vendors import profile_files

    text = profile_files()[PROFILE].read_text().replace("max_limit = 1000", 'max_limit = "lots"')
    bad = tmp_path / "wrong-type.toml"
    bad.write_text(text)
    done = lmsconf("run", "--profile", str(bad), "--report-dir", str(tmp_path))
    assert done.returncode == 2
    assert "pagination.max_limit" in one_line(done.stderr)


@pytest.mark.parametrize("args", [
    ["run", "--profile", "no-such-vendor"],
    ["run", "--no-such-option"],
    ["run", "--profile", PROFILE, "--base-url", "ftp://example"],
    ["run", "--profile", PROFILE, "--profile", "absorb-v1", "--base-url", "http://127.0.0.1:9"],
    ["run", "--profile", PROFILE, "--fuzz-examples", "0"],
    ["run", "--profile", PROFILE, "--fuzz-examples", "many"],
    ["openapi"],
    ["openapi", "--profile", PROFILE, "--write"],
    ["openapi", "--write", "--refs"],
    ["simulate", "--profile", PROFILE, "--fault", "no-such-fault"],
])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    done = lmsconf(*args, "--report-dir", str(tmp_path)) if args[0] == "run" else lmsconf(*args)
    assert done.returncode == 2
    one_line(done.stderr)


def test_report_without_results_exits_2(tmp_path: Path) -> None:
    done = lmsconf("report", "--report-dir", str(tmp_path))
    assert done.returncode == 2
    assert "lmsconf run" in one_line(done.stderr)


def test_simulate_prints_base_url_and_credentials() -> None:
    command = [sys.executable, "-m", "conformance.cli", "simulate", "--profile", PROFILE]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=child_env()) as child:
        try:
            assert child.stdout is not None
            lines = [child.stdout.readline().strip() for _ in range(1 + len(CREDENTIALS))]
        finally:
            stop(child)
    settings = dict(line.split("=", 1) for line in lines)
    assert settings["LMSCONF_BASE_URL"].startswith("http://127.0.0.1:")
    assert set(settings) == {"LMSCONF_BASE_URL", *CREDENTIALS}     # one key: no LMSCONF_PRIVATE_KEY
    assert child.returncode == 0  # SIGTERM is a clean stop


def test_read_only_leaves_out_every_writing_test(tmp_path: Path) -> None:
    from tests.support import run_suite

    status, part = run_suite(tmp_path, "--read-only", "-m", "writes")
    assert status == 5  # pytest's "no tests ran": nothing that writes was selected
    outcomes = {result["outcome"] for result in part["rules"].values()}
    assert outcomes == {"not-checked"}, part  # nothing ran, so nothing passed
    assert "--read-only" in part["rules"]["writes.upload-limit-enforced"]["reason"]
    status, part = run_suite(tmp_path, "-m", "writes", "--collect-only")
    assert status == 0


def _profile_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    from conformance.vendors import profile_files

    text = profile_files()[name.removesuffix(".toml")].read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_rules_left_unchecked_exit_4_and_are_listed(tmp_path: Path) -> None:
    done = lmsconf("run", "--profile", "absorb-v1", "--report-dir", str(tmp_path), "--", "-k", "auth.token-issued")
    assert done.returncode == 4, done.stdout + done.stderr
    assert "not checked" in one_line(done.stderr)
    assert "every applicable rule passed" not in done.stdout
    for rule_id in ("auth.token-issued", "status.bad-token-is-401", "status.unknown-id-is-404"):
        assert rule_id in done.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    rules = summary["profiles"]["absorb-v1"]["rules"]
    assert rules["auth.token-issued"]["outcome"] == "passed"
    assert rules["status.unknown-id-is-404"] == {**rules["status.unknown-id-is-404"], "outcome": "not-checked"}
    assert "deselected" in rules["status.unknown-id-is-404"]["reason"]
    assert summary["exit_code"] == 4


def test_allow_unchecked_accepts_rules_not_checked(tmp_path: Path) -> None:
    done = lmsconf("run", "--profile", "absorb-v1", "--report-dir", str(tmp_path), "--allow-unchecked",
                   "--", "-k", "auth.token-issued")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every applicable rule passed" not in done.stdout
    assert "not-checked" in done.stdout


def test_unknown_rule_id_in_a_profile_exits_2(tmp_path: Path) -> None:
    path = _profile_copy(tmp_path, "absorb-v1.toml", '"auth.token-issued",', '"auth.token-issued", "auth.tokn-issued",')
    done = lmsconf("run", "--profile", str(path), "--report-dir", str(tmp_path / "r"))
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "auth.tokn-issued" in line and "rules.apply" in line


def test_a_missing_schema_file_is_a_configuration_error_not_a_violation(tmp_path: Path) -> None:
    path = _profile_copy(tmp_path, "absorb-v1.toml", 'schema = "absorb/user.v1.json"',
                         'schema = "absorb/missing-user.v1.json"')
    done = lmsconf("run", "--profile", str(path), "--report-dir", str(tmp_path / "r"), "--",
                   "-k", "envelopes.rows-validate")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "not found" in one_line(done.stderr)
    rules = json.loads((tmp_path / "r" / "summary.json").read_text())["profiles"]["absorb-v1"]["rules"]
    assert rules["envelopes.rows-validate"]["outcome"] == "error"
    assert rules["envelopes.rows-validate"]["error_kind"] == "config"


def test_the_readme_live_command_never_claims_every_rule_passed(tmp_path: Path) -> None:
    """The README's sandbox command (read-only, no quota, no counterpart) against a served simulator:
    every rule is printed with its outcome, the writing and rate-limit rules are not checked, exit 4."""
    with SimulatorServer(Simulator(PROFILE)) as server:
        done = lmsconf("run", "--profile", PROFILE, "--base-url", server.base_url, "--report-dir", str(tmp_path),
                       "--read-only", "--", "-m", "not quota",
                       "-k", "(auth or writes or ratelimit or versions.v1_5) and not test_fuzz",
                       env=dict(server.simulator.credentials))
    assert done.returncode == 4, done.stdout + done.stderr
    assert "every applicable rule passed" not in done.stdout
    rules = json.loads((tmp_path / "summary.json").read_text())["profiles"][PROFILE]["rules"]
    from conformance import profiles

    assert set(rules) == set(profiles.load(PROFILE).rules)
    for rule_id, result in rules.items():
        assert rule_id in done.stdout
        assert result["outcome"] in ("passed", "not-checked"), (rule_id, result)
    assert "--read-only" in rules["writes.upload-limit-enforced"]["reason"]
    assert "deselected" in rules["ratelimit.enforced"]["reason"]
    assert "counterpart" in rules["versions.v1_5-adds-fields"]["reason"]


def test_fuzz_examples_reach_every_pytest_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`lmsconf run --fuzz-examples N` gives each profile's session `--fuzz-examples N`; left out, the suite's
    own default applies."""
    import types

    from conformance import cli, runner

    commands: list[list[str]] = []

    class Session:
        def __init__(self, command: list[str]) -> None:
            commands.append(command)

        def wait(self, timeout: float | None = None) -> int:
            return 0

    monkeypatch.setattr(runner, "subprocess", types.SimpleNamespace(Popen=Session,
                                                                    TimeoutExpired=subprocess.TimeoutExpired))
    cli.main(["run", "--profile", "qses", "--profile", "absorb-v1", "--report-dir", str(tmp_path),
              "--fuzz-examples", "12"])
    assert len(commands) == 2
    assert all(c[c.index("--fuzz-examples"):][:2] == ["--fuzz-examples", "12"] for c in commands), commands
    commands.clear()
    cli.main(["run", "--profile", "qses", "--report-dir", str(tmp_path)])
    assert len(commands) == 1 and "--fuzz-examples" not in commands[0]


def test_a_session_takes_fuzz_examples(tmp_path: Path) -> None:
    done = lmsconf("run", "--profile", "qses", "--report-dir", str(tmp_path), "--fuzz-examples", "2",
                   "--allow-unchecked", "--", "-k", "auth.token-issued")
    assert done.returncode == 0, done.stdout + done.stderr
