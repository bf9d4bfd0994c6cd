"""Concrete paths for nested collections (/courses/{courseId}/enrollments): parents chosen from the target's data."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from conformance.profiles import Profile, Resource
from conformance.walk import Getter, fetch_page

PARAM = re.compile(r"\{(\w+)\}")
CANDIDATES = 12


def fill_template(template: str, values: Mapping[str, str], *, last_is_id: bool = False) -> str:
    """Fill ``{param}`` from ``values`` without regard to case (v1 writes {CourseId}, v1.5 {courseId});
    with ``last_is_id`` the last parameter of the path takes ``values['id']``."""
    folded = {k.lower(): v for k, v in values.items()}
    names = PARAM.findall(template)
    last = names[-1] if names else None

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if last_is_id and name == last and "id" in folded:
            return str(folded["id"])
        return str(folded.get(name.lower(), match.group(0)))

    return PARAM.sub(value, template)


def _parent_values(row: Mapping[str, Any], parents: Mapping[str, str]) -> dict[str, str] | None:
    values = {param: row.get(field) for param, field in parents.items()}
    return None if any(v is None for v in values.values()) else {k: str(v) for k, v in values.items()}


def child_count(client: Getter, profile: Profile, resource: Resource) -> int:
    page = fetch_page(client, profile, resource, int(profile.pagination.get("first_offset", 0)), 1)
    total = page.body.get(profile.pagination.get("total_field", "totalItems")) if isinstance(page.body, dict) else None
    return total if isinstance(total, int) else len(page.rows or [])


def choose_parent(client: Getter, profile: Profile, resource: Resource) -> dict[str, str]:
    """Path values from the parent row with the most children among the first few parents,
    so walks of the nested collection cross several pages."""
    if not resource.parents or not resource.parent_resource:
        return {}
    parent = profile.resource(resource.parent_resource)
    first = fetch_page(client, profile, parent, int(profile.pagination.get("first_offset", 0)), CANDIDATES)
    best: dict[str, str] | None = None
    best_count = -1
    for row in (first.rows or [])[:CANDIDATES]:  # an unpaginated answer holds every parent
        values = _parent_values(row, resource.parents)
        if values is None:
            continue
        count = child_count(client, profile, dataclasses.replace(resource, path=fill_template(resource.path, values)))
        if count > best_count:
            best, best_count = values, count
    if best is None:
        raise LookupError(f"no {parent.name} row to fill {resource.path}")
    return best


def concrete(client: Getter, profile: Profile, resource: Resource) -> Resource:
    """The resource with its parents' path parameters filled, in its collection and its item path (whose own
    ``{id}`` stays); unchanged when it has none."""
    if not resource.parents:
        return resource
    values = choose_parent(client, profile, resource)
    item = fill_template(resource.item_path, values) if resource.item_path else None
    return dataclasses.replace(resource, path=fill_template(resource.path, values), item_path=item)
