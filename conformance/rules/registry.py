"""Rule registry: every contract rule is a small typed function with a stable id.

A rule id is ``area.name``; the area is the Allure feature, the id the Allure
story, the ``-k`` handle and the key in profiles and summary.json. A rule takes
recorded evidence and returns None, or raises :class:`RuleViolation` (an
AssertionError, so pytest reports a failed test, not an error).

Every call of a rule function is logged in :data:`CHECKS` with its own result
(held, violated, or broke with an error), so a rule's outcome in a report is what
its own check saw, never the outcome of the test that happened to carry it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from conformance.errors import describe_error

AREAS = (
    "auth", "status", "media", "envelopes", "pagination", "sorting", "filtering",
    "put", "patch", "writes", "ratelimit", "versions", "locking", "fuzz",
)

# Allure severity of a rule when its registration names none: what breaks an integration outright (no
# access, lost or corrupted writes) is critical; fuzz findings are minor; the rest normal.
SEVERITIES = ("blocker", "critical", "normal", "minor", "trivial")
AREA_SEVERITY = {"auth": "critical", "writes": "critical", "put": "critical", "patch": "critical",
                 "locking": "critical", "fuzz": "minor"}

P = ParamSpec("P")
R = TypeVar("R")


class Violation(Exception):
    """Raised inside a rule body; the registry turns it into a RuleViolation."""


@dataclass(frozen=True)
class Rule:
    id: str
    area: str
    summary: str
    cites: str
    severity: str = "normal"

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]


class RuleViolation(AssertionError):
    """A broken contract: carries the rule, the seed section it enforces and the evidence."""

    def __init__(self, rule: Rule, detail: str) -> None:
        super().__init__(f"[{rule.id}] {detail} (contract: {rule.cites})")
        self.rule = rule
        self.detail = detail


REGISTRY: dict[str, Rule] = {}

HELD, VIOLATED, BROKE, UNCHECKED = "passed", "failed", "error", "not-checked"


@dataclass(frozen=True)
class Check:
    """One call of a rule function: its result and, when it did not hold, why."""

    rule_id: str
    result: str          # HELD, VIOLATED, BROKE, or UNCHECKED (the test could not check it: detail says why)
    detail: str = ""
    error: BaseException | None = None


class CheckLog:
    """Thread-safe, append-only log of rule calls; readers keep a mark and ask for what came after."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checks: list[Check] = []

    def add(self, check: Check) -> None:
        with self._lock:
            self._checks.append(check)

    def mark(self) -> int:
        with self._lock:
            return len(self._checks)

    def since(self, mark: int) -> list[Check]:
        with self._lock:
            return self._checks[mark:]


CHECKS = CheckLog()


def rule(rule_id: str, *, cites: str, summary: str,
         severity: str | None = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Register a rule function under ``rule_id`` ("area.name"); ``severity`` (an Allure severity) defaults
    to its area's (AREA_SEVERITY, else normal)."""
    area, _, name = rule_id.partition(".")
    if area not in AREAS or not name:
        raise ValueError(f"rule id {rule_id!r} must be '<area>.<name>' with area in {AREAS}")
    if rule_id in REGISTRY:
        raise ValueError(f"rule id {rule_id!r} registered twice")
    severity = severity or AREA_SEVERITY.get(area, "normal")
    if severity not in SEVERITIES:
        raise ValueError(f"rule {rule_id!r}: severity {severity!r} is not one of {SEVERITIES}")
    info = Rule(id=rule_id, area=area, summary=summary, cites=cites, severity=severity)
    REGISTRY[rule_id] = info

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                result = func(*args, **kwargs)
            except Violation as exc:
                CHECKS.add(Check(rule_id, VIOLATED, str(exc)))
                raise RuleViolation(info, str(exc)) from None
            except Exception as exc:
                CHECKS.add(Check(rule_id, BROKE, describe_error(exc), exc))
                raise
            CHECKS.add(Check(rule_id, HELD))
            return result

        checked.rule = info  # type: ignore[attr-defined]
        return checked

    return decorate


def not_checked(rule_id: str, reason: str) -> None:
    """Log that a test carrying ``rule_id`` could not check it here, and why (a live target without the second
    token the check needs): the rule is reported not checked with this reason, never passed."""
    get(rule_id)
    CHECKS.add(Check(rule_id, UNCHECKED, reason))


def get(rule_id: str) -> Rule:
    try:
        return REGISTRY[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule id {rule_id!r}") from None


def unknown(rule_ids: Iterable[str]) -> list[str]:
    """The ids in ``rule_ids`` that no rule is registered under."""
    return [rid for rid in rule_ids if rid not in REGISTRY]


def check_all(*calls: Callable[[], object]) -> None:
    """Run every check, even after one fails, so each rule gets its own result; then raise the first
    violation (the others are logged in CHECKS and reported under their own rule ids)."""
    first: RuleViolation | None = None
    for call in calls:
        try:
            call()
        except RuleViolation as exc:
            first = first or exc
    if first is not None:
        raise first
