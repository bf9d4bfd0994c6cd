"""Fixtures shared by the conformance suites: resources to walk, full collections, raw headers."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.http.client import Client
from conformance.plugin import STATE
from conformance.profiles import Profile, Resource
from conformance.suites.nested import concrete
from conformance.walk import Walk, page_size_limit, walk

_WALKS: dict[tuple[str, int], Walk] = {}


def paginated(profile: Profile) -> list[Resource]:
    return [r for r in profile.resources if r.paginated]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that takes ``resource`` once per paginated resource of the profile; ``item_resource``
    once per resource with a single-record path; ``plain_resource`` once per unpaginated collection."""
    profile_now = metafunc.config.stash[STATE].profile
    top = [r for r in profile_now.resources if not r.parents] if profile_now else []
    if "item_resource" in metafunc.fixturenames:
        items = [r for r in top if r.item_path]
        metafunc.parametrize("item_resource", items, ids=[r.name for r in items])
    if "plain_resource" in metafunc.fixturenames:
        plain = [r for r in top if not r.paginated]
        metafunc.parametrize("plain_resource", plain, ids=[r.name for r in plain])
    if "resource" not in metafunc.fixturenames or getattr(metafunc.module, "PARAMETRIZES_RESOURCE", False):
        return
    profile = metafunc.config.stash[STATE].profile
    resources = paginated(profile) if profile else []
    metafunc.parametrize("resource", resources, ids=[r.name for r in resources], indirect=True, scope="session")


_CONCRETE: dict[str, Resource] = {}


@pytest.fixture(scope="session")
def resource(request: pytest.FixtureRequest, client: Client, profile: Profile) -> Resource:
    """The parametrized resource, with the path parameters of a nested collection filled in."""
    declared: Resource = request.param
    if declared.name not in _CONCRETE:
        try:
            _CONCRETE[declared.name] = concrete(client, profile, declared)
        except LookupError as exc:
            pytest.skip(str(exc))
    return _CONCRETE[declared.name]


def max_limit(profile: Profile) -> int:
    return page_size_limit(profile)


def cached_walk(client: Client, profile: Profile, resource: Resource, limit: int) -> Walk:
    key = (resource.name, limit)
    if key not in _WALKS:
        _WALKS[key] = walk(client, profile, resource, limit)
    return _WALKS[key]


@pytest.fixture
def everything(client: Client, profile: Profile, resource: Resource) -> list[dict[str, Any]]:
    """Every row of the resource, from one walk at the largest documented page size."""
    result = cached_walk(client, profile, resource, max_limit(profile))
    if not result.rows:
        pytest.skip(f"{resource.path} is empty on this target: nothing to compare")
    return result.rows


@pytest.fixture
def api_key_headers(client: Client) -> dict[str, str]:
    """Only the API-key header (no token), for requests that test the token check."""
    return client.auth_headers(include_token=False)


@pytest.fixture
def token_headers(client: Client) -> dict[str, str]:
    """Only the current token's header (no API key), for requests that test the API-key check."""
    return client.auth_headers(include_key=False)
