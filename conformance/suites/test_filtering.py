"""Filtering: each documented operator and function selects exactly what it selects locally."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.http.client import Client
from conformance.profiles import Profile, Resource
from conformance.rules.filtering import selects_matching_rows
from conformance.suites.examples import examples
from conformance.suites.filters import CASES, atoms, fields_by_kind
from conformance.suites.fixtures import max_limit
from conformance.walk import walk

pytestmark = pytest.mark.pagination
EXAMPLES = examples(6)


def check_filter(client: Client, profile: Profile, resource: Resource, expression: str,
                 everything: list[dict[str, Any]]) -> None:
    served = walk(client, profile, resource, max_limit(profile), {profile.filtering["param"]: expression})
    if served.pages[-1].status != 200:
        page = served.pages[-1]
        raise AssertionError(f"{page.request} answered {page.status}")
    guids = frozenset(name for name, kind in resource.filterable.items() if kind == "guid")
    selects_matching_rows(expression, served.rows, everything, resource.id_field, guids)


@pytest.mark.rule("filtering.selects-matching-rows")
@pytest.mark.parametrize("case", sorted(CASES))
def test_operator_and_function(client: Client, profile: Profile, resource: Resource, case: str,
                               everything: list[dict[str, Any]]) -> None:
    if case == "seed-example" and not profile.filtering.get("case_insensitive_names"):
        pytest.skip("the profile does not document case-insensitive field names")
    expression = CASES[case](fields_by_kind(everything, resource.filterable), everything)
    if expression is None:
        pytest.skip(f"{resource.name} documents no filterable field this case needs")
    check_filter(client, profile, resource, expression, everything)


@pytest.mark.rule("filtering.selects-matching-rows")
def test_combined_filters(client: Client, profile: Profile, resource: Resource,
                          everything: list[dict[str, Any]]) -> None:
    pieces = atoms(everything, resource.filterable)
    if not pieces:
        pytest.skip(f"{resource.name} documents no filterable fields")
    leaf = st.sampled_from(pieces)
    tree = st.recursive(leaf, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        inner.map(lambda e: f"not ({e})")), max_leaves=3)

    @EXAMPLES
    @given(tree)
    def filtered_by(expression: str) -> None:
        check_filter(client, profile, resource, expression, everything)

    filtered_by()
