"""Helpers for tests that run the suite or the CLI in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance.runner import suite_paths

PROFILE = "absorb-v1_5"


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMSCONF_")}
    env.update(extra or {})
    return env


def run_suite(report_dir: Path, *args: str, profile: str = PROFILE,
              env: Mapping[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """Run the conformance suite as plain pytest; return (exit status, the profile's summary part)."""
    command = [sys.executable, "-m", "pytest", *suite_paths(profile), "--profile", profile,
               "--report-dir", str(report_dir),
               "-p", "no:cacheprovider", "-q", "--tb=line", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=child_env(env), timeout=600, check=False)
    part_path = report_dir / profile / "summary.json"
    part = json.loads(part_path.read_text()) if part_path.exists() else {}
    return done.returncode, part


def lmsconf(*args: str, env: Mapping[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    command: Sequence[str] = [sys.executable, "-m", "conformance.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=child_env(env), timeout=timeout, check=False)
