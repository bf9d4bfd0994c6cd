"""Sorting rules: the target's order equals the order computed locally from the full walk."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.rules.odata_eval import lookup, parse_datetime
from conformance.rules.registry import Violation, rule

Row = Mapping[str, Any]


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False

    @classmethod
    def parse(cls, text: str, prefix: str = "-") -> SortKey:
        return cls(text[len(prefix):], True) if text.startswith(prefix) else cls(text, False)

    def render(self, prefix: str = "-") -> str:
        return f"{prefix}{self.field}" if self.descending else self.field


@dataclass(frozen=True)
class Collation:
    """How the profile says values order: case, nulls, tie-break (see [sorting])."""

    case_insensitive: bool = False
    nulls_first: bool = True
    tie_break: str | None = None

    @classmethod
    def from_profile(cls, sorting: Mapping[str, Any]) -> Collation:
        return cls(case_insensitive=bool(sorting.get("case_insensitive", False)),
                   nulls_first=sorting.get("nulls", "first") == "first",
                   tie_break=sorting.get("tie_break"))

    def normal(self, value: Any) -> Any:
        if isinstance(value, str):
            when = parse_datetime(value) if len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T" else None
            if when is not None:
                return when
            return value.lower() if self.case_insensitive else value
        return value

    def compare_values(self, a: Any, b: Any) -> int:
        a, b = self.normal(a), self.normal(b)
        if a is None or b is None:
            if a is None and b is None:
                return 0
            return (-1 if a is None else 1) * (1 if self.nulls_first else -1)
        return (a > b) - (a < b)


def local_order(rows: Sequence[Row], keys: Sequence[SortKey], collation: Collation) -> list[Row]:
    """The documented order of ``rows`` for ``keys``, ties broken per the collation."""

    def compare(x: Row, y: Row) -> int:
        for key in keys:
            result = collation.compare_values(lookup(x, key.field), lookup(y, key.field))
            if result:
                return -result if key.descending else result
        if collation.tie_break:
            return collation.compare_values(lookup(x, collation.tie_break), lookup(y, collation.tie_break))
        return 0

    return sorted(rows, key=functools.cmp_to_key(compare))


@rule("sorting.orders-by-key", cites="003_09d5ed03fea4db3d.txt Appendix A 'Sorting' (comma list, '-' descending)",
      summary="each sort key, ascending and descending, returns the order computed from the full collection")
def orders_by_key(served: Sequence[Row], everything: Sequence[Row], keys: Sequence[SortKey],
                  collation: Collation, id_field: str) -> None:
    expected = local_order(everything, keys, collation)
    label = ",".join(k.render() for k in keys)
    if len(served) != len(expected):
        raise Violation(f"_sort={label} returned {len(served)} rows; the collection has {len(expected)}")
    for index, (got, want) in enumerate(zip(served, expected, strict=True)):
        if collation.tie_break:
            same = got.get(id_field) == want.get(id_field)
        else:
            same = all(collation.compare_values(lookup(got, k.field), lookup(want, k.field)) == 0 for k in keys)
        if not same:
            shown = [lookup(got, k.field) for k in keys]
            wanted = [lookup(want, k.field) for k in keys]
            raise Violation(f"_sort={label}: row {index} is {got.get(id_field)} with {shown!r}; "
                            f"expected {want.get(id_field)} with {wanted!r}")
