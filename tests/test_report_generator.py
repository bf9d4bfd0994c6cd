"""`lmsconf report` finds the Allure 3 generator ($LMSCONF_ALLURE, ./node_modules, the checkout's node_modules) or
says how to install it."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from conformance import cli
from conformance.errors import ConfigError
from conformance.paths import ROOT
from conformance.reporting import html


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A current directory and a checkout without node_modules, and no LMSCONF_ALLURE."""
    monkeypatch.delenv(html.ALLURE_ENV, raising=False)
    monkeypatch.setattr(html, "ROOT", tmp_path / "checkout")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def fake_cli_js(folder: Path) -> Path:
    script = folder / "node_modules" / "allure" / "cli.js"
    script.parent.mkdir(parents=True)
    script.write_text("// stand-in\n", encoding="utf-8")
    return script


def test_the_pinned_version_is_package_jsons() -> None:
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]["allure"]
    assert pinned == html.ALLURE_VERSION


def test_no_generator_is_a_config_error_with_the_install_command(nowhere: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        html.generator_command()
    assert f"npm install allure@{html.ALLURE_VERSION}" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_report_without_a_generator_exits_2(nowhere: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = nowhere / "reports" / "absorb-v1_5" / "allure-results"
    results.mkdir(parents=True)
    (results / "x-result.json").write_text("{}", encoding="utf-8")
    assert cli.main(["report", "--report-dir", str(nowhere / "reports")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"npm install allure@{html.ALLURE_VERSION}" in err[0]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node on PATH")
def test_node_modules_in_the_current_directory_comes_before_the_checkouts(nowhere: Path) -> None:
    fake_cli_js(html.ROOT)
    here = fake_cli_js(nowhere)
    assert html.generator_command()[1:] == [str(here.resolve())]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node on PATH")
def test_the_checkouts_node_modules_is_the_fallback(nowhere: Path) -> None:
    there = fake_cli_js(html.ROOT)
    command = html.generator_command()
    assert Path(command[0]).name.startswith("node") and command[1:] == [str(there.resolve())]


def test_the_env_variable_wins_with_a_cli_js_or_an_executable(nowhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_cli_js(nowhere)
    tool = nowhere / "allure"
    tool.write_text("#!/bin/sh\n", encoding="utf-8")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv(html.ALLURE_ENV, str(tool))
    assert html.generator_command() == [str(tool.resolve())]
    if shutil.which("node") is not None:
        script = fake_cli_js(nowhere / "elsewhere")
        monkeypatch.setenv(html.ALLURE_ENV, str(script))
        assert html.generator_command()[1:] == [str(script.resolve())]
    monkeypatch.setenv(html.ALLURE_ENV, os.fspath(nowhere / "missing.js"))
    with pytest.raises(ConfigError, match=html.ALLURE_ENV):
        html.generator_command()
