"""Walking a paginated collection the way the vendor documents it, keeping every page as evidence."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

import requests

from conformance.profiles import Profile, Resource

MAX_PAGES = 10_000  # the most pages one walk fetches unless the profile's [pagination] max_pages says otherwise


class Getter(Protocol):
    def get(self, path: str, *, params: Mapping[str, Any] | None = ...,
            headers: Mapping[str, str] | None = ...) -> requests.Response: ...


def paging_headers(profile: Profile, resource: Resource) -> dict[str, str]:
    """Headers that ask a versioned endpoint for its paginated shape (Absorb: x-api-version 1.5.1)."""
    versions = profile.section("versions")
    if resource.versioned and versions.get("request_header") and versions.get("paginated_version"):
        return {versions["request_header"]: versions["paginated_version"]}
    return {}


@dataclass(frozen=True)
class Page:
    """One page as asked and as answered."""

    offset: int
    limit: int
    request: str
    status: int
    body: Any
    rows: list[dict[str, Any]] | None

    @property
    def empty(self) -> bool:
        return self.rows is not None and len(self.rows) == 0


@dataclass
class Walk:
    """Every page fetched while walking one collection with one limit."""

    resource: Resource
    limit: int
    params: dict[str, str]
    pages: list[Page] = field(default_factory=list)
    budget: int = 0
    capped: bool = False  # stopped by the page cap or max_offset with rows still coming: not judged to the end

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [row for page in self.pages if page.rows for row in page.rows]

    @property
    def ended_empty(self) -> bool:
        return bool(self.pages) and self.pages[-1].empty

    @property
    def total(self) -> int | None:
        """totalItems of the first page, when the envelope has it."""
        return self.pages[0].body.get("totalItems") if self.pages and isinstance(self.pages[0].body, dict) else None

    @property
    def requests(self) -> int:
        return len(self.pages)


def _collection(profile: Profile, resource: Resource, body: Any) -> list[dict[str, Any]] | None:
    rows = body.get(resource.collection_key) if isinstance(body, dict) and resource.collection_key else body
    if isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
        return rows
    return None


def unpaginated(resource: Resource, page: Page) -> bool:
    """The target answered the whole collection as a bare list where the profile documents a wrapper
    (Absorb 1.5.0, or backward-compatibility mode): there are no further pages to ask for."""
    return bool(resource.collection_key) and isinstance(page.body, list)


def fetch_page(client: Getter, profile: Profile, resource: Resource, offset: int, limit: int,
               extra: Mapping[str, str] | None = None) -> Page:
    """GET one page; the body is parsed JSON, or the raw text when it is not JSON."""
    pg = profile.pagination
    params = {pg["offset_param"]: str(offset), pg["limit_param"]: str(limit), **(extra or {})}
    response = client.get(resource.path, params=params, headers=paging_headers(profile, resource))
    try:
        body: Any = response.json()
    except (ValueError, json.JSONDecodeError):
        body = response.text
    rows = _collection(profile, resource, body) if response.status_code == 200 else None
    return Page(offset=offset, limit=limit, request=f"GET {resource.path}?{urlencode(params)}",
                status=response.status_code, body=body, rows=rows)


def walk(client: Getter, profile: Profile, resource: Resource, limit: int,
         extra: Mapping[str, str] | None = None, *, slack: int = 2) -> Walk:
    """Fetch pages from the first offset until an empty page, an error, or the request budget.

    The budget is ceil(totalItems/limit) + 1 (the documented walk) plus ``slack``
    requests, so a target that never ends the walk is caught rather than looped on. An unpaginated
    answer ends the walk at once (and, having no empty page, fails pagination.terminates).
    totalItems is not trusted for the length: the profile's max_pages (default MAX_PAGES) and
    max_offset bound every walk; a walk they stop with rows still coming is marked `capped`.
    """
    pg = profile.pagination
    first = int(pg.get("first_offset", 0))
    cap = int(pg.get("max_pages", MAX_PAGES))
    if "max_offset" in pg:
        cap = min(cap, int(pg["max_offset"]) - first + 1)
    result = Walk(resource=resource, limit=limit, params=dict(extra or {}))
    page = fetch_page(client, profile, resource, first, limit, extra)
    result.pages.append(page)
    total = result.total if isinstance(result.total, int) else len(page.rows or [])
    result.budget = math.ceil(max(total, 0) / limit) + 1 + slack
    offset = first
    while page.rows and len(result.pages) < result.budget and not unpaginated(resource, page):
        if len(result.pages) >= cap:
            result.capped = True
            break
        offset += 1
        page = fetch_page(client, profile, resource, offset, limit, extra)
        result.pages.append(page)
    return result
