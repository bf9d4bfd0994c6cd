"""Writes: PUT without the email address, upload answers and limits; everything undone afterwards."""

from __future__ import annotations

import pytest

from conformance.cleanup import Ledger
from conformance.http.client import Client
from conformance.http.record import Recorder
from conformance.profiles import Profile
from conformance.vendors.absorb.rules import writes as write_rules
from conformance.vendors.absorb.suites.writing import editable_copy, new_users, settings, some_row, upload, writable

pytestmark = pytest.mark.writes


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
    users = new_users(profile, ledger, 3, some_row(client, profile, resource).get("departmentId"), "upload")
    mark = recorder.mark()
    name_field = conf.get("name_field", "username")
    upload(client, ledger, conf["upload_path"], users, name_field, resource.item_path or "")
    names = [u[name_field] for u in users]
    write_rules.upload_answers_key_value(recorder.since(mark)[-1], names)


@pytest.mark.rule("writes.upload-limit-enforced")
def test_upload_over_the_limit_is_refused(client: Client, recorder: Recorder, profile: Profile,
                                          ledger: Ledger) -> None:
    resource, conf = writable(profile), settings(profile)
    maximum = int(conf["upload_max"])
    users = new_users(profile, ledger, maximum + 1, some_row(client, profile, resource).get("departmentId"), "over")
    mark = recorder.mark()
    upload(client, ledger, conf["upload_path"], users, conf.get("name_field", "username"), resource.item_path or "")
    write_rules.upload_limit_enforced(recorder.since(mark)[-1], maximum)
