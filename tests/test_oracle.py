"""The local oracles: OData evaluation and the documented sort order, and the rules built on them."""

from __future__ import annotations

import pytest

from conformance.odata import FilterSyntaxError, normalize, parse
from conformance.rules import RuleViolation
from conformance.rules.filtering import expected_ids, selects_matching_rows
from conformance.rules.odata_eval import Evaluator
from conformance.rules.sorting import Collation, SortKey, local_order, orders_by_key

G1 = "8d9f3c1a-1234-4abc-9def-0123456789AB"
G2 = "00000000-0000-4000-8000-000000000002"
ROWS = [
    {"id": "a", "lastName": "Leblanc", "firstName": "Ann", "middleName": None, "activeStatus": 0,
     "dateAdded": "2020-01-01T00:00:00", "customFields": {"decimal1": 2.5}, "departmentId": G1},
    {"id": "b", "lastName": "leBrun", "firstName": "Bob", "middleName": "Q", "activeStatus": 1,
     "dateAdded": "2021-06-01T12:00:00", "customFields": {"decimal1": None}, "departmentId": G2},
    {"id": "c", "lastName": "Smith", "firstName": "Cy", "middleName": None, "activeStatus": 0,
     "dateAdded": "2021-06-01T12:00:00", "customFields": {"decimal1": 7.0}, "departmentId": G1},
]


def selected(expression: str) -> list[str]:
    return sorted(expected_ids(expression, ROWS, "id", frozenset({"departmentId"})))


def test_seed_example_form_is_normalised() -> None:
    text = "startsWith(lastname, \u2018Leb\u2019) or dateAdded ge datetime\u20182021-01-01T00:00:00Z\u2019"
    assert normalize(text) == "startswith(lastname, 'Leb') or dateAdded ge 2021-01-01T00:00:00Z"
    assert selected(text) == ["a", "b", "c"]


@pytest.mark.parametrize(("expression", "ids"), [
    ("lastName eq 'Smith'", ["c"]),
    ("lastName ne 'Smith'", ["a", "b"]),
    ("activeStatus gt 0", ["b"]),
    ("activeStatus le 0", ["a", "c"]),
    ("dateAdded lt datetime'2021-06-01T12:00:00Z'", ["a"]),
    ("dateAdded ge datetime'2021-06-01T12:00:00Z'", ["b", "c"]),
    ("substringof('Br', lastName)", ["b"]),
    ("endswith(lastName, 'th')", ["c"]),
    ("tolower(lastName) eq 'lebrun'", ["b"]),
    ("toupper(firstName) eq 'CY'", ["c"]),
    ("not (activeStatus eq 0)", ["b"]),
    ("(lastName eq 'Smith' or activeStatus eq 1) and not (firstName eq 'Bob')", ["c"]),
    ("customFields/decimal1 gt 2", ["a", "c"]),
    ("departmentId eq guid'8d9f3c1a-1234-4abc-9def-0123456789ab'", ["a", "c"]),
    ("middleName eq null", ["a", "c"]),
    ("middleName ne 'Q'", []),  # null compares as unknown: not selected (SQL three-valued logic)
    ("not (middleName eq 'Q')", []),
])
def test_operators_and_functions(expression: str, ids: list[str]) -> None:
    assert selected(expression) == ids


def test_garbage_is_a_syntax_error() -> None:
    for bad in ("", "lastName eq", "substringof('x')", "(lastName eq 'x'"):
        with pytest.raises(FilterSyntaxError):
            parse(bad)


def test_filter_rule_flags_extra_and_missing_rows() -> None:
    selects_matching_rows("activeStatus eq 0", [ROWS[0], ROWS[2]], ROWS, "id")
    with pytest.raises(RuleViolation, match="1 unexpected"):
        selects_matching_rows("activeStatus eq 0", ROWS, ROWS, "id")
    with pytest.raises(RuleViolation, match="1 missing"):
        selects_matching_rows("activeStatus eq 0", [ROWS[0]], ROWS, "id")
    with pytest.raises(RuleViolation, match="duplicate"):
        selects_matching_rows("activeStatus eq 0", [ROWS[0], ROWS[0], ROWS[2]], ROWS, "id")


def test_evaluator_is_case_insensitive_on_names() -> None:
    assert Evaluator(parse("LASTNAME eq 'Smith'")).selects(ROWS[2])


COLLATION = Collation(case_insensitive=True, nulls_first=True, tie_break="id")


def test_local_order_case_nulls_and_tie_break() -> None:
    order = [r["id"] for r in local_order(ROWS, [SortKey("lastName")], COLLATION)]
    assert order == ["a", "b", "c"]  # Leblanc < leBrun < Smith without regard to case
    desc = [r["id"] for r in local_order(ROWS, [SortKey("dateAdded", descending=True)], COLLATION)]
    assert desc == ["b", "c", "a"]  # b and c tie on dateAdded: id ascending breaks the tie
    nulls = [r["id"] for r in local_order(ROWS, [SortKey("middleName")], COLLATION)]
    assert nulls == ["a", "c", "b"]
    nested = [r["id"] for r in local_order(ROWS, [SortKey("customFields/decimal1", True)], COLLATION)]
    assert nested == ["c", "a", "b"]  # nulls last when descending


def test_sort_rule_detects_wrong_order_and_missing_rows() -> None:
    keys = [SortKey("lastName", descending=True)]
    right = local_order(ROWS, keys, COLLATION)
    orders_by_key(right, ROWS, keys, COLLATION, "id")
    with pytest.raises(RuleViolation, match="row 0"):
        orders_by_key(list(reversed(right)), ROWS, keys, COLLATION, "id")
    with pytest.raises(RuleViolation, match="returned 2 rows"):
        orders_by_key(right[:2], ROWS, keys, COLLATION, "id")


def test_sort_rule_without_tie_break_accepts_any_order_of_ties() -> None:
    loose = Collation(case_insensitive=True, nulls_first=True, tie_break=None)
    keys = [SortKey("dateAdded")]
    served = [ROWS[0], ROWS[2], ROWS[1]]  # c before b: a tie, either order keeps the contract
    orders_by_key(served, ROWS, keys, loose, "id")
    with pytest.raises(RuleViolation):
        orders_by_key(served, ROWS, keys, COLLATION, "id")
