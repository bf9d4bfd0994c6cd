"""Assignr's own contract (seed 004 'Requests', 'Response Codes'): the HAL media type both ways, HAL links on every
page and record, HTTPS only, scopes, the 402 of a site without a subscription, 422 validation, and optimistic
locking. Whatever a write creates is in the ledger first and deleted at the end, even when a rule failed."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.cleanup import Ledger
from conformance.http.client import Client
from conformance.http.record import Exchange
from conformance.profiles import Profile
from conformance.rules import auth, check_all, envelopes, locking, media, status
from conformance.suites.creating import create, local_path, new_record, writable_resource
from conformance.suites.fixtures import cached_walk, max_limit
from conformance.target import Target
from conformance.walk import dig, record_of, rows_path

JSON = "application/json"


def _sent(client: Client, method: str, path: str, **kwargs: Any) -> Exchange:
    mark = client.recorder.mark()
    client.request(method, path, deliberate=True, **kwargs)
    return client.recorder.since(mark)[-1]


def _read(client: Client, profile: Profile, path: str) -> dict[str, Any]:
    response = client.get(path)
    record = record_of(profile, response) if response.ok else None
    assert record is not None, f"GET {path} answered {response.status_code} without a record"
    return record


@pytest.mark.rule("media.hal-content-type", "envelopes.hal-links")
def test_answers_are_hal(client: Client, profile: Profile) -> None:
    sites = profile.resources[0]
    walk = cached_walk(client, profile, sites, max_limit(profile))
    first = walk.rows[0] if walk.rows else None
    answers = [_sent(client, "GET", sites.path), _sent(client, "GET", sites.path, headers={"Accept": JSON})]
    single: list[tuple[str, Any]] = []
    if first is not None and sites.item_path:
        item = sites.item_path.format(id=first[sites.id_field])
        answers.append(_sent(client, "GET", item))
        single.append((f"GET {item}", answers[-1].json()))
    documented = str(profile.section("media")["response_content_type"])
    check_all(lambda: media.hal_content_type(answers, documented),
              lambda: envelopes.hal_links([(p.request, p.body) for p in walk.pages], rows_path(profile, sites)),
              lambda: envelopes.hal_links(single, None))


@pytest.mark.rule("auth.https-only")
def test_plain_http_is_redirected_to_https(client: Client, profile: Profile, target: Target) -> None:
    plain = target.http_url
    if not plain:
        pytest.skip("no plain-HTTP address to try: set LMSCONF_HTTP_URL")
    answers = [_sent(client, method, f"{plain.rstrip('/')}{profile.resources[0].path}", auth=False)
               for method in ("GET", "POST")]   # no credentials: the client never sends them over HTTP
    auth.https_only(answers, int(profile.status.get("redirect", 302)))


@pytest.mark.rule("status.payment-required-is-402")
def test_a_site_without_a_subscription_is_402(client: Client, profile: Profile) -> None:
    sites = profile.resources[0]
    games = profile.resource("games")
    refused = []
    for site in cached_walk(client, profile, sites, max_limit(profile)).rows:
        answer = _sent(client, "GET", games.path.replace("{siteId}", str(site[sites.id_field])))
        if answer.status != 200:
            refused.append(answer)
    if not refused:
        pytest.skip("every site answered: none without an active subscription to try")
    status.payment_required_is_402(refused, int(profile.status.get("payment_required", 402)))


def _read_only_token(client: Client, profile: Profile) -> str:
    spec = client.strategy.token_request()
    form = {**dict(spec.data or {}), "scope": str(profile.auth["read_scope"])}
    answer = client.request(spec.method, spec.path, data=form, headers=spec.headers, auth=False, deliberate=True,
                            purpose="authenticate")
    token = dig(answer.json(), "access_token") if answer.ok else None
    assert isinstance(token, str) and token, f"no read-only token: HTTP {answer.status_code}"
    return token


@pytest.mark.writes
@pytest.mark.rule("auth.scope-enforced", "media.hal-request-required", "status.validation-is-422")
def test_writes_the_api_must_refuse(client: Client, profile: Profile, ledger: Ledger) -> None:
    resource = writable_resource(client, profile)
    conf = profile.section("writes")
    headers = client.auth_headers(token=_read_only_token(client, profile))
    read = _sent(client, "GET", resource.path, headers=headers, auth=False)
    record, name = new_record(profile, ledger, "scope")
    as_json, json_name = new_record(profile, ledger, "json")
    entry = ledger.uploading(resource.path, [name, json_name], note="created by a write the API should refuse")
    write = _sent(client, "POST", resource.path, json=record, headers=headers, auth=False)
    plain = _sent(client, "POST", resource.path, json=as_json, headers={"Content-Type": JSON})
    invalid, invalid_name = new_record(profile, ledger, "invalid")
    create(client, ledger, profile, resource, {k: v for k, v in invalid.items() if k != conf["required_field"]},
           invalid_name)
    without = client.recorder.exchanges[-1]
    for ex in (write, plain):
        made = local_path(client, ex.response_headers.get("location"))
        if made:
            ledger.created(made, note="created by a write the API should have refused")
    ledger.settle(entry)
    check_all(lambda: auth.scope_enforced(read, write, int(profile.status.get("forbidden", 403))),
              lambda: media.hal_request_required([plain], int(profile.status.get("unsupported_media", 415))),
              lambda: status.validation_is_422([without], int(profile.status.get("invalid_body", 422))))


@pytest.mark.writes
@pytest.mark.rule("locking.stale-version-refused", "locking.current-version-accepted", "status.no-content-is-204")
def test_optimistic_locking(client: Client, profile: Profile, ledger: Ledger) -> None:
    """A game this test creates: a PUT with its lock_version succeeds and moves it on; a PUT with the old one is
    409 and changes nothing; the DELETE is 204 with no body."""
    resource = writable_resource(client, profile)
    conf = profile.section("writes")
    field, lock = str(conf["changed_field"]), str(conf["lock_field"])
    record, name = new_record(profile, ledger, "lock")
    created = create(client, ledger, profile, resource, record, name)
    path = local_path(client, created.headers.get("Location"))
    made = record_of(profile, created) if created.ok else None
    if path is None and made is not None and resource.item_path and made.get(resource.id_field) is not None:
        path = resource.item_path.format(id=made[resource.id_field])   # a Location naming another origin
        ledger.created(path, note="created")
    if path is None:
        pytest.skip(f"the create answered {created.status_code} naming no game to update")
    original = _read(client, profile, path)
    current = _sent(client, "PUT", path, json={field: "lmsconf: current", lock: original.get(lock)})
    after = _read(client, profile, path)
    stale = _sent(client, "PUT", path, json={field: "lmsconf: stale", lock: original.get(lock)})
    unchanged = _read(client, profile, path)
    deleted = _sent(client, "DELETE", path)
    check_all(lambda: locking.current_version_accepted(current, original.get(lock), after.get(lock)),
              lambda: locking.stale_version_refused(stale, after, unchanged, field,
                                                    int(profile.status.get("conflict", 409))),
              lambda: status.no_content_is_204([deleted], int(profile.status.get("deleted", 204))))


