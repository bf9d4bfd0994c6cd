"""`lmsconf report`: the HTML report from every profile's Allure results, with the Allure 3 generator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from conformance.errors import ConfigError
from conformance.paths import ROOT

ALLURE_VERSION = "3.18.0"   # the version package.json pins (tests/test_html_generator.py keeps them equal)
ALLURE_ENV = "LMSCONF_ALLURE"
CLI_JS = Path("node_modules") / "allure" / "cli.js"
INSTALL = f"npm install allure@{ALLURE_VERSION}"


def generator_command() -> list[str]:
    """How to start the Allure 3 generator: $LMSCONF_ALLURE (its cli.js, or an executable), else
    node_modules/allure/cli.js in the current directory, else in the checkout; ConfigError saying how to install
    it when there is none."""
    chosen = os.environ.get(ALLURE_ENV, "").strip()
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise ConfigError(f"{ALLURE_ENV} names no file: point it at Allure 3's cli.js or executable, "
                              f"or unset it and run `{INSTALL}`")
        if path.suffix != ".js":
            return [str(path.resolve())]
        script = path
    else:
        found = [p for p in (Path.cwd() / CLI_JS, ROOT / CLI_JS) if p.is_file()]
        if not found:
            raise ConfigError(f"the Allure 3 report generator is not installed: run `{INSTALL}` in this "
                              f"directory (Node.js 20 or later), or set {ALLURE_ENV} to its cli.js")
        script = found[0]
    node = shutil.which("node")
    if node is None:
        raise ConfigError("node is not on PATH: the HTML report needs Node.js (20 or later)")
    return [node, str(script.resolve())]


def results_dirs(report_dir: Path) -> list[Path]:
    return sorted(p for p in report_dir.glob("*/allure-results") if p.is_dir() and any(p.iterdir()))


def allure_config(name: str) -> dict[str, object]:
    """The report's tree: profile, then area, then rule id (epic, feature, story); one self-contained
    index.html, so it opens from disk or as a ticket attachment without a web server."""
    options = {"reportName": name, "groupBy": ["epic", "feature", "story"], "singleFile": True}
    return {"name": name, "plugins": {"awesome": {"options": options}}}


def build(report_dir: str | Path, *, name: str = "lms-conformance") -> Path:
    """Generate DIR/html/index.html; ConfigError (exit 2) when there is nothing to report or no generator."""
    root = Path(report_dir)
    sources = results_dirs(root)
    if not sources:
        raise ConfigError(f"no Allure results under {root}/*/allure-results: run `lmsconf run` first")
    generator = generator_command()
    output = root / "html"
    shutil.rmtree(output, ignore_errors=True)
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "allurerc.json"
        config.write_text(json.dumps(allure_config(name)), encoding="utf-8")
        command = [*generator, "generate", *(str(p.resolve()) for p in sources), "--config", str(config),
                   "--output", str(output.resolve())]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    index = output / "index.html"
    if done.returncode != 0 or not index.is_file():
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ConfigError(f"the Allure generator failed (status {done.returncode}): {last[0]}")
    print(f"lmsconf: report written to {index}")
    return index
