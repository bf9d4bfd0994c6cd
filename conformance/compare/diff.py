"""Path-level differences between two JSON records: added, removed, type changed, value changed.

Object keys are matched without regard to case (Absorb v1 answers PascalCase, v1.5 camelCase; seed 003
Appendix C names v1 fields in PascalCase): a key spelt differently is the same field. Paths are dotted, in
the spelling of side B where it has the field, else of side A; list items are numbered (``roleIds.0``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["added", "removed", "type-changed", "value-changed"]
KINDS: tuple[Kind, ...] = ("added", "removed", "type-changed", "value-changed")


@dataclass(frozen=True)
class Change:
    """One difference in one record: ``path`` is present in B only (added), in A only (removed), or differs."""

    kind: Kind
    path: str
    a: Any = None
    b: Any = None


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _objects(a: dict[str, Any], b: dict[str, Any], prefix: str) -> list[Change]:
    folded_a = {k.lower(): k for k in a}
    folded_b = {k.lower(): k for k in b}
    changes: list[Change] = []
    for key in sorted(folded_a.keys() | folded_b.keys()):
        if key not in folded_b:
            changes.append(Change("removed", _join(prefix, folded_a[key]), a=a[folded_a[key]]))
        elif key not in folded_a:
            changes.append(Change("added", _join(prefix, folded_b[key]), b=b[folded_b[key]]))
        else:
            changes += diff(a[folded_a[key]], b[folded_b[key]], _join(prefix, folded_b[key]))
    return changes


def _lists(a: list[Any], b: list[Any], prefix: str) -> list[Change]:
    changes: list[Change] = []
    for index in range(max(len(a), len(b))):
        path = _join(prefix, str(index))
        if index >= len(b):
            changes.append(Change("removed", path, a=a[index]))
        elif index >= len(a):
            changes.append(Change("added", path, b=b[index]))
        else:
            changes += diff(a[index], b[index], path)
    return changes


def diff(a: Any, b: Any, prefix: str = "") -> list[Change]:
    """Every difference from ``a`` to ``b``, deepest first where objects and lists nest."""
    if isinstance(a, dict) and isinstance(b, dict):
        return _objects(a, b, prefix)
    if isinstance(a, list) and isinstance(b, list):
        return _lists(a, b, prefix)
    if type_name(a) != type_name(b):
        return [Change("type-changed", prefix, a=a, b=b)]
    return [] if a == b else [Change("value-changed", prefix, a=a, b=b)]


def top_field(path: str) -> str:
    """The record's own field a path lies in: ``customFields.decimal1`` -> ``customFields``."""
    return path.split(".", 1)[0]
