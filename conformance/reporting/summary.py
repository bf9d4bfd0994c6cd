"""summary.json: per-rule outcomes for each profile (the layout other tools depend on).

``DIR/<profile>/summary.json`` is written by the pytest plugin for one profile;
``DIR/summary.json`` merges every profile of the run with the run's exit code:

    {"profiles": {"<profile>": {"target": url, "rules": {"<rule id>":
      {"outcome": "passed"|"failed"|"skipped", "tests": n, "requests": n}},
      "requests": n, "duration_s": x, "unintended_429": n, "reauthentications": n}}, "exit_code": n}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PART_NAME = "summary.json"


@dataclass
class RuleTally:
    tests: int = 0
    requests: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, outcome: str, requests: int) -> None:
        self.tests += 1
        self.requests += requests
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def outcome(self) -> str:
        if self.failed:
            return "failed"
        if self.passed:
            return "passed"
        return "skipped"

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "tests": self.tests, "requests": self.requests}


@dataclass
class ProfileSummary:
    profile: str
    target: str
    rules: dict[str, RuleTally] = field(default_factory=dict)
    requests: int = 0
    duration_s: float = 0.0
    unintended_429: int = 0
    reauthentications: int = 0     # tokens the client replaced after expiry or a 401
    error: str | None = None
    error_kind: str | None = None
    cleanup_problems: list[str] = field(default_factory=list)

    def record(self, rule_id: str, outcome: str, requests: int) -> None:
        self.rules.setdefault(rule_id, RuleTally()).add(outcome, requests)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "target": self.target,
            "rules": {rid: tally.as_dict() for rid, tally in sorted(self.rules.items())},
            "requests": self.requests,
            "duration_s": round(self.duration_s, 3),
            "unintended_429": self.unintended_429,
            "reauthentications": self.reauthentications,
        }
        if self.cleanup_problems:
            data["cleanup_problems"] = self.cleanup_problems
        if self.error:
            data["error"] = self.error
            data["error_kind"] = self.error_kind
        return data

    @property
    def failed(self) -> bool:
        return any(t.outcome == "failed" for t in self.rules.values())


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(path)


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


def write_run(report_dir: Path, parts: dict[str, dict[str, Any]], exit_code: int) -> Path:
    path = report_dir / "summary.json"
    write_json(path, {"profiles": parts, "exit_code": exit_code})
    return path
