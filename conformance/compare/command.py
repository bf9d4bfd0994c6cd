"""``lmsconf compare A B``: run the plan on both sides, compare, write the outputs, and choose the exit code
(0 no unexpected difference, 1 an unexpected one, 2 bad input, 3 a side unreachable or refusing credentials)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance.compare import capture, engine, output, plan, sides
from conformance.errors import EXIT_OK, EXIT_VIOLATIONS, ConfigError


def _captures(side_a: sides.Side, side_b: sides.Side, ops: Sequence[plan.Operation]) -> tuple[
        dict[str, Any], dict[str, Any]]:
    """Both sides' answers: saved ones as they are; a live or simulated side asked what the other one chose."""
    done: dict[str, dict[str, Any]] = {}
    for side in (side_a, side_b):
        if side.capture is not None:
            done[side.label] = side.capture
    for side, other in ((side_a, side_b), (side_b, side_a)):
        if side.label in done:
            continue
        given = capture.values_of(done[other.label], ops, other.label) if other.label in done else {}
        sides.start(side)
        done[side.label] = capture.capture(side, ops, given)
    return done["A"], done["B"]


def _redactor(*chosen: sides.Side) -> Any:
    def redact(text: str) -> str:
        for side in chosen:
            text = side.redact(text)
        return text
    return redact


def compare(spec_a: str, spec_b: str, report_dir: str, faults: Sequence[str] = (), quiet: bool = False) -> int:
    side_a, side_b = sides.parse("A", spec_a), sides.parse("B", spec_b)
    sides.assign_faults((side_a, side_b), faults)
    ops = plan.operations(side_a.profile, side_b.profile)
    if not ops:
        raise ConfigError(f"{side_a.profile.id} and {side_b.profile.id} have no resource in common to compare")
    try:
        cap_a, cap_b = _captures(side_a, side_b, ops)
    finally:
        side_a.stop()
        side_b.stop()
    results = engine.compare(ops, cap_a, cap_b)
    code = EXIT_VIOLATIONS if any(r.unexpected for r in results) else EXIT_OK
    redact = _redactor(side_a, side_b)
    where = Path(report_dir) / "compare"
    shutil.rmtree(where / "allure-results", ignore_errors=True)
    output.write_json(where / "compare.json",
                      output.document(side_a.describe(), side_b.describe(), results, code), redact)
    for label, document in (("a", cap_a), ("b", cap_b)):
        output.write_json(where / f"capture-{label}.json", engine.trimmed(document, results, label), redact)
    title = f"{side_a.profile.id} vs {side_b.profile.id}"
    output.allure_results(where / "allure-results", results, title, redact)
    if not quiet:
        output.table(results, side_a.spec, side_b.spec, sys.stdout)
        print(f"\n{where / 'compare.json'}: {sum(len(r.expected) for r in results)} expected, "
              f"{sum(len(r.unexpected) for r in results)} unexpected difference(s)")
    return code
