"""Pagination: walk every page the documented way and check the walk and every page."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.http.client import Client
from conformance.plugin import STATE
from conformance.profiles import Profile, Resource
from conformance.rules import check_all, envelopes, pagination
from conformance.suites.examples import examples
from conformance.suites.fixtures import cached_walk, max_limit
from conformance.walk import Walk, cursor_pages, fetch_rows, rows_path, walk, wrapped

pytestmark = pytest.mark.pagination
FIXED_LIMITS = ("small", "default", "medium", "max")
EXAMPLES = examples(3)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The fixed page sizes walked: the profile's [pagination] walk_sizes (a vendor that counts every request
    against a small quota walks fewer), else all of FIXED_LIMITS."""
    if "size" in metafunc.fixturenames:
        profile = metafunc.config.stash[STATE].profile
        sizes = list(profile.pagination.get("walk_sizes", FIXED_LIMITS)) if profile else []
        metafunc.parametrize("size", sizes)


def limit_for(profile: Profile, name: str) -> int:
    pg = profile.pagination
    if cursor_pages(profile):   # the server's page size: every walk is the same
        return max_limit(profile)
    return {"small": 7, "default": int(pg["default_limit"]), "medium": 100, "max": int(pg["max_limit"])}[name]


def check_walk(result: Walk, resource: Resource, profile: Profile) -> None:
    """Each pagination rule judges the walk on its own, so one rule's violation hides no other."""
    pg = profile.pagination
    bare = not wrapped(profile)  # bare pages (backward compatibility on): no wrapper fields to check
    check_all(
        lambda: pagination.terminates(result),
        lambda: pagination.ids_unique(result, resource.id_field),
        lambda: (pagination.returned_items_matches(result, pg["returned_field"])
                 if "returned_field" in pg and not bare else None),
        lambda: (pagination.echoes_request(result, pg["limit_field"], pg["offset_field"])
                 if "limit_field" in pg and "offset_field" in pg and not bare else None),
    )


@pytest.mark.rule("pagination.terminates", "pagination.ids-unique", "pagination.returned-items-matches",
                  "pagination.echoes-request")
def test_walk_ends_with_every_row_once(client: Client, profile: Profile, resource: Resource, size: str) -> None:
    limit = limit_for(profile, size)
    result = walk(client, profile, resource, limit) if limit != max_limit(profile) else \
        cached_walk(client, profile, resource, limit)
    check_walk(result, resource, profile)


@pytest.mark.rule("pagination.terminates", "pagination.ids-unique", "pagination.returned-items-matches",
                  "pagination.echoes-request")
def test_walk_with_chosen_limits(client: Client, profile: Profile, resource: Resource) -> None:
    if cursor_pages(profile):
        pytest.skip("the server chooses the page size (cursor pagination): there is no limit to choose")
    @EXAMPLES
    @given(limit=st.integers(min_value=int(profile.pagination.get("chosen_min_limit", 50)),
                             max_value=max_limit(profile)))
    def walk_with(limit: int) -> None:
        check_walk(walk(client, profile, resource, limit), resource, profile)

    walk_with()


@pytest.mark.rule("pagination.default-limit")
def test_page_size_defaults_to_the_documented_limit(client: Client, profile: Profile, resource: Resource) -> None:
    everything = cached_walk(client, profile, resource, max_limit(profile))
    first = [row.get(resource.id_field) for row in everything.rows]
    page = fetch_rows(client, profile, resource, {})
    pagination.default_limit(page.request, page.status, page.rows, first, int(profile.pagination["default_limit"]),
                             len(first), resource.id_field)


@pytest.mark.rule("envelopes.rows-validate")
def test_every_page_and_row_matches_its_schema(client: Client, profile: Profile, resource: Resource) -> None:
    result = cached_walk(client, profile, resource, max_limit(profile))
    pages = [(page.request, page.body) for page in result.pages]
    envelopes.rows_validate(pages, profile.pagination.get("envelope_schema"), resource.schema,
                            rows_path(profile, resource))


@pytest.mark.rule("envelopes.rows-validate")
def test_unpaginated_collection_rows_match_their_schema(client: Client, profile: Profile,
                                                        plain_resource: Resource) -> None:
    response = client.get(plain_resource.path)
    assert response.status_code == 200, f"GET {plain_resource.path} answered {response.status_code}"
    envelopes.rows_validate([(f"GET {plain_resource.path}", response.json())], None, plain_resource.schema,
                            plain_resource.collection_key)
