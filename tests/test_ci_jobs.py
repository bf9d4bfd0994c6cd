"""The CI jobs in docs/ci/ work: their shell steps, as written, run against a simulator served apart (as a sandbox
is), with the credentials handed in as the CI's secret store would, and leave the reports the other steps keep.

The package is already installed here, so the install step (GitHub: id `install`; GitLab: `before_script`) is the
one step left out; steps that `uses:` an action (cache, artifact upload, JUnit) are the CI service's, and the
test checks the paths they name exist. The jobs' knobs are set as a user would set them: the profile (one whose
suite is quick), and `-m "not quota"` with `--allow-unchecked` so the rate-limit burst does not spend a minute.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.paths import ROOT
from tests.support import child_env, served_apart

DOCS = ROOT / "docs" / "ci"
PROFILE = "absorb-v1"
KNOBS = {"LMSCONF_PROFILE": PROFILE, "LMSCONF_RUN_OPTIONS": "--allow-unchecked --fuzz-examples 2",
         "PYTEST_ADDOPTS": '-m "not quota"'}
SECRET = re.compile(r"^\$\{\{\s*secrets\.(\w+)\s*\}\}$")
OUTPUT = re.compile(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.(\w+)\s*\}\}")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[dict[str, str]]:
    """`lmsconf simulate` in its own process: what the CI's secret store would hold (base URL, credentials)."""
    with served_apart(PROFILE) as (base_url, credentials):
        yield {"LMSCONF_BASE_URL": base_url, **credentials}


def bash(script: str, env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The script as a CI runs it (bash -eo pipefail), with this environment's `lmsconf` first on PATH."""
    env = {**env, "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd, env=dict(env),
                          capture_output=True, text=True, timeout=900, check=False)


def step_env(step: dict[str, Any], secrets: Mapping[str, str]) -> dict[str, str]:
    """A step's env, each `${{ secrets.NAME }}` taken from the secret store (left out when it holds none)."""
    env: dict[str, str] = {}
    for name, value in (step.get("env") or {}).items():
        found = SECRET.match(str(value))
        if found is None:
            env[name] = str(value)
        elif found.group(1) in secrets:
            env[name] = secrets[found.group(1)]
    return env


def assert_reports(workspace: Path) -> None:
    reports = workspace / "reports"
    assert (reports / "summary.json").is_file() and (reports / PROFILE / "junit.xml").is_file()
    assert any((reports / PROFILE / "allure-results").iterdir())
    assert (reports / "html" / "index.html").is_file()


def test_github_workflow_run_steps_pass_against_the_simulator(sandbox: dict[str, str], tmp_path: Path) -> None:
    job = yaml.safe_load((DOCS / "github-actions.yml").read_text(encoding="utf-8"))["jobs"]["conformance"]
    steps = [s for s in job["steps"] if "run" in s and s.get("id") != "install"]
    assert next(s.get("id") for s in job["steps"] if "run" in s) == "install" and len(steps) == 3
    base = {**child_env(), **{k: str(v) for k, v in job["env"].items()}, **KNOBS, **sandbox}
    outputs: dict[str, dict[str, str]] = {}
    for step in steps:
        script = OUTPUT.sub(lambda m: outputs[m.group(1)][m.group(2)], step["run"])
        assert "${{" not in script, script
        out = tmp_path / f"output-{len(outputs)}"
        done = bash(script, {**base, **step_env(step, sandbox), "GITHUB_OUTPUT": str(out)}, tmp_path)
        assert done.returncode == 0, f"{step['name']}: {done.stdout[-3000:]}{done.stderr[-2000:]}"
        lines = out.read_text().splitlines() if out.exists() else []
        outputs[step.get("id", step["name"])] = dict(line.split("=", 1) for line in lines)
    assert outputs["run"]["status"] == "0"
    assert_reports(tmp_path)
    kept = {s.get("name", s["uses"]): s["with"] for s in job["steps"] if "uses" in s}
    assert kept["keep the reports"]["path"] == "reports/"
    assert kept["publish JUnit"]["report_paths"] == "reports/*/junit.xml"
    assert kept["restore Allure history"]["path"] == kept["save Allure history"]["path"] == "reports/history.jsonl"


def test_github_workflow_maps_the_profiles_credentials_from_secrets() -> None:
    from conformance.profiles import load

    job = yaml.safe_load((DOCS / "github-actions.yml").read_text(encoding="utf-8"))["jobs"]["conformance"]
    run = next(s for s in job["steps"] if s.get("id") == "run")
    secrets = {name for name, value in run["env"].items() if SECRET.match(str(value))}
    assert secrets == {"LMSCONF_BASE_URL", *load(job["env"]["LMSCONF_PROFILE"]).credentials}


def test_gitlab_job_script_passes_against_the_simulator(sandbox: dict[str, str], tmp_path: Path) -> None:
    job = yaml.safe_load((DOCS / "gitlab-ci.yml").read_text(encoding="utf-8"))["lmsconf"]
    env = {**child_env(), **{k: str(v) for k, v in job["variables"].items()}, **KNOBS, **sandbox}
    done = bash("\n".join(job["script"]), env, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert_reports(tmp_path)
    assert job["artifacts"]["paths"] == ["reports/"] and job["artifacts"]["reports"]["junit"] == "reports/*/junit.xml"
    assert job["cache"]["paths"] == ["reports/history.jsonl"]
