"""Filtering rules: the target selects exactly the rows the same filter selects locally."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.odata import parse
from conformance.rules.odata_eval import Evaluator
from conformance.rules.registry import Violation, rule


def expected_ids(expression: str, everything: Sequence[Mapping[str, Any]], id_field: str,
                 guid_fields: frozenset[str] = frozenset()) -> set[Any]:
    evaluator = Evaluator(parse(expression), guid_fields)
    return {row.get(id_field) for row in everything if evaluator.selects(row)}


@rule("filtering.selects-matching-rows",
      cites="003_09d5ed03fea4db3d.txt Appendix A 'Filtering' (OData operators and functions)",
      summary="a filter returns exactly the rows the same OData expression selects over the full collection")
def selects_matching_rows(expression: str, served: Sequence[Mapping[str, Any]],
                          everything: Sequence[Mapping[str, Any]], id_field: str,
                          guid_fields: frozenset[str] = frozenset()) -> None:
    want = expected_ids(expression, everything, id_field, guid_fields)
    got = [row.get(id_field) for row in served]
    got_set = set(got)
    if len(got) != len(got_set):
        raise Violation(f"_filter={expression!r} returned duplicate rows")
    extra, missing = got_set - want, want - got_set
    if extra or missing:
        raise Violation(f"_filter={expression!r} returned {len(got_set)} rows; {len(want)} match locally "
                        f"({len(extra)} unexpected, e.g. {sorted(map(str, extra))[:1]}; "
                        f"{len(missing)} missing, e.g. {sorted(map(str, missing))[:1]})")
