"""A status table row by row (seed 001: "the HTTP code is part of the API contract"; messages are not): each
situation the table names is provoked on purpose and only its code compared. The rows that need a second account
or a scheduled exam are in the vendor's own suite; the rate limit's row is the ratelimit suite's."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from conformance.cleanup import Ledger
from conformance.http.client import Client
from conformance.http.record import Exchange, Recorder
from conformance.profiles import Profile, Resource
from conformance.rules import check_all, status
from conformance.suites.creating import create, documented_status, local_path, new_record, writable_resource
from conformance.suites.nested import fill_template
from conformance.target import Target
from conformance.walk import fetch_page, record_of

NO_SUCH_PATH = "/lmsconf-no-such-path"
XML_BODY = "<?xml version=\"1.0\"?><lmsconf><subject>not JSON</subject></lmsconf>"
SWITCHED = 2   # server errors switched on in a row: fewer than the retries the profile allows


def _rows(client: Client, profile: Profile, resource: Resource, values: dict[str, str]) -> list[dict[str, Any]]:
    page = fetch_page(client, profile, dataclasses.replace(resource, path=fill_template(resource.path, values)),
                      int(profile.pagination.get("first_offset", 0)), 50)
    return page.rows or []


def _parents(client: Client, profile: Profile, resource: Resource) -> list[dict[str, str]]:
    """Path values of every parent row the target lists (first page)."""
    parent = profile.resource(str(resource.parent_resource))
    rows = _rows(client, profile, parent, {})
    return [{param: str(row[field]) for param, field in resource.parents.items()} for row in rows
            if all(row.get(field) is not None for field in resource.parents.values())]


def _sent(client: Client, method: str, path: str, **kwargs: Any) -> Exchange:
    mark = client.recorder.mark()
    client.request(method, path, deliberate=True, **kwargs)
    return client.recorder.since(mark)[-1]


@pytest.mark.rule("status.read-is-200")
def test_reads_of_what_exists_answer_200(client: Client, profile: Profile) -> None:
    expected = documented_status(profile, "ok", "a successful read")
    answers: list[Exchange] = []
    for resource in profile.resources:
        values = _parents(client, profile, resource)[:1] if resource.parents else [{}]
        if not values:
            continue
        rows = _rows(client, profile, resource, values[0])
        answers.append(_sent(client, "GET", fill_template(resource.path, values[0])))
        if rows and resource.item_path:
            item = fill_template(resource.item_path, {**values[0], "id": str(rows[0][resource.id_field])},
                                 last_is_id=True)
            answers.append(_sent(client, "GET", item))
    assert answers, "no resource of the profile could be read"
    status.read_is_200(answers, expected)


@pytest.mark.rule("status.unknown-path-is-404")
def test_a_path_the_api_does_not_have_is_404(client: Client, profile: Profile) -> None:
    expected = documented_status(profile, "not_found", "an unknown path")
    first = profile.resources[0]
    answers = [_sent(client, "GET", NO_SUCH_PATH), _sent(client, "GET", f"{first.path.rstrip('/')}{NO_SUCH_PATH}")]
    status.unknown_path_is_404(answers, expected)


@pytest.mark.rule("status.wrong-parent-is-404")
def test_a_child_under_another_parent_is_404(client: Client, profile: Profile) -> None:
    """For every nested item path: a child of one parent asked under another parent that does not hold it."""
    expected = documented_status(profile, "not_found", "a child id under another parent")
    answers: list[Exchange] = []
    for resource in (r for r in profile.resources if r.parents and r.item_path):
        parents = _parents(client, profile, resource)
        held = {json_key(p): {str(row[resource.id_field]) for row in _rows(client, profile, resource, p)}
                for p in parents}
        owner = next((p for p in parents if held[json_key(p)]), None)
        if owner is None:
            continue
        child = sorted(held[json_key(owner)])[0]
        other = next((p for p in parents if p != owner and child not in held[json_key(p)]), None)
        if other is not None:
            answers.append(_sent(client, "GET", fill_template(str(resource.item_path), {**other, "id": child},
                                                              last_is_id=True)))
    if not answers:
        pytest.skip("no nested record whose parent has a sibling to ask it under")
    status.wrong_parent_is_404(answers, expected)


def json_key(values: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(values.items()))


@pytest.mark.writes
@pytest.mark.rule("status.no-content-is-204", "status.missing-field-is-400", "status.invalid-format-is-406")
def test_writes_answer_their_documented_codes(client: Client, recorder: Recorder, profile: Profile,
                                             ledger: Ledger) -> None:
    """A record this test creates is updated (204, no body) and deleted (204, no body); a create without the
    required field is 400 and one whose body is XML labelled JSON 406. Whatever a target wrongly creates is in
    the ledger and deleted at the end."""
    conf = profile.section("writes")
    resource = writable_resource(client, profile)
    record, name = new_record(profile, ledger, "status")
    created = create(client, ledger, profile, resource, record, name)
    path = local_path(client, created.headers.get("Location"))
    made = record_of(profile, created)
    if path is None and made is not None and resource.item_path:
        path = resource.item_path.format(id=made[resource.id_field])
    if path is None:
        pytest.skip(f"the create answered {created.status_code} naming no record to update and delete")
    field = str(conf.get("changed_field", "name"))
    updated = _sent(client, "PUT", path, json={**record, field: f"{record.get(field, '')} (changed)"})
    required = str(conf.get("required_field", conf.get("name_field", "name")))
    missing, missing_name = new_record(profile, ledger, "missing")
    create(client, ledger, profile, resource, {k: v for k, v in missing.items() if k != required}, missing_name)
    without = recorder.exchanges[-1]
    odd = _sent(client, "POST", resource.path, data=XML_BODY, headers={"Content-Type": "application/json"})
    odd_path = local_path(client, odd.response_headers.get("location"))
    if odd_path is not None:
        ledger.created(odd_path, note="created by a body in another format")
    deleted = _sent(client, "DELETE", path)
    check_all(
        lambda: status.no_content_is_204([updated, deleted], documented_status(profile, "updated", "an update")),
        lambda: status.missing_field_is_400([without], documented_status(profile, "invalid_body", "a bad body")),
        lambda: status.invalid_format_is_406([odd], documented_status(profile, "not_acceptable", "a bad format")),
    )


TRANSIENT = {500: status.server_error_is_transient, 502: status.bad_gateway_is_transient,
             503: status.unavailable_is_transient}


@pytest.mark.rule("status.server-error-is-transient", "status.bad-gateway-is-transient",
                  "status.unavailable-is-transient")
def test_server_errors_clear_when_retried(client: Client, recorder: Recorder, profile: Profile,
                                          target: Target) -> None:
    """The embedded simulator is switched to answer the next requests with 500, 502 or 503; the client retries
    as the profile's [retry] says, and the request must end served. A live target's server errors cannot be
    provoked: there the rules are not checked."""
    statuses = [int(s) for s in profile.section("retry").get("statuses", ())]
    fail = target.simulator.hook("fail") if target.simulator is not None else None
    if not statuses or fail is None:
        pytest.skip("server errors can be provoked only on the embedded simulator (its switches)")
    path = profile.resources[0].path
    checks = []
    try:
        for code in statuses:
            fail(code, next=SWITCHED)
            mark = recorder.mark()
            client.request("GET", path)
            answers = [ex for ex in recorder.since(mark) if ex.purpose in ("request", f"retry-{code}")]
            fail(0)
            if code in TRANSIENT:
                checks.append(lambda rule=TRANSIENT[code], seen=answers: rule(seen))
    finally:
        fail(0)
    check_all(*checks)
