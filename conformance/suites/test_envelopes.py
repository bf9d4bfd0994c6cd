"""Response envelopes (seed 002 'Response Envelopes'): the total count only on request, single records in
their own envelope."""

from __future__ import annotations

import pytest

from conformance.http.client import Client
from conformance.profiles import Profile, Resource
from conformance.rules import envelopes
from conformance.suites.fixtures import cached_walk, max_limit
from conformance.walk import total_params, walk


@pytest.mark.rule("envelopes.total-count-on-request")
def test_the_total_count_comes_only_when_asked(client: Client, profile: Profile, resource: Resource) -> None:
    asked = total_params(profile)
    if not asked:
        pytest.skip(f"profile {profile.id} names no parameter that asks for the total count")
    plain = cached_walk(client, profile, resource, max_limit(profile))
    counted = walk(client, profile, resource, max_limit(profile), asked)
    envelopes.total_count_on_request([(p.request, p.body) for p in plain.pages], profile.pagination["total_field"],
                                     counted.total if counted.pages else None, len(counted.rows))


@pytest.mark.rule("envelopes.single-envelope")
def test_a_single_record_comes_in_its_envelope(client: Client, profile: Profile, item_resource: Resource) -> None:
    schema = profile.pagination.get("item_envelope_schema")
    if not schema:
        pytest.skip(f"profile {profile.id} documents no single-record envelope")
    rows = cached_walk(client, profile, item_resource, max_limit(profile)).rows
    if not rows:
        pytest.skip(f"{item_resource.path} is empty on this target")
    wanted = rows[0][item_resource.id_field]
    path = (item_resource.item_path or "").format(id=wanted)
    response = client.get(path)
    try:
        body = response.json()
    except ValueError:
        body = response.text
    envelopes.single_envelope(f"GET {path}", response.status_code, body, schema,
                              str(profile.pagination.get("record_path", "")), item_resource.id_field, wanted)
