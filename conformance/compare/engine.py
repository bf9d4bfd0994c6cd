"""Comparing two captures operation by operation: records matched by id, differences found path by path,
each one expected (a documented row predicts it) or unexpected.

A row predicts "field F added" (or removed) from A to B; an observed difference of that kind at that top-level
field is expected, with the row. Anything else is unexpected: another field, a changed type or value, a record
only one side answered, a different status, and a predicted difference that did not show (in some or all of the
records compared). A row's status: ``held`` (its predictions showed and nothing else differed), ``contradicted``
(the operation has an unexpected difference) or ``not compared`` (no record was answered by both sides).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.compare.diff import Change, diff
from conformance.compare.plan import Operation, Prediction

EXAMPLE_CHARS = 200
_INDEX = re.compile(r"(?<=\.)\d+(?=\.|$)|^\d+(?=\.|$)")


@dataclass(frozen=True)
class Finding:
    kind: str
    path: str
    records: int
    a: Any = None
    b: Any = None
    rows: tuple[Prediction, ...] = ()   # the documented rows that predict it (expected) or that it fails

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"kind": self.kind, "path": self.path, "records": self.records,
                                 "a": _example(self.a), "b": _example(self.b)}
        if self.rows:
            found.update({"rows": [p.row for p in self.rows], "source": self.rows[0].source,
                          "text": self.rows[0].text})
        return found


@dataclass
class OpResult:
    op: Operation
    a: dict[str, Any]
    b: dict[str, Any]
    compared: int = 0
    expected: list[Finding] = field(default_factory=list)
    unexpected: list[Finding] = field(default_factory=list)

    def row_status(self, prediction: Prediction) -> str:
        if self.unexpected:
            return "contradicted"
        return "held" if self.compared else "not compared"

    def to_json(self) -> dict[str, Any]:
        side = ("request", "status", "rows")
        return {"operation": self.op.name, "kind": self.op.kind,
                "a": {"resource": self.op.a.name, **{k: self.a.get(k) for k in side}},
                "b": {"resource": self.op.b.name, **{k: self.b.get(k) for k in side}},
                "compared": self.compared,
                "rows": [{**p.to_json(), "status": self.row_status(p)} for p in self.op.predictions],
                "expected": [f.to_json() for f in self.expected],
                "unexpected": [f.to_json() for f in self.unexpected]}


def _example(value: Any) -> Any:
    text = json.dumps(value, default=str)
    return value if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS] + "..."


def record_id(record: Mapping[str, Any], id_field: str) -> str | None:
    wanted = id_field.lower()
    for key, value in record.items():
        if key.lower() == wanted and value is not None:
            return str(value)
    return None


def select(op: Operation, a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[
        list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Records both sides answered (paired by id), and the unmatched records of the side that answered fewer
    rows (the other side's extra rows are the rest of a longer answer, not a difference); equal: both sides'."""
    recs_a, recs_b = list(a.get("records") or []), list(b.get("records") or [])
    by_b = {record_id(r, op.b.id_field): r for r in recs_b}
    ids_a = {record_id(r, op.a.id_field) for r in recs_a}
    pairs = [(r, by_b[i]) for r in recs_a if (i := record_id(r, op.a.id_field)) in by_b]
    rows_a, rows_b = int(a.get("rows", len(recs_a))), int(b.get("rows", len(recs_b)))
    only_a = [r for r in recs_a if record_id(r, op.a.id_field) not in by_b] if rows_a <= rows_b else []
    only_b = [r for r in recs_b if record_id(r, op.b.id_field) not in ids_a] if rows_b <= rows_a else []
    return pairs, only_a, only_b


def _group(changes: Sequence[Change]) -> dict[tuple[str, str], list[Change]]:
    grouped: dict[tuple[str, str], list[Change]] = {}
    for change in changes:
        grouped.setdefault((change.kind, _INDEX.sub("*", change.path)), []).append(change)
    return grouped


def _predicting(op: Operation, kind: str, path: str) -> tuple[Prediction, ...]:
    """Every row of the operation that predicts a difference of this kind at this top-level field."""
    found = []
    for prediction in op.predictions:
        names = prediction.added if kind == "added" else prediction.removed if kind == "removed" else ()
        if path.lower() in {n.lower() for n in names}:
            found.append(prediction)
    return tuple(found)


def _classify(result: OpResult, grouped: dict[tuple[str, str], list[Change]]) -> None:
    for (kind, path), changes in sorted(grouped.items()):
        rows = _predicting(result.op, kind, path)
        finding = Finding(kind, path, len(changes), changes[0].a, changes[0].b, rows)
        (result.expected if rows else result.unexpected).append(finding)
    for prediction in result.op.predictions:
        for kind, names in (("added", prediction.added), ("removed", prediction.removed)):
            for name in names:
                seen = sum(len(c) for (k, p), c in grouped.items() if k == kind and p.lower() == name.lower())
                if seen < result.compared:
                    result.unexpected.append(Finding(f"predicted-{kind}-not-seen", name, result.compared - seen,
                                                     rows=(prediction,)))


def compare_operation(op: Operation, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> OpResult:
    result = OpResult(op, dict(a or {}), dict(b or {}))
    if a is None or b is None:
        result.unexpected.append(Finding("not-captured", "(operation)", 0, a is not None, b is not None))
        return result
    if a.get("status") != b.get("status"):
        result.unexpected.append(Finding("status-changed", "(status)", 0, a.get("status"), b.get("status")))
        return result
    pairs, only_a, only_b = select(op, a, b)
    result.compared = len(pairs)
    changes = [change for ra, rb in pairs for change in diff(ra, rb)]
    _classify(result, _group(changes))
    for label, records, id_field in (("a", only_a, op.a.id_field), ("b", only_b, op.b.id_field)):
        for record in records:
            result.unexpected.append(Finding(f"record-only-in-{label}", f"{id_field}={record_id(record, id_field)}", 1))
    return result


def compare(ops: Sequence[Operation], a: Mapping[str, Any], b: Mapping[str, Any]) -> list[OpResult]:
    """Every operation of the plan, from the two captures' answers."""
    return [compare_operation(op, a["operations"].get(op.key("a")), b["operations"].get(op.key("b"))) for op in ops]


def trimmed(document: Mapping[str, Any], results: Sequence[OpResult], label: str) -> dict[str, Any]:
    """The capture with each answer's records cut to those compared (paired, or unmatched on the side that
    answered fewer rows): what a saved capture needs to give the same result again, and no more."""
    kept = {**document, "operations": dict(document["operations"])}
    for result in results:
        key = result.op.key(label)
        answered = kept["operations"].get(key)
        if not isinstance(answered, dict) or not result.a or not result.b:
            continue
        pairs, only_a, only_b = select(result.op, result.a, result.b)
        chosen = [p[0] if label == "a" else p[1] for p in pairs] + (only_a if label == "a" else only_b)
        ids = {id(r) for r in chosen}
        kept["operations"][key] = {**answered, "records": [r for r in answered["records"] if id(r) in ids]}
    return kept
