"""The package installs and runs outside this repository: a wheel built from a copy of the checkout, installed with
its dependencies into a fresh venv, runs `lmsconf` from a directory that is not the checkout, with the profiles,
schemas, OpenAPI documents, fixtures and suites it carries."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.paths import ROOT
from tests.support import child_env

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


def test_run_against_the_embedded_simulator_exits_0(installed: Installed) -> None:
    """The profile's whole suite but the rate-limit burst (`-m "not quota"`: on a busy machine it may not outpace
    the documented rate, and its rules then end not-checked, exit 4). Every other rule must pass; the left-out ones
    are exactly the quota rules `lmsconf rules` names. (The fuzz suite keeps its default budget: with fewer
    examples the linked PUT and DELETE may go unreached, and their rules not-checked.)"""
    listing = json.loads(installed.lmsconf("rules", "--profile", PROFILE, "--format", "json").stdout)["rules"]
    quota = {row["id"] for row in listing if row["quota"]}
    reports = installed.outside / "reports"
    done = installed.lmsconf("run", "--profile", PROFILE, "--report-dir", str(reports), "--allow-unchecked",
                             "--", "-m", "not quota", timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    outcomes = json.loads((reports / "summary.json").read_text())["profiles"][PROFILE]["rules"]
    assert set(outcomes) == {row["id"] for row in listing}
    assert {rid for rid, o in outcomes.items() if o["outcome"] != "passed"} == quota
    assert all(outcomes[rid]["outcome"] == "not-checked" for rid in quota)
    assert (reports / PROFILE / "junit.xml").is_file() and any((reports / PROFILE / "allure-results").iterdir())


def test_report_without_a_generator_names_the_install_command(installed: Installed) -> None:
    results = installed.outside / "only-results" / PROFILE / "allure-results"
    results.mkdir(parents=True)
    (results / "x-result.json").write_text("{}", encoding="utf-8")
    done = installed.lmsconf("report", "--report-dir", str(results.parent.parent))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "npm install allure@" in lines[0]
