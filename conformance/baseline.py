"""``lmsconf run --baseline PATH``: this run's rule outcomes against a previous run's summary.json.

Compared per (profile, rule id), each written ``<profile>:<rule id>``:

- regressions: passed in the baseline, failed now (the only failures that make exit 1 with a baseline);
- fixed: failed (or waived) in the baseline, passed now;
- still failing: failed now and not a regression (failed, waived, not checked or in error in the baseline,
  or new since it);
- new: absent from the baseline (its profile or the rule), whatever the outcome now.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import ConfigError
from conformance.reporting.summary import FAILED, PASSED, WAIVED

Outcomes = dict[str, dict[str, str]]   # profile -> rule id -> outcome
SHOWN = 8                              # entries of each list shown on the terminal


def load(path: str | Path) -> Outcomes:
    """The rule outcomes of a previous summary.json; ConfigError (exit 2) when unreadable or of another shape."""
    where = f"--baseline {path}"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"{where}: not JSON: {exc}") from None
    profiles = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(profiles, dict):
        raise ConfigError(f"{where}: not a summary.json of lmsconf run (no \"profiles\" object)")
    found: Outcomes = {}
    for name, part in profiles.items():
        rules = part.get("rules") if isinstance(part, dict) else None
        if not isinstance(rules, dict) or not all(isinstance(r, dict) and isinstance(r.get("outcome"), str)
                                                  for r in rules.values()):
            raise ConfigError(f"{where}: profiles.{name}: no \"rules\" object with an \"outcome\" for each rule")
        found[str(name)] = {str(rid): r["outcome"] for rid, r in rules.items()}
    return found


@dataclass
class Comparison:
    source: str
    regressions: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    still_failing: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)

    def forgiven(self, profile: str) -> set[str]:
        """The rule ids of ``profile`` that fail now but are no regression: they do not make exit 1."""
        prefix = f"{profile}:"
        return {key[len(prefix):] for key in self.still_failing if key.startswith(prefix)}

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.source, "regressions": self.regressions, "fixed": self.fixed,
                "still_failing": self.still_failing, "new": self.new}


def compare(before: Outcomes, now: Mapping[str, Mapping[str, Any]], source: str) -> Comparison:
    """Compare the parts of this run (profile -> its summary) with the baseline's outcomes."""
    result = Comparison(source=source)
    for profile, part in now.items():
        old = before.get(profile, {})
        for rid, rule in sorted(part.get("rules", {}).items()):
            key, outcome, was = f"{profile}:{rid}", rule.get("outcome"), old.get(rid)
            if was is None:
                result.new.append(key)
            if outcome == FAILED:
                (result.regressions if was == PASSED else result.still_failing).append(key)
            elif outcome == PASSED and was in (FAILED, WAIVED):
                result.fixed.append(key)
    return result


def short(entries: list[str]) -> str:
    shown = ", ".join(entries[:SHOWN])
    more = f", and {len(entries) - SHOWN} more (summary.json lists them)" if len(entries) > SHOWN else ""
    return (shown + more) or "none"


def terminal_lines(comparison: Comparison) -> list[str]:
    """The three short lists the run prints after its table."""
    new = set(comparison.new)
    still = [f"{key} (new)" if key in new else key for key in comparison.still_failing]
    return [f"baseline: {comparison.source}",
            f"  regressions ({len(comparison.regressions)}): {short(comparison.regressions)}",
            f"  fixed ({len(comparison.fixed)}): {short(comparison.fixed)}",
            f"  still failing ({len(still)}): {short(still)}"]


def regression_lines(comparison: Comparison) -> list[str]:
    return [f"regression: {key} passed in the baseline and fails now" for key in comparison.regressions]
