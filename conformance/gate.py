"""The CI regression gate of ``lmsconf run``: ``--waivers FILE`` and ``--baseline PATH``.

Both files are read and checked before any request is sent (a bad one is exit 2). Each profile's session
applies the waivers itself (conformance.waiver_plugin); the runner gathers what became of them, compares the
outcomes with the baseline, and says which failures count towards exit 1: with a baseline only regressions,
and a stale waiver always.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import baseline, profiles, waivers


@dataclass
class Gate:
    waivers_file: str | None = None
    waivers: list[waivers.Waiver] = field(default_factory=list)
    baseline_file: str | None = None
    before: baseline.Outcomes | None = None
    today: datetime.date = field(default_factory=datetime.date.today)
    comparison: baseline.Comparison | None = None
    report: dict[str, list[Any]] | None = None
    chosen: list[str] = field(default_factory=list)

    @classmethod
    def prepare(cls, chosen: Mapping[str, str], waivers_file: str | None, baseline_file: str | None) -> Gate:
        """Read and check both files (ConfigError, exit 2); ``chosen``: profile id -> the name or file given."""
        gate = cls(waivers_file=str(Path(waivers_file).resolve()) if waivers_file else None,
                   baseline_file=baseline_file, chosen=list(chosen))
        if waivers_file:
            gate.waivers = waivers.load(waivers_file)
            given = [profiles.load(name) for name in chosen.values()]
            waivers.check_known(gate.waivers, waivers_file, waivers.rules_by_profile(given))
        if baseline_file:
            gate.before = baseline.load(baseline_file)
        return gate

    def pytest_args(self) -> list[str]:
        return ["--waivers", self.waivers_file] if self.waivers_file else []

    def forgiven(self, profile: str, part: Mapping[str, Any] | None) -> set[str]:
        """With a baseline: the rules of ``profile`` failing now that are no regression (they do not make 1)."""
        if self.before is None or part is None:
            return set()
        return baseline.compare(self.before, {profile: part}, "").forgiven(profile)

    def finish(self, parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Take each part's waiver report out of it; the top-level ``waivers`` and ``baseline`` objects."""
        extra: dict[str, Any] = {}
        if self.waivers_file:
            self.report = waivers.not_run(self.waivers, parts, self.today, self.chosen)
            for part in parts.values():
                for state, entries in (part.pop("waivers", None) or {}).items():
                    self.report.setdefault(state, []).extend(entries)
            for entries in self.report.values():
                entries.sort(key=lambda e: e["waiver"] if isinstance(e, dict) else 0)
            extra["waivers"] = {"file": self.waivers_file, **self.report}
        if self.before is not None:
            self.comparison = baseline.compare(self.before, parts, str(self.baseline_file))
            extra["baseline"] = self.comparison.as_dict()
        return extra

    def terminal_lines(self) -> list[str]:
        """After the table: the three baseline lists, and how many failures waivers waived."""
        out = baseline.terminal_lines(self.comparison) if self.comparison is not None else []
        if self.report is not None:
            waived = self.report.get("waived", [])
            out.append(f"waived ({len(waived)}): {baseline.short(waived)}")
        return out

    def stderr_lines(self) -> Sequence[str]:
        """What a user must act on: regressions, stale waivers, expired waivers."""
        out = baseline.regression_lines(self.comparison) if self.comparison is not None else []
        return out + (waivers.lines(self.report) if self.report is not None else [])
