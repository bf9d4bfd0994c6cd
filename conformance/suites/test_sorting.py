"""Sorting: every sortable key, ascending and descending, against the order computed locally."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.http.client import Client
from conformance.profiles import Profile, Resource
from conformance.rules.sorting import Collation, SortKey, orders_by_key
from conformance.suites.examples import examples
from conformance.suites.fixtures import max_limit
from conformance.walk import walk

pytestmark = pytest.mark.pagination
EXAMPLES = examples(4)


def sort_param(profile: Profile, keys: Sequence[SortKey]) -> str:
    sorting = profile.sorting
    prefix, separator = sorting.get("descending_prefix", "-"), sorting.get("separator", ",")
    return separator.join(key.render(prefix) for key in keys)


def check_sorted(client: Client, profile: Profile, resource: Resource, keys: Sequence[SortKey],
                 everything: list[dict[str, Any]]) -> None:
    served = walk(client, profile, resource, max_limit(profile), {profile.sorting["param"]: sort_param(profile, keys)})
    orders_by_key(served.rows, everything, keys, Collation.from_profile(profile.sorting), resource.id_field)


PARAMETRIZES_RESOURCE = True  # the single-key test pairs each resource with its own sortable fields


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "resource" not in metafunc.fixturenames:
        return
    from conformance.plugin import STATE
    from conformance.suites.fixtures import paginated

    profile = metafunc.config.stash[STATE].profile
    resources = paginated(profile) if profile else []
    if "sort_key" not in metafunc.fixturenames:
        metafunc.parametrize("resource", resources, ids=[r.name for r in resources], indirect=True, scope="session")
        return
    cases = [(r, SortKey(f, d)) for r in resources for f in r.sortable for d in (False, True)]
    metafunc.parametrize(("resource", "sort_key"), cases, ids=[f"{r.name}-{k.render()}" for r, k in cases],
                         indirect=["resource"])


@pytest.mark.rule("sorting.orders-by-key")
def test_single_key_order(client: Client, profile: Profile, resource: Resource, sort_key: SortKey,
                          everything: list[dict[str, Any]]) -> None:
    check_sorted(client, profile, resource, [sort_key], everything)


@pytest.mark.rule("sorting.orders-by-key")
def test_multi_key_order(client: Client, profile: Profile, resource: Resource,
                         everything: list[dict[str, Any]]) -> None:
    keys = st.builds(SortKey, st.sampled_from(resource.sortable), st.booleans())

    @EXAMPLES
    @given(st.lists(keys, min_size=2, max_size=3, unique_by=lambda k: k.field))
    def sorted_by(chosen: list[SortKey]) -> None:
        check_sorted(client, profile, resource, chosen, everything)

    sorted_by()
