"""Concrete paths for nested collections (/courses/{courseId}/enrollments): parents chosen from the target's data."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from conformance.profiles import Profile, Resource
from conformance.walk import Getter, fetch_page

PARAM = re.compile(r"\{(\w+)\}")
CANDIDATES = 12


def fill(template: str, row: dict[str, Any], parents: dict[str, str]) -> str | None:
    values = {param: row.get(field) for param, field in parents.items()}
    if any(v is None for v in values.values()):
        return None
    return PARAM.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


def child_count(client: Getter, profile: Profile, resource: Resource) -> int:
    page = fetch_page(client, profile, resource, int(profile.pagination.get("first_offset", 0)), 1)
    total = page.body.get(profile.pagination.get("total_field", "totalItems")) if isinstance(page.body, dict) else None
    return total if isinstance(total, int) else len(page.rows or [])


def concrete(client: Getter, profile: Profile, resource: Resource) -> Resource:
    """The resource with its path parameters filled from the parent row with the most children
    among the first few parents (so the walks cross several pages)."""
    if not resource.parents or not resource.parent_resource:
        return resource
    parent = profile.resource(resource.parent_resource)
    first = fetch_page(client, profile, parent, int(profile.pagination.get("first_offset", 0)), CANDIDATES)
    best, best_count = None, -1
    for row in first.rows or []:
        path = fill(resource.path, row, resource.parents)
        if path is None:
            continue
        candidate = dataclasses.replace(resource, path=path)
        count = child_count(client, profile, candidate)
        if count > best_count:
            best, best_count = candidate, count
    if best is None:
        raise LookupError(f"no {parent.name} row to fill {resource.path}")
    return best
