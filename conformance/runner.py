"""`lmsconf run`: one pytest session per profile, then DIR/summary.json and the exit code."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance import profiles
from conformance.errors import (
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    EXIT_VIOLATIONS,
    ConfigError,
)
from conformance.paths import PACKAGE
from conformance.reporting.summary import read_part, write_run
from conformance.target import check_base_url, credentials_from_env

SUITES = PACKAGE / "suites"
PYTEST_NO_TESTS = 5
DEFAULT_TIMEOUT_S = 3600.0   # `lmsconf run --timeout`: the whole run's deadline
GRACE_S = 60.0               # a session still running this long past the deadline is killed
SEVERITY = (EXIT_USAGE, EXIT_UNREACHABLE, EXIT_VIOLATIONS, EXIT_OK)


def pytest_command(profile: str, report_dir: Path, base_url: str | None, read_only: bool,
                   extra: Sequence[str], counterpart_base_url: str | None = None,
                   run_timeout: float | None = None) -> list[str]:
    out = report_dir / profile
    command = [
        sys.executable, "-m", "pytest", str(SUITES), "--profile", profile, "--report-dir", str(report_dir),
        "--alluredir", str(out / "allure-results"), "--clean-alluredir", "--junitxml", str(out / "junit.xml"),
        "-o", f"junit_suite_name={profile}", "-p", "no:cacheprovider", "-q", "--tb=short",
        "--rootdir", str(SUITES), "-c", str(SUITES / "pytest.ini"),
    ]
    if base_url:
        command += ["--base-url", base_url]
    if counterpart_base_url:
        command += ["--counterpart-base-url", counterpart_base_url]
    if read_only:
        command.append("--read-only")
    if run_timeout is not None:
        command += ["--run-timeout", f"{run_timeout:.3f}"]
    return command + list(extra)


def wait_for(child: subprocess.Popen[bytes], deadline: float, grace_s: float = GRACE_S) -> tuple[int, bool]:
    """Wait for a pytest session; past `deadline` (time.monotonic) plus `grace_s`, stop it (SIGTERM, then
    SIGKILL). Returns (its exit status, whether it had to be stopped). Interrupted (Ctrl-C reaches the session
    too), it gives the session up to `grace_s` to undo what it changed before passing the interrupt on."""
    try:
        return child.wait(timeout=max(0.0, deadline + grace_s - time.monotonic())), False
    except KeyboardInterrupt:
        try:
            child.wait(timeout=grace_s)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            child.kill()
        raise
    except subprocess.TimeoutExpired:
        child.terminate()
        try:
            return child.wait(timeout=10), True
        except subprocess.TimeoutExpired:
            child.kill()
            return child.wait(), True


def verdict(profile: str, returncode: int, part: dict[str, Any] | None) -> tuple[int, str | None]:
    """Map one pytest session's outcome onto the documented exit codes, with a reason when not 0/1."""
    if part and part.get("error"):
        code = EXIT_USAGE if part.get("error_kind") == "ConfigError" else EXIT_UNREACHABLE
        return code, f"{profile}: {part['error']}"
    if returncode == PYTEST_NO_TESTS:
        return EXIT_USAGE, f"{profile}: no test selected (check the arguments after --)"
    if returncode in (EXIT_OK, EXIT_VIOLATIONS) and part is not None:
        return returncode, None
    if returncode == 2:
        return EXIT_USAGE, f"{profile}: the run was interrupted"
    return EXIT_USAGE, f"{profile}: pytest ended with status {returncode} (usage error; see its output above)"


def preflight(names: Sequence[str], base_url: str | None) -> list[str]:
    """Load every profile and, for a live target, check its credentials before anything runs."""
    chosen = list(dict.fromkeys(names)) or profiles.available()
    if base_url and len(chosen) > 1:
        raise ConfigError(f"--base-url points at one API: name its profile with one --profile "
                          f"(one of {', '.join(profiles.available())})")
    for name in chosen:
        profile = profiles.load(name)
        if base_url:
            check_base_url(base_url)
            credentials_from_env(profile)
    return [profiles.load(n).id for n in chosen]


def run(names: Sequence[str], *, base_url: str | None, report_dir: str, read_only: bool,
        pytest_args: Sequence[str], counterpart_base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S) -> int:
    if not timeout > 0:
        raise ConfigError(f"--timeout {timeout:g}: give a number of seconds above 0")
    deadline = time.monotonic() + timeout
    chosen = preflight(names, base_url)
    if counterpart_base_url:
        check_base_url(counterpart_base_url)
    root = Path(report_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--report-dir {report_dir}: cannot create: {exc.strerror}") from None
    parts: dict[str, dict[str, Any]] = {}
    codes: list[int] = []
    for name in chosen:
        print(f"lmsconf: {name}: running against {base_url or 'the embedded simulator'}", flush=True)
        (root / name / "summary.json").unlink(missing_ok=True)
        remaining = max(0.001, deadline - time.monotonic())
        command = pytest_command(name, root, base_url, read_only, pytest_args, counterpart_base_url, remaining)
        returncode, killed = wait_for(subprocess.Popen(command), deadline)
        part = read_part(root, name)
        code, reason = verdict(name, returncode, part)
        if killed:
            code = EXIT_UNREACHABLE
            reason = f"{name}: the run's deadline of {timeout:g} s passed; the session was stopped"
        if reason:
            print(f"lmsconf: {reason}", file=sys.stderr)
        if part is not None:
            parts[name] = {k: v for k, v in part.items() if k != "error_kind"}
        codes.append(code)
    exit_code = next(c for c in SEVERITY if c in codes) if codes else EXIT_USAGE
    write_run(root, parts, exit_code)
    print_table(parts, root)
    return exit_code


def print_table(parts: dict[str, dict[str, Any]], root: Path) -> None:
    width = shutil.get_terminal_size((100, 20)).columns
    print("-" * min(width, 78))
    pad = max((len(name) for name in parts), default=0)
    for name, part in parts.items():
        outcomes = [r["outcome"] for r in part.get("rules", {}).values()]
        print(f"{name:<{pad}}  rules passed {outcomes.count('passed'):>3}  failed {outcomes.count('failed'):>3}  "
              f"skipped {outcomes.count('skipped'):>3}  requests {part.get('requests', 0):>6}  "
              f"{part.get('duration_s', 0):.1f}s")
    print(f"summary: {root / 'summary.json'}")
