"""The run's overall deadline: `lmsconf run --timeout` ends a run quickly with exit 3, and the runner kills a
pytest session that overruns it by more than a grace period."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from conformance import runner
from conformance.errors import EXIT_UNREACHABLE
from tests.support import PROFILE, lmsconf, run_suite


def test_a_run_past_its_deadline_stops_with_a_target_error(tmp_path: Path) -> None:
    began = time.monotonic()
    status, part = run_suite(tmp_path, "--run-timeout", "4", "-m", "not quota")
    took = time.monotonic() - began
    assert part.get("error_kind") == "RunDeadline", part
    assert status != 0
    assert took < 40, took   # the whole suite takes minutes


def test_lmsconf_run_timeout_exits_3(tmp_path: Path) -> None:
    began = time.monotonic()
    done = lmsconf("run", "--profile", PROFILE, "--report-dir", str(tmp_path), "--timeout", "4", "--",
                   "-m", "not quota")
    assert done.returncode == EXIT_UNREACHABLE, done.stderr[-2000:]
    assert "deadline" in done.stderr
    assert time.monotonic() - began < 60


def test_the_runner_kills_a_session_that_overruns_its_deadline() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    began = time.monotonic()
    returncode, overran = runner.wait_for(child, deadline=time.monotonic() + 0.5, grace_s=0.5)
    assert overran and returncode != 0
    assert time.monotonic() - began < 5
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    assert runner.wait_for(child, deadline=time.monotonic() + 30, grace_s=1) == (0, False)


def test_timeout_must_be_positive(tmp_path: Path) -> None:
    done = lmsconf("run", "--profile", PROFILE, "--report-dir", str(tmp_path), "--timeout", "0")
    assert done.returncode == 2 and "--timeout" in done.stderr
