"""`lmsconf report`: the HTML report from every profile's Allure results, with the Allure 3 generator."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conformance.errors import ConfigError
from conformance.paths import ROOT

GENERATOR = ROOT / "node_modules" / "allure" / "cli.js"


def results_dirs(report_dir: Path) -> list[Path]:
    return sorted(p for p in report_dir.glob("*/allure-results") if p.is_dir() and any(p.iterdir()))


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
    command = [node, str(GENERATOR), "generate", *map(str, sources), "--output", str(output), "--report-name", name]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    index = output / "index.html"
    if done.returncode != 0 or not index.is_file():
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ConfigError(f"the Allure generator failed (status {done.returncode}): {last[0]}")
    print(f"lmsconf: report written to {index}")
    return index
