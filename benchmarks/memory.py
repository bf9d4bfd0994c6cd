"""`python -m benchmarks.memory`: peak memory (RSS) of the suite walking 60,000 users.

The simulator (`--dataset large`) serves from a process of its own, as a live sandbox would, so only the
suite's memory is measured: the pagination suite's walk of every user at the largest page size and the
schema check of every row and page, run as `pytest` in a child process whose peak RSS is read from
getrusage once it ends. Prints a Markdown table (README, "Benchmarks").
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from conformance.runner import SESSION_FLAGS, stop, suite_paths
from conformance.vendors.absorb.simulator.seed import DATASETS

PROFILE = "absorb-v1_5"
SELECTION = ("test_walk_ends_with_every_row_once and users-max or "
             "test_every_page_and_row_matches_its_schema and users")
SETTINGS_LINES = 5


@contextmanager
def simulator(dataset: str) -> Iterator[dict[str, str]]:
    """`lmsconf simulate` in a child process; yields LMSCONF_BASE_URL and the credentials it prints."""
    command = [sys.executable, "-m", "conformance.cli", "simulate", "--profile", PROFILE, "--dataset", dataset]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        lines = [child.stdout.readline().strip() for _ in range(SETTINGS_LINES)]
        yield dict(line.split("=", 1) for line in lines if "=" in line)
    finally:
        stop(child)


def measure(settings: dict[str, str], selection: str) -> tuple[int, float, float]:
    """(pytest's exit status, its peak RSS in MiB, seconds) for one suite run against `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMSCONF_")} | settings
    with tempfile.TemporaryDirectory() as reports:
        command = [sys.executable, "-m", "pytest", *suite_paths(PROFILE), *SESSION_FLAGS,
                   "--profile", PROFILE, "--report-dir", reports,
                   "--base-url", settings["LMSCONF_BASE_URL"], "-p", "no:cacheprovider", "-q", "-k", selection,
                   "--alluredir", os.path.join(reports, "allure")]
        start = time.perf_counter()
        status = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=False).returncode
        seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far: pytest's
    return status, peak_kib / 1024, seconds


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    parser.add_argument("--dataset", default="large", choices=sorted(DATASETS))
    args = parser.parse_args()
    with simulator(args.dataset) as settings:
        status, peak_mib, seconds = measure(settings, SELECTION)
    print("| measurement | peak RSS (MiB) | seconds | pytest status |\n|---|---|---|---|")
    print(f"| walk all {DATASETS[args.dataset].users:,} users at _limit=1000 and validate every page and row "
          f"(pytest child, simulator in its own process) | {peak_mib:.0f} | {seconds:.1f} | {status} |")


if __name__ == "__main__":
    main()
