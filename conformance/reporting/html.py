"""`lmsconf report`: the HTML report from every profile's Allure results, with the Allure 3 generator.

One self-contained ``DIR/html/index.html`` (ticket-sized: see conformance/reporting/allure.py), with the
run's environment, the problems sorted into categories, and the history of earlier reports built in the
same DIR (``DIR/history.jsonl``) so trends show. ``--full`` keeps every exchange whole.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from conformance.errors import ConfigError
from conformance.paths import ROOT
from conformance.reporting import environment, full, trim
from conformance.reporting.allure import (
    AUTH_OR_CONFIG,
    CATEGORY_LABEL,
    CONTRACT_VIOLATION,
    EXCHANGES_LABEL,
    RATE_LIMITED,
    TARGET_UNAVAILABLE,
)

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


HISTORY_FILE = "history.jsonl"


def results_dirs(report_dir: Path) -> list[Path]:
    return sorted(p for p in report_dir.glob("*/allure-results") if p.is_dir() and any(p.iterdir()))


def _labelled(value: str) -> dict[str, Any]:
    return {"labels": {CATEGORY_LABEL: f"^{value}$"}}


# First match wins: results the suite labelled, then by status what it could not label.
CATEGORIES: list[dict[str, Any]] = [
    {"name": "Contract violation", "matchers": [_labelled(CONTRACT_VIOLATION), {"statuses": ["failed"]}]},
    {"name": "Rate limited", "matchers": [_labelled(RATE_LIMITED)]},
    {"name": "Authentication or configuration", "matchers": [_labelled(AUTH_OR_CONFIG)]},
    {"name": "Target unavailable", "matchers": [_labelled(TARGET_UNAVAILABLE), {"statuses": ["broken"]}]},
]


def allure_config(name: str, history: Path | None = None) -> dict[str, object]:
    """The report's tree: profile, then area, then rule id (epic, feature, story); one self-contained
    index.html, so it opens from disk or as a ticket attachment without a web server."""
    options = {"reportName": name, "groupBy": ["epic", "feature", "story"], "singleFile": True}
    config: dict[str, object] = {"name": name, "plugins": {"awesome": {"options": options}},
                                 "categories": CATEGORIES, "hideLabels": [EXCHANGES_LABEL, CATEGORY_LABEL]}
    if history is not None:
        config["historyPath"] = str(history.resolve())
    return config


def _inputs(root: Path, sources: list[Path], scratch: Path, keep_all: bool) -> list[Path]:
    """The results directories to read: each profile's (a copy with every exchange whole for ``keep_all``),
    and one holding the merged environment.properties."""
    dirs = [full.expanded(p, p.parent / full.EXCHANGES_DIR, scratch / p.parent.name) if keep_all
            else trim.trimmed(p, scratch / p.parent.name) for p in sources]
    env_dir = scratch / "environment"
    env_dir.mkdir()
    values = environment.merged(root, [p.parent.name for p in sources])
    (env_dir / "environment.properties").write_text(environment.properties(values), encoding="utf-8")
    return [*dirs, env_dir]


def build(report_dir: str | Path, *, name: str = "lms-conformance", keep_all: bool = False) -> Path:
    """Generate DIR/html/index.html; ConfigError (exit 2) when there is nothing to report or no generator."""
    root = Path(report_dir)
    sources = results_dirs(root)
    if not sources:
        raise ConfigError(f"no Allure results under {root}/*/allure-results: run `lmsconf run` first")
    generator = generator_command()
    output = root / "html"
    shutil.rmtree(output, ignore_errors=True)
    with tempfile.TemporaryDirectory() as work:
        scratch = Path(work)
        config = scratch / "allurerc.json"
        config.write_text(json.dumps(allure_config(name, root / HISTORY_FILE)), encoding="utf-8")
        inputs = _inputs(root, sources, scratch, keep_all)
        command = [*generator, "generate", *(str(p.resolve()) for p in inputs), "--config", str(config),
                   "--output", str(output.resolve())]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    index = output / "index.html"
    if done.returncode != 0 or not index.is_file():
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ConfigError(f"the Allure generator failed (status {done.returncode}): {last[0]}")
    print(f"lmsconf: report written to {index} ({index.stat().st_size / 1e6:.1f} MB"
          f"{', every exchange whole' if keep_all else ''})")
    return index
