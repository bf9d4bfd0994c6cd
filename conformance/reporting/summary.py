"""summary.json: one outcome per applicable rule for each profile (the layout other tools depend on).

``DIR/<profile>/summary.json`` is written by the pytest plugin for one profile;
``DIR/summary.json`` merges every profile of the run with the run's exit code:

    {"profiles": {"<profile>": {"target": url, "rules": {"<rule id>":
      {"outcome": "passed"|"failed"|"waived"|"not-checked"|"error", "reason": "...", "tests": n, "requests": n,
       "checks": n}}, "requests": n, "duration_s": x, "unintended_429": n, "reauthentications": n,
       "rate_bound_s": x}},
     "exit_code": n}

plus, with ``--waivers``, a top-level ``waivers`` object and, with ``--baseline``, a ``baseline`` object
(conformance.waivers, conformance.baseline). A "waived" rule failed its check and a live waiver names it
(its entry carries ``waiver``: number, ticket, reason).

A rule's outcome is what its own check function saw (see conformance.rules.registry.CHECKS):
failed when any call found a violation; error when a call, or the test around it, broke on a tool
error (the target gave no usable answer, a configuration problem); passed when every call held and
at least one ran; not-checked, with the reason, when none ran.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import one_line

PART_NAME = "summary.json"
PASSED, FAILED, NOT_CHECKED, ERROR, WAIVED = "passed", "failed", "not-checked", "error", "waived"
OUTCOMES = (PASSED, FAILED, WAIVED, NOT_CHECKED, ERROR)
REASON_LIMIT = 400


def _clip(text: str) -> str:
    text = one_line(text)
    return text if len(text) <= REASON_LIMIT else text[:REASON_LIMIT - 3] + "..."


@dataclass
class RuleTally:
    """What happened to one rule over a session: its own checks, and why it was not checked where not."""

    tests: int = 0
    requests: int = 0
    held: int = 0
    violated: int = 0
    broke: int = 0
    violation: str | None = None
    error: str | None = None
    error_kind: str | None = None          # "config" or "target"
    unchecked: list[str] = field(default_factory=list)
    waiver: dict[str, Any] | None = None   # the live waiver that names this failed rule

    def waive(self, number: int, ticket: str, reason: str) -> None:
        """A violation a waiver expects: the rule comes out "waived", the violation kept in its reason."""
        self.waiver = {"waiver": number, "ticket": ticket, "reason": reason}

    def ran(self, requests: int) -> None:
        self.tests += 1
        self.requests += requests

    def checked(self, result: str, detail: str = "") -> None:
        if result == PASSED:
            self.held += 1
        elif result == FAILED:
            self.violated += 1
            self.violation = self.violation or detail
        else:
            raise ValueError(f"unknown check result {result!r}")

    def broken(self, kind: str, reason: str) -> None:
        """A check, or the test carrying it, stopped on a tool error of ``kind`` ("config" or "target")."""
        self.broke += 1
        if self.error is None or (kind == "config" and self.error_kind != "config"):
            self.error, self.error_kind = reason, kind

    def not_checked(self, reason: str) -> None:
        if reason not in self.unchecked:
            self.unchecked.append(reason)

    @property
    def outcome(self) -> str:
        if self.violated:
            return WAIVED if self.waiver else FAILED
        if self.broke:
            return ERROR
        if self.held:
            return PASSED
        return NOT_CHECKED

    @property
    def reason(self) -> str:
        outcome = self.outcome
        if outcome == FAILED:
            return _clip(self.violation or "violated")
        if outcome == WAIVED and self.waiver:
            return _clip(f"waived by {self.waiver['ticket']} ({self.waiver['reason']}); "
                         f"the check failed: {self.violation or 'violated'}")
        if outcome == ERROR:
            return _clip(self.error or "a tool error stopped the check")
        if outcome == PASSED:
            return f"held in {self.held} check(s) over {self.tests} test(s)"
        return _clip("; ".join(self.unchecked) or "no test in the suites checks this rule")

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"outcome": self.outcome, "reason": self.reason, "tests": self.tests,
                                "requests": self.requests, "checks": self.held + self.violated + self.broke}
        if self.outcome == ERROR:
            data["error_kind"] = self.error_kind
        if self.outcome == WAIVED:
            data["waiver"] = self.waiver
        return data


@dataclass
class ProfileSummary:
    profile: str
    target: str
    rules: dict[str, RuleTally] = field(default_factory=dict)
    requests: int = 0
    duration_s: float = 0.0
    unintended_429: int = 0
    reauthentications: int = 0     # tokens the client replaced after expiry or a 401
    rate_bound_s: float = 0.0      # the least time the documented rate limits allow for the requests sent
    error: str | None = None
    error_kind: str | None = None
    cleanup_problems: list[str] = field(default_factory=list)
    waivers: dict[str, list[Any]] | None = None   # with --waivers: what became of this profile's waivers

    @classmethod
    def expecting(cls, profile: str, rule_ids: tuple[str, ...] | list[str]) -> ProfileSummary:
        """A summary that lists every rule the profile applies from the start."""
        return cls(profile=profile, target="", rules={rid: RuleTally() for rid in rule_ids})

    def tally(self, rule_id: str) -> RuleTally:
        return self.rules.setdefault(rule_id, RuleTally())

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "target": self.target,
            "rules": {rid: tally.as_dict() for rid, tally in sorted(self.rules.items())},
            "requests": self.requests,
            "duration_s": round(self.duration_s, 3),
            "unintended_429": self.unintended_429,
            "reauthentications": self.reauthentications,
            "rate_bound_s": round(self.rate_bound_s, 3),
        }
        if self.cleanup_problems:
            data["cleanup_problems"] = self.cleanup_problems
        if self.waivers is not None:
            data["waivers"] = self.waivers
        if self.error:
            data["error"] = self.error
            data["error_kind"] = self.error_kind
        return data

    @property
    def failed(self) -> bool:
        return any(t.outcome == FAILED for t in self.rules.values())


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_part(report_dir: Path, summary: ProfileSummary) -> Path:
    path = report_dir / summary.profile / PART_NAME
    write_json(path, summary.as_dict())
    return path


def read_part(report_dir: Path, profile: str) -> dict[str, Any] | None:
    path = report_dir / profile / PART_NAME
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def write_run(report_dir: Path, parts: dict[str, dict[str, Any]], exit_code: int,
              extra: dict[str, Any] | None = None) -> Path:
    """DIR/summary.json; ``extra``: further top-level objects (``waivers``, ``baseline``) after the others."""
    path = report_dir / "summary.json"
    write_json(path, {"profiles": parts, "exit_code": exit_code, **(extra or {})})
    return path
