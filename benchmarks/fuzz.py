"""`python -m benchmarks.fuzz`: requests sent and wall time of the fuzz suite per profile, on the embedded simulator.

Each profile's fuzz tests (generated requests on every read operation, then the linked writes) run as their own
pytest session, as `lmsconf run` runs them; the figures are that session's own (summary.json: requests and
duration). Prints a Markdown table (the README's "Generated requests" figures are a copy of it).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conformance import profiles
from conformance.runner import SESSION_FLAGS, suite_paths

SELECT = "test_generated_requests or test_linked_operations"


def run(profile: str, examples: int) -> tuple[int, float, float, str]:
    """(requests, the session's duration, wall time with start-up, the fuzz rules' outcomes)."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "pytest", *suite_paths(profile), *SESSION_FLAGS, "--profile", profile,
                   "--report-dir", tmp, "-p", "no:cacheprovider", "-q", "-k", SELECT,
                   "--fuzz-examples", str(examples)]
        began = time.perf_counter()
        subprocess.run(command, capture_output=True, text=True, check=False, timeout=1800)
        wall = time.perf_counter() - began
        part = json.loads((Path(tmp) / profile / "summary.json").read_text())
    fuzz = {rid: r["outcome"] for rid, r in part["rules"].items() if rid.startswith("fuzz.")}
    passed = sum(1 for outcome in fuzz.values() if outcome == "passed")
    return int(part["requests"]), float(part["duration_s"]), wall, f"{passed}/{len(fuzz)} passed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=5, help="--fuzz-examples for each session (default 5)")
    parser.add_argument("--profile", action="append", default=[], help="profile (default: every profile)")
    args = parser.parse_args()
    print(f"--fuzz-examples {args.examples}, embedded simulator:\n")
    print("| profile | fuzz rules | requests | session s | wall s (with start-up) |")
    print("|---|---|---|---|---|")
    for profile in args.profile or profiles.available():
        requests, duration, wall, outcome = run(profile, args.examples)
        print(f"| {profile} | {outcome} | {requests} | {duration:.1f} | {wall:.1f} |", flush=True)


if __name__ == "__main__":
    main()
