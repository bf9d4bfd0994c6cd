"""Creating by POST (seed 002 'Examples', Example 4): 201 and a Location that resolves to the new record."""

from __future__ import annotations

import pytest

from conformance.cleanup import Ledger
from conformance.http.client import Client
from conformance.http.record import Recorder
from conformance.profiles import Profile
from conformance.rules import writes
from conformance.suites.creating import (
    create,
    documented_status,
    local_path,
    new_record,
    writable_resource,
)

pytestmark = pytest.mark.writes


@pytest.mark.rule("writes.created-location")
def test_a_create_answers_201_with_the_location_of_the_record(client: Client, recorder: Recorder,
                                                              profile: Profile, ledger: Ledger) -> None:
    expected = documented_status(profile, "created", "a create")
    resource = writable_resource(client, profile)
    record, name = new_record(profile, ledger, "created")
    create(client, ledger, profile, resource, record, name)
    answered = recorder.exchanges[-1]
    location = answered.response_headers.get("location")
    fetched = None
    path = local_path(client, location)
    if location and path is None:
        pytest.skip(f"the Location {location!r} names another origin than the target's: credentials are never "
                    "sent there, so it is not followed (a gateway that does not rewrite Location?)")
    if path is not None:
        client.request("GET", path, deliberate=True)
        fetched = recorder.exchanges[-1]
    writes.created_location(answered, expected, fetched, profile.pagination.get("record_path"), record)
