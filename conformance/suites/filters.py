"""Filter expressions built from the target's own data, one per documented operator and function."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from conformance.rules.odata_eval import lookup

Rows = Sequence[Mapping[str, Any]]


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def pick_field(rows: Rows, filterable: Mapping[str, str], kind: str) -> str | None:
    """The field of ``kind`` with the most repeated non-null values (so filters select several rows)."""
    best, best_score = None, -1
    for name, field_kind in filterable.items():
        if field_kind != kind:
            continue
        values = [lookup(r, name) for r in rows]
        present = [v for v in values if v is not None and not (isinstance(v, str) and "'" in v)]
        if not present:
            continue
        score = Counter(present).most_common(1)[0][1] * 10_000 + len(present)
        if score > best_score:
            best, best_score = name, score
    return best


def sample(rows: Rows, name: str, nth: int = 0) -> Any:
    """A deterministic non-null value of ``name``: the one at a fixed share of the sorted distinct values."""
    values = sorted({str(v) if not isinstance(v, int | float) else v for r in rows
                     if (v := lookup(r, name)) is not None and not (isinstance(v, str) and "'" in v)},
                    key=lambda v: (str(type(v)), v))
    return values[(len(values) * (nth + 1)) // 4 % len(values)] if values else None


def dt(value: str) -> str:
    return f"datetime'{value if value.endswith('Z') or '+' in value[10:] else value + 'Z'}'"


Builder = Callable[[dict[str, str | None], Rows], str | None]


def _s(fn: Callable[[str, Rows], str]) -> Builder:
    return lambda f, rows: fn(f["string"], rows) if f["string"] else None


def _d(fn: Callable[[str, Rows], str]) -> Builder:
    return lambda f, rows: fn(f["datetime"], rows) if f["datetime"] else None


def _fragment(rows: Rows, name: str, where: str) -> str:
    value = str(sample(rows, name))
    return {"start": value[:2], "end": value[-2:], "mid": value[1:3]}[where]


def telling_prefix(rows: Rows, name: str) -> str:
    """A two-letter prefix that also occurs inside other values, so 'starts with' differs from 'contains'."""
    values = [v for r in rows if isinstance(v := lookup(r, name), str) and len(v) > 2 and "'" not in v]
    best, best_score = _fragment(rows, name, "start"), -1
    for prefix in sorted({v[:2] for v in values})[:200]:
        starts = sum(v.startswith(prefix) for v in values)
        inside = sum(prefix in v[1:] and not v.startswith(prefix) for v in values)
        score = min(starts, inside)
        if score > best_score:
            best, best_score = prefix, score
    return best


CASES: dict[str, Builder] = {
    "eq": _s(lambda s, r: f"{s} eq {quote(str(sample(r, s)))}"),
    "ne": _s(lambda s, r: f"{s} ne {quote(str(sample(r, s)))}"),
    "gt": _d(lambda d, r: f"{d} gt {dt(sample(r, d, 1))}"),
    "ge": _d(lambda d, r: f"{d} ge {dt(sample(r, d, 1))}"),
    "lt": _d(lambda d, r: f"{d} lt {dt(sample(r, d, 0))}"),
    "le": _d(lambda d, r: f"{d} le {dt(sample(r, d, 0))}"),
    "and": lambda f, r: (f"{f['string']} eq {quote(str(sample(r, f['string'])))} and {f['int']} eq "
                         f"{sample(r, f['int'])}") if f["string"] and f["int"] else None,
    "or": _s(lambda s, r: f"{s} eq {quote(str(sample(r, s, 0)))} or {s} eq {quote(str(sample(r, s, 2)))}"),
    "not": lambda f, r: f"not ({f['int']} eq {sample(r, f['int'])})" if f["int"] else None,
    "parentheses": lambda f, r: (f"({f['string']} eq {quote(str(sample(r, f['string'], 0)))} or {f['string']} eq "
                                 f"{quote(str(sample(r, f['string'], 1)))}) and not ({f['int']} eq "
                                 f"{sample(r, f['int'])})") if f["string"] and f["int"] else None,
    "substringof": _s(lambda s, r: f"substringof({quote(_fragment(r, s, 'mid'))}, {s})"),
    "startswith": _s(lambda s, r: f"startswith({s}, {quote(telling_prefix(r, s))})"),
    "endswith": _s(lambda s, r: f"endswith({s}, {quote(_fragment(r, s, 'end'))})"),
    "tolower": _s(lambda s, r: f"tolower({s}) eq {quote(str(sample(r, s)).lower())}"),
    "toupper": _s(lambda s, r: f"toupper({s}) eq {quote(str(sample(r, s)).upper())}"),
    "guid-literal": lambda f, r: f"{f['guid']} eq guid'{sample(r, f['guid'])}'" if f["guid"] else None,
    "number": lambda f, r: f"{f['number']} gt {sample(r, f['number'], 1)}" if f["number"] else None,
    "seed-example": lambda f, r: (f"startsWith({f['string'].lower()}, {quote(_fragment(r, f['string'], 'start'))})"
                                  f" or {f['datetime']} ge {dt(sample(r, f['datetime'], 2))}")
    if f["string"] and f["datetime"] else None,
}


def fields_by_kind(rows: Rows, filterable: Mapping[str, str]) -> dict[str, str | None]:
    return {kind: pick_field(rows, filterable, kind) for kind in ("string", "datetime", "int", "number", "guid")}


def atoms(rows: Rows, filterable: Mapping[str, str]) -> list[str]:
    """Simple comparisons usable as building blocks for generated combinations."""
    fields = fields_by_kind(rows, filterable)
    names = ("eq", "ne", "gt", "lt", "startswith", "endswith", "substringof", "not", "number", "guid-literal")
    return [expr for name in names if (expr := CASES[name](fields, rows))]
