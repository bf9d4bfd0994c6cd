"""Writes: PUT without the email address, upload answers and limits; everything undone afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.cleanup import Ledger
from conformance.http.client import Client
from conformance.http.record import Recorder
from conformance.profiles import Profile, Resource
from conformance.rules import writes as write_rules
from conformance.walk import fetch_page

pytestmark = pytest.mark.writes


def settings(profile: Profile) -> dict[str, Any]:
    found = profile.section("writes")
    if not found.get("resource"):
        pytest.skip(f"profile {profile.id} documents no writes")
    return found


def writable(profile: Profile) -> Resource:
    return profile.resource(settings(profile)["resource"])


def editable_copy(profile: Profile, row: dict[str, Any]) -> dict[str, Any]:
    read_only = set(settings(profile).get("read_only", ()))
    return {k: v for k, v in row.items() if k not in read_only}


def some_row(client: Client, profile: Profile, resource: Resource) -> dict[str, Any]:
    page = fetch_page(client, profile, resource, int(profile.pagination.get("first_offset", 0)), 5)
    if not page.rows:
        pytest.skip(f"{resource.path} is empty: nothing to update")
    return page.rows[len(page.rows) // 2]


def new_users(profile: Profile, ledger: Ledger, count: int, sample: dict[str, Any], label: str) -> list[dict[str, Any]]:
    """Users to upload, named with the run's prefix, in a department that exists."""
    template = dict(settings(profile).get("template", {}))
    name_field = settings(profile).get("name_field", "username")
    return [{**template, "departmentId": sample.get("departmentId"), name_field: ledger.name(f"{label}-{n}")}
            for n in range(count)]


def remember_uploads(response: Any, resource: Resource, ledger: Ledger) -> None:
    """Queue removal of whatever an upload created, whatever shape the answer has."""
    try:
        body = response.json()
    except ValueError:
        return
    for pair in body if isinstance(body, list) else []:
        key = pair.get("key") or pair.get(resource.id_field) if isinstance(pair, dict) else None
        if key and resource.item_path:
            ledger.created(resource.item_path.format(id=key), note="uploaded")


@pytest.mark.rule("writes.put-without-email-accepted")
def test_put_without_email_is_accepted(client: Client, recorder: Recorder, profile: Profile, ledger: Ledger) -> None:
    resource, conf = writable(profile), settings(profile)
    row = some_row(client, profile, resource)
    path = (resource.item_path or "").format(id=row[resource.id_field])
    original = client.get(path).json()
    ledger.changed(path, editable_copy(profile, original), note="restore after the PUT test")
    body = editable_copy(profile, original)
    body.pop(conf["optional_field"], None)
    body[conf["changed_field"]] = ledger.name("put")
    mark = recorder.mark()
    client.put(path, json=body, deliberate=True)
    write_rules.put_without_email_accepted(recorder.since(mark)[-1])


@pytest.mark.rule("writes.upload-answers-key-value")
def test_upload_answers_key_value_pairs(client: Client, recorder: Recorder, profile: Profile, ledger: Ledger) -> None:
    resource, conf = writable(profile), settings(profile)
    users = new_users(profile, ledger, 3, some_row(client, profile, resource), "upload")
    mark = recorder.mark()
    response = client.post(conf["upload_path"], json=users, deliberate=True)
    remember_uploads(response, resource, ledger)
    names = [u[conf.get("name_field", "username")] for u in users]
    write_rules.upload_answers_key_value(recorder.since(mark)[-1], names)


@pytest.mark.rule("writes.upload-limit-enforced")
def test_upload_over_the_limit_is_refused(client: Client, recorder: Recorder, profile: Profile,
                                          ledger: Ledger) -> None:
    resource, conf = writable(profile), settings(profile)
    maximum = int(conf["upload_max"])
    users = new_users(profile, ledger, maximum + 1, some_row(client, profile, resource), "over")
    mark = recorder.mark()
    response = client.post(conf["upload_path"], json=users, deliberate=True)
    remember_uploads(response, resource, ledger)
    write_rules.upload_limit_enforced(recorder.since(mark)[-1], maximum)
