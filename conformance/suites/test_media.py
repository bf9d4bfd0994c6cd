"""Media types (seed 002 'Content Type'): the documented Content-Type on every response, Accept ignored,
request bodies that are not JSON refused with 415."""

from __future__ import annotations

from urllib.parse import urlencode
from xml.sax.saxutils import escape

import pytest

from conformance.cleanup import Ledger
from conformance.http.client import Client
from conformance.http.record import Recorder
from conformance.profiles import Profile
from conformance.rules import media
from conformance.suites.creating import (
    create,
    documented_status,
    local_path,
    new_record,
    writable_resource,
)

FOREIGN_ACCEPTS = ("application/xml", "text/html", "text/plain")


def _documented(profile: Profile) -> str:
    value = profile.section("media").get("response_content_type")
    if not value:
        pytest.skip(f"profile {profile.id} documents no response Content-Type")
    return str(value)


@pytest.mark.rule("media.charset-on-every-response")
def test_every_response_carries_the_documented_content_type(client: Client, recorder: Recorder,
                                                           profile: Profile) -> None:
    """A success, a single record, an unknown id, a bad token and an unknown path: every answer with content."""
    documented = _documented(profile)
    first = profile.resources[0]
    mark = recorder.mark()
    client.get(first.path, params={profile.pagination["limit_param"]: "1"})
    if first.item_path:
        client.request("GET", first.item_path.format(id="0"), deliberate=True)
    client.request("GET", first.path, headers=client.auth_headers(token="lmsconf-not-a-token"), auth=False,
                   deliberate=True)
    client.request("GET", "/lmsconf-no-such-path", deliberate=True)
    media.charset_on_every_response(recorder.since(mark), documented)


@pytest.mark.rule("media.accept-ignored")
def test_accept_is_ignored(client: Client, recorder: Recorder, profile: Profile) -> None:
    documented = _documented(profile)
    first = profile.resources[0]
    mark = recorder.mark()
    for accept in FOREIGN_ACCEPTS:
        client.request("GET", first.path, params={profile.pagination["limit_param"]: "1"},
                       headers={"Accept": accept}, deliberate=True)
    media.accept_ignored(recorder.since(mark), documented)


@pytest.mark.writes
@pytest.mark.rule("media.non-json-body-refused")
def test_bodies_that_are_not_json_are_refused(client: Client, recorder: Recorder, profile: Profile,
                                             ledger: Ledger) -> None:
    """POST and PUT with an XML and a form body. What a target wrongly accepts is undone like any write: the
    POSTs' names are in the ledger first, and the PUT goes to a record this test created."""
    expected = documented_status(profile, "unsupported_media", "an unsupported media type")
    resource = writable_resource(client, profile)
    record, name = new_record(profile, ledger, "media")
    created = create(client, ledger, profile, resource, record, name)
    item = local_path(client, created.headers.get("Location"))
    xml = "<Record>" + "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in record.items()) + "</Record>"
    ledger.uploading(resource.path, [name])   # a wrongly accepted body creates a record with this name
    mark = recorder.mark()
    for content_type, body in (("application/xml", xml), ("application/x-www-form-urlencoded", urlencode(record))):
        client.request("POST", resource.path, data=body, headers={"Content-Type": content_type}, deliberate=True)
        if item:
            client.request("PUT", item, data=body, headers={"Content-Type": content_type}, deliberate=True)
    media.non_json_body_refused(recorder.since(mark), expected,
                                profile.section("media").get("unsupported_schema"))
