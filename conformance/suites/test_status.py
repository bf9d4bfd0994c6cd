"""Status codes for documented situations: codes are compared, messages never."""

from __future__ import annotations

import uuid

import pytest

from conformance.http.client import Client
from conformance.http.record import Recorder
from conformance.profiles import Profile, Resource
from conformance.rules import envelopes, status

UNKNOWN_IDS = ("00000000-0000-0000-0000-000000000000", str(uuid.UUID(int=0xC0FFEE)))
UNKNOWN_INT_IDS = ("2147483647", "987654321")   # ids no seeded record has (an int id: the resource's id_kind)
UNKNOWN_EMAIL = "lmsconf-nobody@example.invalid"  # an address no record has (.invalid: RFC 2606)


def unknown_ids(resource: Resource) -> tuple[str, ...]:
    return UNKNOWN_INT_IDS if resource.id_kind == "int" else UNKNOWN_IDS


def unknown_identifiers(profile: Profile, resource: Resource) -> tuple[str, ...]:
    """Unknown ids, and an unknown email address where the resource is also found by one (iHASCO users)."""
    writes = profile.section("writes")
    by_email = bool(writes.get("email_field")) and writes.get("resource") == resource.name
    return (*unknown_ids(resource), UNKNOWN_EMAIL) if by_email else unknown_ids(resource)


def bad_paging(profile: Profile) -> dict[str, str]:
    """A paging parameter no target can read: a page size, or a cursor, that is not a number."""
    pg = profile.pagination
    return {str(pg.get("limit_param") or pg.get("cursor_param") or "_limit"): "abc"}


@pytest.mark.rule("status.bad-token-is-401")
def test_bad_or_missing_token_is_401(client: Client, recorder: Recorder, profile: Profile,
                                     api_key_headers: dict[str, str]) -> None:
    path = profile.resources[0].path
    mark = recorder.mark()
    bad = client.auth_headers(token="lmsconf-not-a-token")
    header = str(profile.auth.get("token_header", "Authorization"))
    prefix = str(profile.auth.get("token_prefix", "")).strip()
    client.request("GET", path, headers=bad, auth=False, deliberate=True)
    client.request("GET", path, headers=api_key_headers, auth=False, deliberate=True)   # no token at all
    if prefix:   # malformed: the scheme without a token
        client.request("GET", path, headers={**api_key_headers, header: prefix}, auth=False, deliberate=True)
    status.bad_token_is_401(recorder.since(mark), profile.status["bad_token"])


@pytest.mark.rule("status.unknown-id-is-404")
def test_unknown_id_is_404(client: Client, recorder: Recorder, profile: Profile, item_resource: Resource) -> None:
    mark = recorder.mark()
    for unknown in unknown_identifiers(profile, item_resource):
        client.request("GET", (item_resource.item_path or "").format(id=unknown), deliberate=True)
    status.unknown_id_is_404(recorder.since(mark), profile.status["not_found"])


def _invalid_paging(profile: Profile) -> list[dict[str, str]]:
    pg = profile.pagination
    limit, offset = pg["limit_param"], pg["offset_param"]
    cases = [{limit: "0"}, {limit: str(int(pg["max_limit"]) + 1)}, {limit: "abc"}, {offset: "-1"}, {offset: "abc"}]
    if "max_offset" in pg:
        cases.append({offset: str(int(pg["max_offset"]) + 1)})
    return cases


@pytest.mark.rule("status.invalid-paging-is-4xx")
def test_out_of_range_paging_is_refused(client: Client, recorder: Recorder, profile: Profile,
                                        resource: Resource) -> None:
    mark = recorder.mark()
    for params in _invalid_paging(profile):
        client.request("GET", resource.path, params=params, deliberate=True)
    status.invalid_paging_is_4xx(recorder.since(mark), profile.status["invalid_query"])


@pytest.mark.rule("envelopes.error-body")
def test_error_bodies_keep_the_documented_structure(client: Client, recorder: Recorder, profile: Profile,
                                                    resource: Resource, api_key_headers: dict[str, str]) -> None:
    mark = recorder.mark()
    if resource.item_path:
        client.request("GET", resource.item_path.format(id=unknown_ids(resource)[0]), deliberate=True)
    client.request("GET", resource.path, params=bad_paging(profile), deliberate=True)
    client.request("GET", resource.path, headers=api_key_headers, auth=False, deliberate=True)
    errors = [ex for ex in recorder.since(mark) if ex.status is not None and ex.status >= 400]
    assert errors, "none of the error-provoking requests was answered with an error status"
    envelopes.error_body(errors, profile.raw["errors"]["schema"], error_media_type(profile))


def error_media_type(profile: Profile) -> str:
    """The media type error bodies carry: the profile's response Content-Type without its parameters."""
    documented = str(profile.section("media").get("response_content_type", "application/json"))
    return documented.split(";", 1)[0].strip().lower()
