"""Helpers for tests that run the suite or the CLI in a child process."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conformance.profiles import load
from conformance.runner import SESSION_FLAGS, stop, suite_paths

PROFILE = "absorb-v1_5"


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMSCONF_")}
    env.update(extra or {})
    return env


def run_suite(report_dir: Path, *args: str, profile: str = PROFILE,
              env: Mapping[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """Run the conformance suite as plain pytest; return (exit status, the profile's summary part)."""
    command = [sys.executable, "-m", "pytest", *suite_paths(profile), *SESSION_FLAGS, "--profile", profile,
               "--report-dir", str(report_dir),
               "-p", "no:cacheprovider", "-q", "--tb=line", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=child_env(env), timeout=600, check=False)
    part_path = report_dir / profile / "summary.json"
    part = json.loads(part_path.read_text()) if part_path.exists() else {}
    return done.returncode, part


def lmsconf(*args: str, env: Mapping[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    command: Sequence[str] = [sys.executable, "-m", "conformance.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=child_env(env), timeout=timeout, check=False)


@contextmanager
def served_apart(profile: str, faults: Sequence[str] = ()) -> Iterator[tuple[str, dict[str, str]]]:
    """``lmsconf simulate`` in a child process (its own interpreter, as a sandbox is): the base URL and the
    credentials the profile needs, as it announces them."""
    command = [sys.executable, "-m", "conformance.cli", "simulate", "--profile", profile,
               *(arg for name in faults for arg in ("--fault", name))]
    wanted = {"LMSCONF_BASE_URL", *load(profile).credentials}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=child_env()) as child:
        try:
            assert child.stdout is not None
            settings: dict[str, str] = {}
            while not wanted <= settings.keys():
                line = child.stdout.readline()
                if not line:
                    raise RuntimeError(f"lmsconf simulate --profile {profile} stopped before announcing itself")
                name, _, value = line.strip().partition("=")
                settings[name] = shlex.split(value)[0] if value else value
            yield settings.pop("LMSCONF_BASE_URL"), settings
        finally:
            stop(child)


@contextmanager
def issued_by(owner: type, method: str = "issue") -> Iterator[list[str]]:
    """Every token ``owner.method`` (a simulator's token issuer) hands out while the block runs."""
    import pytest

    issued: list[str] = []
    original = getattr(owner, method)

    def recording(self: Any, *args: Any) -> str:
        token: str = original(self, *args)
        issued.append(token)
        return token

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(owner, method, recording)
        yield issued


def has_generator() -> bool:
    """Whether `lmsconf report` finds the Allure 3 generator and node here."""
    from conformance.errors import ConfigError
    from conformance.reporting import html

    try:
        html.generator_command()
    except ConfigError:
        return False
    return True
