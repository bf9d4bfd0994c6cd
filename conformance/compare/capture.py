"""Sending the compared GET requests to one side and keeping the answers as a capture (plain JSON).

Only GET requests go out (besides the authentication the profile documents): a comparison is safe against
production. Both sides are asked the same thing: the side captured first chooses the parent of a nested
collection and the record of an item operation, and the other side is asked for that same parent and id.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from conformance.compare.plan import Operation
from conformance.compare.sides import CAPTURE_FORMAT, Side
from conformance.http.client import Client
from conformance.profiles import Profile, Resource
from conformance.suites.nested import choose_parent, fill_template
from conformance.walk import fetch_page, record_of


def page_size(profile: Profile) -> int:
    """The first page's size: the profile's documented default (20 for Absorb v1.5), else 20."""
    return int(profile.pagination.get("default_limit", 20))


def _parents(client: Client, profile: Profile, resource: Resource, given: Mapping[str, Any] | None) -> dict[str, str]:
    if given is not None:
        return {k: str(v) for k, v in given.get("parents", {}).items()}
    try:
        return choose_parent(client, profile, resource) if resource.parents else {}
    except LookupError:
        return {}


def _collection(client: Client, profile: Profile, resource: Resource, parents: dict[str, str]) -> dict[str, Any]:
    concrete = dataclasses.replace(resource, path=fill_template(resource.path, parents))
    page = fetch_page(client, profile, concrete, int(profile.pagination.get("first_offset", 0)), page_size(profile))
    records = page.rows or []
    return {"request": page.request, "status": page.status, "rows": len(records), "records": records,
            "values": {"parents": parents}}


def _item(client: Client, profile: Profile, resource: Resource, parents: dict[str, str],
          record_id: str | None, first: list[dict[str, Any]]) -> dict[str, Any]:
    if record_id is None:
        ids = [row.get(resource.id_field) for row in first if row.get(resource.id_field) is not None]
        record_id = str(ids[0]) if ids else None
    values = {"parents": parents, "id": record_id}
    if record_id is None:
        return {"request": None, "status": None, "rows": 0, "records": [], "values": values}
    path = fill_template(resource.item_path or "", {**parents, "id": record_id}, last_is_id=True)
    response = client.get(path)
    record = record_of(profile, response) if response.status_code == 200 else None
    return {"request": f"GET {path}", "status": response.status_code, "rows": int(record is not None),
            "records": [record] if record is not None else [], "values": values}


def capture(side: Side, ops: Sequence[Operation], given: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Ask side ``side`` every operation; ``given`` (operation name -> values) holds what the other side chose."""
    assert side.target is not None
    key_side = side.label.lower()
    found: dict[str, Any] = {}
    with Client(side.profile, side.target.base_url, side.target.credentials,
                verify=side.target.ca_bundle or True) as client:
        for op in ops:
            resource = op.a if key_side == "a" else op.b
            key = op.key(key_side)
            if key in found:
                continue
            chosen = given.get(op.name)
            if chosen is None and op.kind == "item":   # the parent its own collection operation chose
                chosen = found.get(f"{resource.name}:collection", {}).get("values")
            parents = _parents(client, side.profile, resource, chosen)
            if op.kind == "collection":
                found[key] = _collection(client, side.profile, resource, parents)
            else:
                listed = found.get(f"{resource.name}:collection", {}).get("records", [])
                found[key] = _item(client, side.profile, resource, parents,
                                   None if chosen is None else chosen.get("id"), listed)
        document = {"format": CAPTURE_FORMAT, "profile": side.profile.id, "target": side.target.display_url,
                    "faults": list(side.faults), "taken": _now(), "requests": client.stats.requests,
                    "operations": found}
        side.redact = client.redactor.text
    return document


def values_of(document: Mapping[str, Any], ops: Sequence[Operation], label: str) -> dict[str, Mapping[str, Any]]:
    """What a captured side chose, by operation name, for the other side to be asked the same."""
    found = {}
    for op in ops:
        answered = document["operations"].get(op.key(label.lower()))
        if isinstance(answered, dict) and isinstance(answered.get("values"), dict):
            found[op.name] = answered["values"]
    return found


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
