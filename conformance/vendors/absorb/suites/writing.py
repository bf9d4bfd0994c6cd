"""Helpers for suites that write: profile write settings, users named with the run's prefix, upload bookkeeping."""

from __future__ import annotations

from typing import Any, Protocol

import pytest
import requests

from conformance.cleanup import Ledger
from conformance.profiles import Profile, Resource
from conformance.walk import Getter, fetch_page


class Poster(Protocol):
    def post(self, path: str, *, json: Any = ..., deliberate: bool = ...) -> requests.Response: ...


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


def some_row(client: Getter, profile: Profile, resource: Resource) -> dict[str, Any]:
    page = fetch_page(client, profile, resource, int(profile.pagination.get("first_offset", 0)), 5)
    if not page.rows:
        pytest.skip(f"{resource.path} is empty: nothing to update")
    return page.rows[len(page.rows) // 2]


def new_users(profile: Profile, ledger: Ledger, count: int, department: Any, label: str) -> list[dict[str, Any]]:
    """Users to upload in the profile's own field names, named with the run's prefix, in a department that exists."""
    conf = settings(profile)
    name_field = conf.get("name_field", "username")
    department_field = "DepartmentId" if name_field[:1].isupper() else "departmentId"
    return [{**conf.get("template", {}), department_field: department, name_field: ledger.name(f"{label}-{n}")}
            for n in range(count)]


def upload(sender: Poster, ledger: Ledger, path: str, users: list[dict[str, Any]], name_field: str,
           item_path: str) -> requests.Response:
    """POST an upload, its names in the ledger (and on disk) before the request leaves: a run killed while
    it is on the wire is undone by the next, which looks the names up."""
    entry = ledger.uploading(path, [str(u.get(name_field)) for u in users])
    response = sender.post(path, json=users, deliberate=True)
    if remember_uploads(response, item_path, ledger) >= len(users):
        ledger.settle(entry)  # every id came back, each with its own DELETE entry
    return response


def remember_uploads(response: requests.Response, item_path: str, ledger: Ledger) -> int:
    """Queue removal of whatever an upload created, whatever shape the answer has; how many ids it named."""
    try:
        body = response.json()
    except ValueError:
        return 0
    found = 0
    for pair in body if isinstance(body, list) else []:
        key = (pair.get("key") or pair.get("id") or pair.get("Id")) if isinstance(pair, dict) else None
        if key:
            ledger.created(item_path.format(id=key), note="uploaded")
            found += 1
    return found
