"""Rule registry: every contract rule is a small typed function with a stable id.

A rule id is ``area.name``; the area is the Allure feature, the id the Allure
story, the ``-k`` handle and the key in profiles and summary.json. A rule takes
recorded evidence and returns None, or raises :class:`RuleViolation` (an
AssertionError, so pytest reports a failed test, not an error).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

AREAS = (
    "auth", "status", "media", "envelopes", "pagination", "sorting", "filtering",
    "put", "patch", "writes", "ratelimit", "versions", "locking", "fuzz",
)

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


def rule(rule_id: str, *, cites: str, summary: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Register a rule function under ``rule_id`` ("area.name")."""
    area, _, name = rule_id.partition(".")
    if area not in AREAS or not name:
        raise ValueError(f"rule id {rule_id!r} must be '<area>.<name>' with area in {AREAS}")
    if rule_id in REGISTRY:
        raise ValueError(f"rule id {rule_id!r} registered twice")
    info = Rule(id=rule_id, area=area, summary=summary, cites=cites)
    REGISTRY[rule_id] = info

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return func(*args, **kwargs)
            except Violation as exc:
                raise RuleViolation(info, str(exc)) from None

        checked.rule = info  # type: ignore[attr-defined]
        return checked

    return decorate


def get(rule_id: str) -> Rule:
    try:
        return REGISTRY[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule id {rule_id!r}") from None
