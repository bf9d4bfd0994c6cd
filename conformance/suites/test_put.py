"""Whole-record PUT (seed 002 'POST and PUT requests'): no partial updates. The record is one this test
created (its name in the ledger before the POST leaves), so a live sandbox keeps every record it had; it is
restored exactly, verified, and deleted at the end of the session. The PUT leaves out one field and the fields
ignored on PUT, and sends other values for the ignored text fields: none of them may be written."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conformance.cleanup import Ledger
from conformance.http.client import Client
from conformance.profiles import Profile
from conformance.rules import check_all
from conformance.rules import put as put_rules
from conformance.suites.creating import create, local_path, new_record, writable_resource, write_settings
from conformance.walk import record_of

pytestmark = pytest.mark.writes
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def decoy_values(record: dict[str, Any], ignored: list[str], id_field: str) -> dict[str, str]:
    """Other values for the ignored text fields (not the id, not dates): a PUT must not write them either."""
    return {k: f"lmsconf-ignored-{k}" for k in ignored
            if k != id_field and (record.get(k) is None or isinstance(record.get(k), str))
            and not DATE.match(str(record.get(k) or ""))}


def _read(client: Client, profile: Profile, path: str) -> dict[str, Any]:
    response = client.get(path)
    record = record_of(profile, response) if response.status_code == 200 else None
    assert record is not None, f"GET {path} answered {response.status_code} without a record"
    return record


@pytest.mark.rule("put.replaces-whole-record", "put.ignored-fields-kept")
def test_put_replaces_the_whole_record(client: Client, profile: Profile, ledger: Ledger) -> None:
    conf = write_settings(profile)
    omitted = conf.get("omitted_field")
    if not omitted:
        pytest.skip(f"profile {profile.id} documents no whole-record PUT")
    resource = writable_resource(client, profile)
    record, name = new_record(profile, ledger, "put")
    created = create(client, ledger, profile, resource, record, name)
    path = local_path(client, created.headers.get("Location"))
    if path is None:
        made = record_of(profile, created)
        if made is None or not resource.item_path:
            pytest.skip(f"the create answered {created.status_code} naming no record to PUT")
        path = resource.item_path.format(id=made[resource.id_field])
    original = _read(client, profile, path)
    ignored = [str(f) for f in conf.get("ignored_on_put", ())]
    servers = set(ignored) | set(conf.get("read_only", ()))   # the server's to keep or stamp (ModifiedDate)
    sent = {k: v for k, v in original.items() if k != omitted and k not in servers}
    decoys = decoy_values(original, ignored, resource.id_field)   # ignored fields sent with other values
    response = client.put(path, json={**sent, **decoys})
    assert response.status_code < 300, f"PUT {path} answered {response.status_code}"
    after = _read(client, profile, path)
    check_all(
        lambda: put_rules.replaces_whole_record(sent, str(omitted), after, sorted(servers)),
        lambda: put_rules.ignored_fields_kept(original, after, ignored),
    )
    client.put(path, json={k: v for k, v in original.items() if k not in servers})
    restored = _read(client, profile, path)
    differs = sorted(k for k in original if k not in servers and restored.get(k) != original.get(k))
    assert not differs, f"the record did not come back as it was after restoring it: {differs}"
