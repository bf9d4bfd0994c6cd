"""`lmsconf run` shows one progress line per profile on a terminal, and nothing of the kind in a CI log."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from tests.support import child_env, lmsconf

ARGS = ("run", "--profile", "absorb-v1", "--allow-unchecked", "--", "-k", "auth.token-issued")
PROGRESS = re.compile(r"absorb-v1  rules \d+/\d+  requests \d+  429s \d+  \d+s")


def test_no_progress_line_in_a_log(tmp_path: Path) -> None:
    done = lmsconf(*ARGS[:3], "--report-dir", str(tmp_path), *ARGS[3:])
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stdout and not PROGRESS.search(done.stdout)
    assert "passed" in done.stdout   # pytest's own output still passes through
    assert not (tmp_path / "absorb-v1" / "pytest.log").exists()


def test_a_terminal_shows_the_progress_line_and_keeps_pytest_output_in_a_log(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "conformance.cli", *ARGS[:3], "--report-dir", str(tmp_path), *ARGS[3:]]
    child = subprocess.Popen(command, stdout=follower, stderr=subprocess.PIPE, env=child_env(), close_fds=True)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:   # the terminal closed with the child
            break
        if not chunk:
            break
        shown += chunk
    assert child.wait(timeout=300) == 0, child.stderr.read() if child.stderr else ""
    os.close(leader)
    text = shown.decode("utf-8", errors="replace")
    assert "\r" in text and PROGRESS.search(text), text[-2000:]
    log = tmp_path / "absorb-v1" / "pytest.log"
    assert log.is_file() and "passed" in log.read_text()
    assert "every applicable rule passed" in text or "passed" in text
