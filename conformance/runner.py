"""`lmsconf run`: one pytest session per profile, then DIR/summary.json and the exit code."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from conformance import profiles
from conformance.errors import (
    EXIT_OK,
    EXIT_UNCHECKED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    EXIT_VIOLATIONS,
    ConfigError,
)
from conformance.gate import Gate
from conformance.paths import PACKAGE
from conformance.reporting import environment, progress
from conformance.reporting.summary import ERROR, FAILED, NOT_CHECKED, PASSED, WAIVED, read_part, write_run
from conformance.target import check_base_url, credentials_from_env, display_url
from conformance.vendors import vendor_of

SUITES = PACKAGE / "suites"
PYTEST_NO_TESTS = 5
DEFAULT_TIMEOUT_S = 3600.0   # `lmsconf run --timeout`: the whole run's deadline
GRACE_S = 60.0               # a session still running this long past the deadline is killed
SEVERITY = (EXIT_USAGE, EXIT_UNREACHABLE, EXIT_VIOLATIONS, EXIT_UNCHECKED, EXIT_OK)


# Every conformance session: the suites judge through rules, not assert introspection, so pytest need not
# rewrite (and, where bytecode is not written, recompile on every start) the hundreds of modules its plugins
# bring.
SESSION_FLAGS = ("--assert=plain",)


def suite_paths(profile_id: str) -> list[str]:
    """The generic suites, then the suites of the profile's vendor (conformance/vendors/<vendor>/suites)."""
    vendor = vendor_of(profile_id)
    own = [str(vendor.suites)] if vendor is not None and vendor.suites is not None else []
    return [str(SUITES), *own]


def pytest_command(profile: str, report_dir: Path, base_url: str | None, read_only: bool,
                   extra: Sequence[str], counterpart_base_url: str | None = None,
                   profile_id: str | None = None, run_timeout: float | None = None,
                   fuzz_examples: int | None = None) -> list[str]:
    """The pytest command for one profile (``profile`` a name or a .toml path; reports under its id).
    ``fuzz_examples`` None leaves the fuzz suite's own default."""
    profile_id = profile_id or profile
    out = report_dir / profile_id
    command = [
        sys.executable, "-m", "pytest", *suite_paths(profile_id), *SESSION_FLAGS,
        "--profile", profile, "--report-dir", str(report_dir),
        "--alluredir", str(out / "allure-results"), "--clean-alluredir", "--junitxml", str(out / "junit.xml"),
        "-o", f"junit_suite_name={profile_id}", "-p", "no:cacheprovider", "-q", "--tb=short",
        "--rootdir", str(PACKAGE), "-c", str(SUITES / "pytest.ini"),
    ]
    if base_url:
        command += ["--base-url", base_url]
    if counterpart_base_url:
        command += ["--counterpart-base-url", counterpart_base_url]
    if read_only:
        command.append("--read-only")
    if run_timeout is not None:
        command += ["--run-timeout", f"{run_timeout:.3f}"]
    if fuzz_examples is not None:
        command += ["--fuzz-examples", str(fuzz_examples)]
    return command + list(extra)


def stop(child: subprocess.Popen[Any], grace_s: float = 10.0) -> int:
    """Stop a child process: SIGTERM, then SIGKILL when it is still there `grace_s` later; its exit status."""
    child.terminate()
    try:
        return child.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()


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
        return stop(child), True


def verdict(profile: str, returncode: int, part: dict[str, Any] | None,
            allow_unchecked: bool = False, forgiven: Collection[str] = ()) -> tuple[int, str | None]:
    """Map one profile's session onto the documented exit codes, with a one-line reason when not 0/1.

    The code comes from the rules' own outcomes: an error (2 when it is a configuration problem, else
    3) outranks a violation (1: a failed rule not ``forgiven`` by the baseline, or a stale waiver), which
    outranks a rule not checked (4, or 0 with ``allow_unchecked``). A waived rule is not a violation.
    """
    if part and part.get("error"):
        code = EXIT_USAGE if part.get("error_kind") == "ConfigError" else EXIT_UNREACHABLE
        return code, f"{profile}: {part['error']}"
    if returncode == PYTEST_NO_TESTS:
        return EXIT_USAGE, f"{profile}: no test selected (check the arguments after --)"
    if returncode == 2:
        return EXIT_USAGE, f"{profile}: the run was interrupted"
    if returncode not in (EXIT_OK, EXIT_VIOLATIONS) or part is None:
        return EXIT_USAGE, f"{profile}: pytest ended with status {returncode} (usage error; see its output above)"
    rules: dict[str, dict[str, Any]] = part.get("rules", {})
    by_outcome = {o: [rid for rid, r in rules.items() if r.get("outcome") == o]
                  for o in (ERROR, FAILED, NOT_CHECKED, WAIVED)}
    if by_outcome[ERROR]:
        first = by_outcome[ERROR][0]
        config = any(rules[rid].get("error_kind") == "config" for rid in by_outcome[ERROR])
        return (EXIT_USAGE if config else EXIT_UNREACHABLE,
                f"{profile}: {len(by_outcome[ERROR])} rule(s) could not be judged because of an error "
                f"(first: {first}: {rules[first].get('reason', '')})")
    if [rid for rid in by_outcome[FAILED] if rid not in forgiven] or (part.get("waivers") or {}).get("stale"):
        return EXIT_VIOLATIONS, None
    if returncode == EXIT_VIOLATIONS and not by_outcome[FAILED] and not by_outcome[WAIVED]:
        return EXIT_UNREACHABLE, f"{profile}: a test failed without any rule's check failing (see the output above)"
    if by_outcome[NOT_CHECKED] and not allow_unchecked:
        return EXIT_UNCHECKED, (f"{profile}: {len(by_outcome[NOT_CHECKED])} applicable rule(s) not checked "
                                "(listed above; --allow-unchecked accepts this)")
    return EXIT_OK, None


PASS_THROUGH = {"--pdb", "--trace", "-s", "--capture=no"}   # pytest options that need the terminal itself
LOG_FILE = "pytest.log"
LOG_TAIL = 20


def run_session(command: list[str], out: Path, name: str, deadline: float, show: bool) -> tuple[int, bool]:
    """Run one profile's pytest session. On a terminal (``show``) its output goes to ``out/pytest.log`` while
    one line shows the session's progress (the log's tail is printed when pytest itself failed); otherwise
    the output passes through as it is (CI logs)."""
    if not show:
        return wait_for(subprocess.Popen(command), deadline)
    out.mkdir(parents=True, exist_ok=True)
    log = out / LOG_FILE
    with log.open("wb") as sink, progress.Display(name, out / progress.PROGRESS_FILE):
        child = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        returncode, killed = wait_for(child, deadline)
    if returncode not in (EXIT_OK, EXIT_VIOLATIONS):
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-LOG_TAIL:]
        print("\n".join(tail), file=sys.stderr)
    print(f"lmsconf: {name}: pytest output in {log}", flush=True)
    return returncode, killed


def preflight(names: Sequence[str], base_url: str | None) -> dict[str, str]:
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
    return {profiles.load(n).id: n for n in chosen}  # id -> the name or file the user gave


def run(names: Sequence[str], *, base_url: str | None, report_dir: str, read_only: bool,
        pytest_args: Sequence[str], counterpart_base_url: str | None = None, allow_unchecked: bool = False,
        timeout: float = DEFAULT_TIMEOUT_S, fuzz_examples: int | None = None, waivers: str | None = None,
        baseline: str | None = None) -> int:
    if not timeout > 0:
        raise ConfigError(f"--timeout {timeout:g}: give a number of seconds above 0")
    if fuzz_examples is not None and fuzz_examples < 1:
        raise ConfigError(f"--fuzz-examples {fuzz_examples}: give at least 1 generated request per operation")
    deadline = time.monotonic() + timeout
    chosen = preflight(names, base_url)
    gate = Gate.prepare(chosen, waivers, baseline)
    if counterpart_base_url:
        check_base_url(counterpart_base_url)
    root = Path(report_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--report-dir {report_dir}: cannot create: {exc.strerror}") from None
    parts: dict[str, dict[str, Any]] = {}
    codes: list[int] = []
    reasons: list[str] = []
    where = display_url(base_url or "") or "the embedded simulator"
    show_progress = progress.wanted() and not set(pytest_args) & PASS_THROUGH
    run_id = environment.run_id()   # one id for every profile's session (the report's environment)
    for name, given in chosen.items():
        print(f"lmsconf: {name}: running against {where}", flush=True)
        (root / name / "summary.json").unlink(missing_ok=True)
        remaining = max(0.001, deadline - time.monotonic())
        command = [*pytest_command(given, root, base_url, read_only, [*gate.pytest_args(), *pytest_args],
                                   counterpart_base_url, name,
                                   remaining, fuzz_examples), "--run-id", run_id]
        returncode, killed = run_session(command, root / name, name, deadline, show_progress)
        part = read_part(root, name)
        code, reason = verdict(name, returncode, part, allow_unchecked, gate.forgiven(name, part))
        if killed:
            code = EXIT_UNREACHABLE
            reason = f"{name}: the run's deadline of {timeout:g} s passed; the session was stopped"
        if reason:
            reasons.append(reason)
        if part is not None:
            parts[name] = {k: v for k, v in part.items() if k != "error_kind"}
        codes.append(code)
    exit_code = next(c for c in SEVERITY if c in codes) if codes else EXIT_USAGE
    write_run(root, parts, exit_code, gate.finish(parts))
    print_table(parts, root)
    for line in gate.terminal_lines():
        print(line)
    print(closing_line(parts, exit_code), flush=True)
    for reason in [*reasons, *gate.stderr_lines()]:
        print(f"lmsconf: {reason}", file=sys.stderr)
    return exit_code


MARK = {PASSED: "passed", FAILED: "FAILED", WAIVED: "waived", NOT_CHECKED: "not-checked", ERROR: "ERROR"}


def print_table(parts: dict[str, dict[str, Any]], root: Path) -> None:
    """Every applicable rule of every profile with its outcome; the reason beside each one not passed."""
    print("-" * min(shutil.get_terminal_size((100, 20)).columns, 78))
    for name, part in parts.items():
        rules: dict[str, dict[str, Any]] = part.get("rules", {})
        outcomes = [r["outcome"] for r in rules.values()]
        counts = "  ".join(f"{o} {outcomes.count(o)}" for o in (PASSED, FAILED, NOT_CHECKED, ERROR)) + \
            (f"  waived {outcomes.count(WAIVED)}" if WAIVED in outcomes else "")
        bound = part.get("rate_bound_s", 0)
        against = f" (the documented rate limits allow no less than {bound:.1f}s)" if bound else ""
        print(f"{name}: {counts}  requests {part.get('requests', 0)}  {part.get('duration_s', 0):.1f}s{against}")
        pad = max((len(rid) for rid in rules), default=0)
        for rid, result in rules.items():
            line = f"  {MARK.get(result['outcome'], result['outcome']):<12}{rid:<{pad}}"
            if result["outcome"] != PASSED:
                line += f"  {result.get('reason', '')}"
            print(line.rstrip())
    print(f"summary: {root / 'summary.json'}")


def closing_line(parts: dict[str, dict[str, Any]], exit_code: int) -> str:
    """The run's verdict in words; "every applicable rule passed" only when each one ran and held."""
    outcomes = [r["outcome"] for part in parts.values() for r in part.get("rules", {}).values()]
    if outcomes and all(o == PASSED for o in outcomes) and exit_code == EXIT_OK:
        return f"lmsconf: every applicable rule passed ({len(outcomes)} rules)"
    counts = ", ".join(f"{outcomes.count(o)} {o}" for o in (PASSED, FAILED, WAIVED, NOT_CHECKED, ERROR)
                       if outcomes.count(o))
    return f"lmsconf: {counts or 'no rule ran'} (exit {exit_code})"
