"""Turning what happened in each test into one outcome per rule.

The registry logs every call of a rule function (held, violated, broke); a test's
own fate only explains why a rule it carries was *not* checked (skipped, deselected,
stopped by a tool error, not reached after another rule's violation). A test's
outcome is never credited to a rule as such.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from conformance.errors import EXIT_VIOLATIONS, ConfigError, ConformanceError, describe_error, one_line
from conformance.reporting.summary import FAILED, NOT_CHECKED, PASSED, ProfileSummary, RuleTally
from conformance.rules.registry import BROKE, HELD, UNCHECKED, Check, RuleViolation

Redact = Callable[[str], str]

# Why a rule carried by a test the run dropped was not checked.
READ_ONLY = "--read-only leaves out this check (it writes to the target)"
DESELECTED = "deselected by the run's selection (-k / -m)"
NOTHING_TO_CHECK = "the profile lists nothing this check applies to"
NOT_RUN = "its tests did not run (the session ended early)"
NO_TEST = "no test in the suites checks this rule"


@dataclass(frozen=True)
class Problem:
    """Why a test did not end normally: "violation", "blocked" (a violation found outside any rule's check,
    such as a token in an undocumented shape, that keeps the test from checking anything), "skip",
    "config" or "target" (any other error)."""

    kind: str
    reason: str
    rule_ids: tuple[str, ...] = ()


def _violations(exc: BaseException) -> list[RuleViolation]:
    if isinstance(exc, RuleViolation):
        return [exc]
    if isinstance(exc, BaseExceptionGroup):
        return [v for inner in exc.exceptions for v in _violations(inner)]
    return []


def error_kind(exc: BaseException) -> str:
    return "config" if isinstance(exc, ConfigError) else "target"


def classify(exc: BaseException) -> Problem:
    """The problem an exception that ended a test stands for."""
    found = _violations(exc)
    if found and (isinstance(exc, RuleViolation) or len(found) == len(getattr(exc, "exceptions", ()))):
        return Problem("violation", found[0].detail, tuple(v.rule.id for v in found))
    if isinstance(exc, ConformanceError) and exc.exit_code == EXIT_VIOLATIONS:
        return Problem("blocked", describe_error(exc))
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        inner = next((e for e in exc.exceptions if not _violations(e)), exc.exceptions[0])
        return Problem(error_kind(inner), describe_error(inner))
    return Problem(error_kind(exc), describe_error(exc))


def skipped(reason: str) -> Problem:
    text = one_line(reason)
    text = text[len("Skipped: "):] if text.startswith("Skipped: ") else text
    return Problem("skip", f"{text}")


def credit(summary: ProfileSummary, applies: Callable[[str], bool], carried: Iterable[str],
           checks: list[Check], problem: Problem | None, requests: int, redact: Redact) -> None:
    """Credit one finished test to the rules it carried or checked, each from its own checks."""
    ids = [rid for rid in dict.fromkeys([*carried, *(c.rule_id for c in checks)]) if applies(rid)]
    for rid in ids:
        tally = summary.tally(rid)
        tally.ran(requests)
        own = [c for c in checks if c.rule_id == rid]
        for check in own:
            if check.result == UNCHECKED:
                tally.not_checked(redact(check.detail))
            elif check.result == BROKE:
                err = check.error
                tally.broken(error_kind(err) if err else "target", redact(check.detail))
            else:
                tally.checked(PASSED if check.result == HELD else FAILED, redact(check.detail))
        _explain(tally, own, problem, redact)


def _explain(tally: RuleTally, own: list[Check], problem: Problem | None, redact: Redact) -> None:
    """Why a rule carried by this test has no check of its own here, or what interrupted its checks."""
    if problem is None:
        if not own:
            tally.not_checked("its test ran but did not reach this rule's check")
        return
    if problem.kind == "skip":
        if not own:
            tally.not_checked(redact(problem.reason))
        return
    if problem.kind == "blocked":
        if not own:
            tally.not_checked(f"blocked by a violation: {redact(problem.reason)}")
        return
    if problem.kind == "violation":
        if not own:
            first = problem.rule_ids[0] if problem.rule_ids else "another rule"
            tally.not_checked(f"not reached, {first} failed first in the same test")
        return
    if any(c.result == BROKE for c in own):
        return  # the check's own error is already counted
    tally.broken(problem.kind, redact(problem.reason))


def finish(summary: ProfileSummary, expected: set[str], stopped: str | None) -> None:
    """Give every rule that no check reached a reason."""
    for rid, tally in summary.rules.items():
        if tally.outcome != NOT_CHECKED or tally.unchecked:
            continue
        if stopped:
            tally.not_checked(f"the run stopped before any rule ran: {stopped}")
        elif rid in expected:
            tally.not_checked(NOT_RUN)
        else:
            tally.not_checked(NO_TEST)
