"""Creating records by POST for suites that write: names with the run's prefix, the ledger written before the
request leaves, the Location followed only on the target itself."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from conformance.cleanup import Ledger
from conformance.http.client import Client
from conformance.profiles import Profile, Resource
from conformance.suites.nested import concrete
from conformance.walk import dig


def write_settings(profile: Profile) -> dict[str, Any]:
    found = profile.section("writes")
    if not found.get("resource"):
        pytest.skip(f"profile {profile.id} documents no writes")
    return found


def writable_resource(client: Client, profile: Profile) -> Resource:
    """The resource the writes suites create in, its parents' path parameters filled from the target's data
    (announcements of a course)."""
    declared = profile.resource(write_settings(profile)["resource"])
    try:
        return concrete(client, profile, declared)
    except LookupError as exc:
        pytest.skip(str(exc))


def documented_status(profile: Profile, key: str, what: str) -> int:
    """The profile's status for a situation; the test is skipped (the rule not checked) when it documents none."""
    value = profile.status.get(key)
    if value is None:
        pytest.skip(f"profile {profile.id} documents no status for {what}")
    return int(value)


def new_record(profile: Profile, ledger: Ledger, label: str) -> tuple[dict[str, Any], str]:
    """A record to create from the profile's template, its name field carrying the run's prefix (an email
    address when the name field is one); and that name."""
    conf = write_settings(profile)
    name_field = str(conf.get("name_field", "name"))
    name = ledger.name(label)
    if "email" in name_field.lower():
        name = f"{name}@example.invalid"
    return {**conf.get("template", {}), name_field: name}, name


def local_path(client: Client, location: str | None) -> str | None:
    """The path of ``location`` under the client's base URL; None when it is missing or points elsewhere
    (credentials never follow a Location to another origin)."""
    if not location:
        return None
    url = client.url(location) if not urlsplit(location).scheme else location
    if not client.same_origin(url):
        return None
    path, base = urlsplit(url).path, urlsplit(client.base_url).path.rstrip("/")
    return path[len(base):] if base and path.lower().startswith(base.lower()) else path


def create(client: Client, ledger: Ledger, profile: Profile, resource: Resource, body: dict[str, Any],
           name: str) -> requests.Response:
    """POST ``body`` to the collection; the ledger holds its name before the request leaves (a run killed
    meanwhile is undone by the next, which looks the name up) and its item path once the answer names it."""
    entry = ledger.uploading(resource.path, [name], note="created")
    response = client.post(resource.path, json=body, deliberate=True)
    path = local_path(client, response.headers.get("Location"))
    if path is None and resource.item_path and response.ok:
        try:
            record = dig(response.json(), profile.pagination.get("record_path"))
        except ValueError:
            record = None
        key = record.get(resource.id_field) if isinstance(record, dict) else None
        path = resource.item_path.format(id=key) if key is not None else None
    if path is not None:
        ledger.created(path, note="created")
        ledger.settle(entry)
    return response
