"""Partial updates by PATCH (seed 000 'Sending data to the API', 'Problem: 400 Bad Request response').

A user of the target is changed three ways - by id as JSON, by email address as JSON, by id form-encoded - and
read back after each: only the field sent may change. Invalid values (an address that is not one, an empty
required name, a value of the wrong type) are refused with 400 and a summary naming the field. Before each
change the ledger holds the user's original values of the fields it may touch; the user is restored and
compared at the end, even when a rule failed (and, if the run dies, by the next run).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance import schemas
from conformance.cleanup import Ledger
from conformance.http.client import Client
from conformance.http.record import Exchange
from conformance.profiles import Profile, Resource
from conformance.rules import check_all
from conformance.rules import patch as patch_rules
from conformance.suites.creating import write_settings
from conformance.walk import fetch_rows, record_of

pytestmark = pytest.mark.writes
NOT_AN_EMAIL = "lmsconf-not-an-email-address"
WRONG_TYPE = "lmsconf-not-a-boolean"


def patch_settings(profile: Profile) -> dict[str, Any]:
    conf = write_settings(profile)
    if conf.get("style") != "patch":
        pytest.skip(f"profile {profile.id} documents no PATCH")
    return conf


def read(client: Client, profile: Profile, path: str) -> dict[str, Any]:
    response = client.get(path)
    record = record_of(profile, response) if response.status_code == 200 else None
    assert record is not None, f"GET {path} answered {response.status_code} without a record"
    return record


@pytest.fixture
def patched_user(client: Client, profile: Profile, ledger: Ledger) -> Iterator[tuple[Resource, dict[str, Any]]]:
    """A user of the target (from the first page) and its record; after the test the record is sent back as it
    was, and must read back as before."""
    conf = patch_settings(profile)
    resource = profile.resource(conf["resource"])
    page = fetch_rows(client, profile, resource, {})
    if not page.rows or not resource.item_path:
        pytest.skip(f"{resource.path} answered {page.status} with no user to change")
    row = page.rows[len(page.rows) // 2]
    path = resource.item_path.format(id=row[resource.id_field])
    original = read(client, profile, path)
    # every field a client may write, not only those the tests touch: a server that replaces instead of patching
    # is restored as well
    writable = {k: v for k, v in original.items() if k not in server_fields(conf)}
    entry = ledger.changed(path, writable, method="PATCH", note="patched")
    yield resource, original
    problems = ledger.undo(client, only=[entry])
    restored = read(client, profile, path)
    differs = sorted(k for k in original if k not in server_fields(conf) and restored.get(k) != original.get(k))
    assert not problems and not differs, f"the user did not come back as it was: {problems or differs}"


def server_fields(conf: dict[str, Any]) -> list[str]:
    return [str(f) for f in conf.get("read_only", ())]


def boolean_field(profile: Profile, resource: Resource, conf: dict[str, Any]) -> str | None:
    """A writable field the resource's schema types as a boolean: a text there is a value of the wrong type."""
    properties = schemas.load(resource.schema).get("properties", {})
    for name, spec in properties.items():
        if name not in server_fields(conf) and isinstance(spec, dict) and spec.get("type") == "boolean":
            return str(name)
    return None


def _patch(client: Client, path: str, body: dict[str, Any], form: str | None = None) -> Exchange:
    """Send one PATCH (JSON, or form-encoded as ``form``); its recorded exchange."""
    mark = client.recorder.mark()
    if form is None:
        client.request("PATCH", path, json=body, deliberate=True)
    else:
        client.request("PATCH", path, data=body, headers={"Content-Type": form}, deliberate=True)
    return client.recorder.since(mark)[-1]


@pytest.mark.rule("patch.partial-update", "patch.by-email", "patch.form-encoded")
def test_patch_changes_only_the_fields_sent(client: Client, profile: Profile, ledger: Ledger,
                                            patched_user: tuple[Resource, dict[str, Any]]) -> None:
    resource, original = patched_user
    conf = patch_settings(profile)
    field, email_field = str(conf["changed_field"]), str(conf["email_field"])
    by_id = (resource.item_path or "").format(id=original[resource.id_field])
    by_email = (resource.item_path or "").format(id=original[email_field])
    updated, ignored = int(profile.status.get("updated", 200)), server_fields(conf)
    form = str(profile.section("media").get("form_content_type", "application/x-www-form-urlencoded"))

    as_json = {field: ledger.name("json")}
    json_answer = _patch(client, by_id, as_json)
    after_json = read(client, profile, by_id)

    mark = client.recorder.mark()
    found = client.request("GET", by_email, deliberate=True)
    found_answer = client.recorder.since(mark)[-1]
    found_record = record_of(profile, found) if found.status_code == 200 else None
    as_email = {field: ledger.name("email")}
    email_answer = _patch(client, by_email, as_email)
    after_email = read(client, profile, by_id)

    as_form = {field: ledger.name("form")}
    form_answer = _patch(client, by_id, as_form, form)
    after_form = read(client, profile, by_id)

    check_all(
        lambda: patch_rules.partial_update(json_answer, original, as_json, after_json, updated, ignored),
        lambda: patch_rules.by_email(found_answer, (found_record or {}).get(resource.id_field),
                                     original[resource.id_field], email_answer, as_email, after_email, updated),
        lambda: patch_rules.form_encoded(form_answer, after_email, as_form, after_form, updated, ignored),
    )


@pytest.mark.rule("patch.invalid-refused-with-summary")
def test_invalid_patch_is_refused_with_a_summary(client: Client, profile: Profile,
                                                 patched_user: tuple[Resource, dict[str, Any]]) -> None:
    resource, original = patched_user
    conf = patch_settings(profile)
    errors = profile.section("errors")
    if not errors.get("validation_schema"):
        pytest.skip(f"profile {profile.id} documents no validation summary")
    path = (resource.item_path or "").format(id=original[resource.id_field])
    cases: list[tuple[str, Any]] = [(str(conf["email_field"]), NOT_AN_EMAIL), (str(conf["name_field"]), "")]
    flag = boolean_field(profile, resource, conf)
    if flag:
        cases.append((flag, WRONG_TYPE))
    invalid = int(profile.status.get("invalid_body", 400))
    checks = []
    for field, value in cases:
        answer = _patch(client, path, {field: value})
        checks.append(lambda a=answer, f=field: patch_rules.invalid_refused_with_summary(
            a, f, str(errors["validation_schema"]), str(errors["field_path"]), str(errors.get("field_format",
                                                                                             "{field}")), invalid))
    check_all(*checks)
