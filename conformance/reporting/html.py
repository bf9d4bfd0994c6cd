"""`lmsconf report`: the HTML report from every profile's Allure results, with the Allure 3 generator."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from conformance.errors import ConfigError
from conformance.paths import ROOT

GENERATOR = ROOT / "node_modules" / "allure" / "cli.js"


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
    node = shutil.which("node")
    if node is None:
        raise ConfigError("node is not on PATH: the HTML report needs Node.js (20 or later)")
    if not GENERATOR.is_file():
        raise ConfigError(f"the Allure 3 report generator is not installed: run `npm ci` in {ROOT}")
    output = root / "html"
    shutil.rmtree(output, ignore_errors=True)
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "allurerc.json"
        config.write_text(json.dumps(allure_config(name)), encoding="utf-8")
        command = [node, str(GENERATOR), "generate", *(str(p.resolve()) for p in sources), "--config", str(config),
                   "--output", str(output.resolve())]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    index = output / "index.html"
    if done.returncode != 0 or not index.is_file():
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ConfigError(f"the Allure generator failed (status {done.returncode}): {last[0]}")
    print(f"lmsconf: report written to {index}")
    return index
