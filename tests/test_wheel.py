"""The package installs and runs outside this repository, and the CI jobs in docs/ci/ work with it.

A wheel built from a copy of the checkout, installed with its dependencies into a fresh venv, runs `lmsconf` from
a directory that is not the checkout, with the profiles, schemas, OpenAPI documents, fixtures and suites it
carries. The CI jobs' shell steps, as written, run with that venv's `lmsconf` against a simulator served apart (as
a sandbox is), with the credentials handed in as the CI's secret store would, and leave the reports the other
steps keep. The install step (GitHub: id `install`; GitLab: `before_script`) is what the fixture did, so it is
the one step left out (its `npm install` is stood in for by the checkout's node_modules); steps that `uses:` an
action (cache, artifact upload, JUnit) are the CI service's, and the tests check the paths they name exist.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.paths import ROOT
from tests.support import child_env, served_apart
from tests.test_report_size import assert_keeps_to_its_share

pytestmark = pytest.mark.slow
PROFILE = "absorb-v1_5"
LEFT_BEHIND = shutil.ignore_patterns(".git", ".venv", "node_modules", "reports", "build", "dist", "*.egg-info",
                                     "__pycache__", ".*_cache", ".hypothesis", ".benchmarks")


@dataclass(frozen=True)
class Installed:
    venv: Path
    outside: Path     # the working directory: neither the checkout nor the venv

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*args], cwd=self.outside, capture_output=True, text=True, timeout=timeout, check=False,
                              env=child_env({"PYTHONDONTWRITEBYTECODE": "1"}))

    def lmsconf(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.venv / "bin" / "lmsconf"), *args, timeout=timeout)


def checked(command: Sequence[str], timeout: float) -> None:
    done = subprocess.run([*command], capture_output=True, text=True, timeout=timeout, check=False, env=child_env())
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel from a copy of the checkout (the build leaves nothing in the checkout), make a venv, install
    the wheel and its dependencies (from pip's cache or the package registry)."""
    base = tmp_path_factory.mktemp("wheel")
    source, dist, venv, outside = base / "src", base / "dist", base / "venv", base / "elsewhere"
    shutil.copytree(ROOT, source, ignore=LEFT_BEHIND)
    outside.mkdir()
    pip = ("-m", "pip", "--disable-pip-version-check", "-q")
    checked([sys.executable, *pip[:2], "wheel", *pip[2:], "--no-deps", "-w", str(dist), str(source)], timeout=600)
    wheels = sorted(dist.glob("lms_conformance-*.whl"))
    assert len(wheels) == 1, wheels
    checked([sys.executable, "-m", "venv", str(venv)], timeout=300)
    checked([str(venv / "bin" / "python"), *pip[:2], "install", *pip[2:], str(wheels[0])], timeout=900)
    return Installed(venv, outside)


def test_the_venvs_copy_is_imported_with_its_data(installed: Installed) -> None:
    probe = ("import json, conformance, conformance.paths as p; "
             "print(json.dumps([conformance.__file__, str(p.SCHEMAS), str(p.FIXTURES)]))")
    done = installed.run(str(installed.venv / "bin" / "python"), "-c", probe)
    assert done.returncode == 0, done.stderr
    package, schemas, fixtures = (Path(p) for p in json.loads(done.stdout))
    site = installed.venv.resolve()
    assert package.is_relative_to(site) and not package.is_relative_to(ROOT)
    assert (schemas / "meta" / "profile.schema.json").is_file() and (schemas / "openapi" / f"{PROFILE}.yaml").is_file()
    assert (fixtures / "absorb" / "appendix-c.json").is_file()
    assert schemas.is_relative_to(site) and fixtures.is_relative_to(site)


def test_rules_lists_the_profiles_rules(installed: Installed) -> None:
    done = installed.lmsconf("rules", "--profile", PROFILE, "--format", "json")
    assert done.returncode == 0, done.stderr
    rules = json.loads(done.stdout)["rules"]
    assert rules and all(row["profiles"] and row["cites"] for row in rules)


def test_report_without_a_generator_names_the_install_command(installed: Installed) -> None:
    results = installed.outside / "only-results" / PROFILE / "allure-results"
    results.mkdir(parents=True)
    (results / "x-result.json").write_text("{}", encoding="utf-8")
    done = installed.lmsconf("report", "--report-dir", str(results.parent.parent))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "npm install allure@" in lines[0]


DOCS = ROOT / "docs" / "ci"
# The workflow's own profile (absorb-v1_5), its whole suite but the rate-limit burst: on a busy machine the burst
# may not outpace the documented rate, and its rules then end not-checked. The GitLab job, whose commands are the
# same, runs the auth suite only.
KNOBS = {"LMSCONF_RUN_OPTIONS": "--allow-unchecked", "PYTEST_ADDOPTS": '-m "not quota"'}
GITLAB_KNOBS = {"LMSCONF_RUN_OPTIONS": "--allow-unchecked", "PYTEST_ADDOPTS": "-k auth"}
SECRET = re.compile(r"^\$\{\{\s*secrets\.(\w+)\s*\}\}$")
OUTPUT = re.compile(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.(\w+)\s*\}\}")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[dict[str, str]]:
    """`lmsconf simulate` in its own process: what the CI's secret store would hold (base URL, credentials)."""
    with served_apart(PROFILE) as (base_url, credentials):
        yield {"LMSCONF_BASE_URL": base_url, **credentials}


def bash(script: str, env: Mapping[str, str], installed: Installed, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The script as a CI runs it (bash -eo pipefail), with the wheel's `lmsconf` first on PATH and the report
    generator in the working directory, as the install step leaves them."""
    if not (cwd / "node_modules").exists():
        (cwd / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    env = {**env, "PATH": os.pathsep.join([str(installed.venv / "bin"), env.get("PATH", "")])}
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


def test_github_workflow_runs_the_wheel_against_the_simulator(installed: Installed, sandbox: dict[str, str],
                                                             tmp_path: Path) -> None:
    """The workflow's run steps with the wheel's `lmsconf`: `lmsconf run --profile absorb-v1_5` against the
    simulator exits 0. Every rule passes but the quota rules left out, which are exactly those `lmsconf rules`
    marks as spending quota, each reported not-checked (never passed)."""
    job = yaml.safe_load((DOCS / "github-actions.yml").read_text(encoding="utf-8"))["jobs"]["conformance"]
    steps = [s for s in job["steps"] if "run" in s and s.get("id") != "install"]
    assert next(s.get("id") for s in job["steps"] if "run" in s) == "install" and len(steps) == 3
    assert job["env"]["LMSCONF_PROFILE"] == PROFILE
    base = {**child_env(), **{k: str(v) for k, v in job["env"].items()}, **KNOBS, **sandbox}
    # the v1 comparisons: the option the workflow's comment names, pointed at the simulator's v1
    base["LMSCONF_RUN_OPTIONS"] += f" --counterpart-base-url {sandbox['LMSCONF_BASE_URL']}/api/Rest/v1"
    outputs: dict[str, dict[str, str]] = {}
    for step in steps:
        script = OUTPUT.sub(lambda m: outputs[m.group(1)][m.group(2)], step["run"])
        assert "${{" not in script, script
        out = tmp_path / f"output-{len(outputs)}"
        done = bash(script, {**base, **step_env(step, sandbox), "GITHUB_OUTPUT": str(out)}, installed, tmp_path)
        assert done.returncode == 0, f"{step['name']}: {done.stdout[-3000:]}{done.stderr[-2000:]}"
        lines = out.read_text().splitlines() if out.exists() else []
        outputs[step.get("id", step["name"])] = dict(line.split("=", 1) for line in lines)
    assert outputs["run"]["status"] == "0"
    assert_reports(tmp_path)
    listing = json.loads(installed.lmsconf("rules", "--profile", PROFILE, "--format", "json").stdout)["rules"]
    outcomes = json.loads((tmp_path / "reports" / "summary.json").read_text())["profiles"][PROFILE]["rules"]
    assert set(outcomes) == {row["id"] for row in listing}
    quota = {row["id"] for row in listing if row["quota"]}
    assert quota and {rid for rid, o in outcomes.items() if o["outcome"] != "passed"} == quota
    assert all(outcomes[rid]["outcome"] == "not-checked" for rid in quota)
    kept = {s.get("name", s["uses"]): s["with"] for s in job["steps"] if "uses" in s}
    assert kept["keep the reports"]["path"] == "reports/"
    assert kept["publish JUnit"]["report_paths"] == "reports/*/junit.xml"
    assert kept["restore Allure history"]["path"] == kept["save Allure history"]["path"] == "reports/history.jsonl"
    assert (tmp_path / "reports" / "history.jsonl").is_file()
    assert_keeps_to_its_share(tmp_path / "reports" / "html" / "index.html")   # ticket-sized


def test_github_workflow_maps_the_profiles_credentials_from_secrets() -> None:
    from conformance.profiles import load

    job = yaml.safe_load((DOCS / "github-actions.yml").read_text(encoding="utf-8"))["jobs"]["conformance"]
    run = next(s for s in job["steps"] if s.get("id") == "run")
    secrets = {name for name, value in run["env"].items() if SECRET.match(str(value))}
    assert secrets == {"LMSCONF_BASE_URL", *load(job["env"]["LMSCONF_PROFILE"]).credentials}


def test_gitlab_job_script_runs_the_wheel_against_the_simulator(installed: Installed, sandbox: dict[str, str],
                                                               tmp_path: Path) -> None:
    job = yaml.safe_load((DOCS / "gitlab-ci.yml").read_text(encoding="utf-8"))["lmsconf"]
    assert job["variables"]["LMSCONF_PROFILE"] == PROFILE
    env = {**child_env(), **{k: str(v) for k, v in job["variables"].items()}, **GITLAB_KNOBS, **sandbox}
    done = bash("\n".join(job["script"]), env, installed, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert_reports(tmp_path)
    outcomes = json.loads((tmp_path / "reports" / "summary.json").read_text())["profiles"][PROFILE]["rules"]
    assert outcomes["auth.api-key-required"]["outcome"] == "passed"
    assert job["artifacts"]["paths"] == ["reports/"] and job["artifacts"]["reports"]["junit"] == "reports/*/junit.xml"
    assert job["cache"]["paths"] == ["reports/history.jsonl"]
