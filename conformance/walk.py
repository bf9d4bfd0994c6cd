"""Walking a paginated collection the way the vendor documents it, keeping every page as evidence."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

from conformance.profiles import Profile, Resource

MAX_PAGES = 10_000  # the most pages one walk fetches unless the profile's [pagination] max_pages says otherwise


def dig(body: Any, path: str | None) -> Any:
    """The value at a dotted path of a JSON body (``Meta.TotalCount``); None when any step is missing.
    An empty or None path is the body itself; a number indexes a list, and ``*`` is an object's only member
    (LearningStudio answers one course as ``{"courses": [course]}``: ``*.0``)."""
    if not path:
        return body
    for part in path.split("."):
        if part == "*" and isinstance(body, dict) and len(body) == 1:
            body = next(iter(body.values()))
        elif part.isdigit() and isinstance(body, list):
            if int(part) >= len(body):
                return None
            body = body[int(part)]
        elif isinstance(body, dict) and part in body:
            body = body[part]
        else:
            return None
    return body


def record_of(profile: Profile, response: requests.Response) -> dict[str, Any] | None:
    """The record a single-record answer holds (inside the profile's envelope, if it has one)."""
    try:
        body = response.json()
    except ValueError:
        return None
    record = dig(body, profile.pagination.get("record_path"))
    return record if isinstance(record, dict) else None


def present(body: Any, path: str) -> bool:
    """Whether the dotted path exists in the body (its value may be null)."""
    for part in path.split("."):
        if not isinstance(body, dict) or part not in body:
            return False
        body = body[part]
    return True


def rows_path(profile: Profile, resource: Resource) -> str | None:
    """Where a page keeps its rows: the profile's [pagination] rows_path (QSES ``Data``; Assignr
    ``_embedded.{key}``, the resource's collection key filled in), else the resource's collection key (Absorb
    ``users``); None for a bare array."""
    if not wrapped(profile):
        return None
    found = str(profile.pagination.get("rows_path") or resource.collection_key or "")
    return found.replace("{key}", resource.collection_key or "") or None


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
    next_url: str | None = None      # the next page's link (cursor pagination); None on the last page

    @property
    def empty(self) -> bool:
        return self.rows is not None and len(self.rows) == 0

    def flag(self, path: str | None) -> Any:
        """A field of the page's envelope by dotted path (``Meta.HasMore``)."""
        return dig(self.body, path) if path else None


@dataclass
class Walk:
    """Every page fetched while walking one collection with one limit."""

    resource: Resource
    limit: int
    params: dict[str, str]
    pages: list[Page] = field(default_factory=list)
    budget: int = 0
    capped: bool = False  # stopped by the page cap or max_offset with rows still coming: not judged to the end
    total_field: str = "totalItems"
    end: str = "empty-page"          # how the vendor says the walk is over: empty-page, has-more-false
    has_more_field: str | None = None

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [row for page in self.pages if page.rows for row in page.rows]

    @property
    def ended_empty(self) -> bool:
        return bool(self.pages) and self.pages[-1].empty

    @property
    def ended(self) -> bool:
        """The last page says the walk is over, the documented way: an empty page, or HasMore false."""
        if not self.pages:
            return False
        last = self.pages[-1]
        if self.end == "has-more-false":
            return last.status == 200 and last.rows is not None and last.flag(self.has_more_field) is False
        if self.end == "no-next-link":
            return last.status == 200 and last.rows is not None and not last.next_url
        return self.ended_empty

    @property
    def end_text(self) -> str:
        return {"has-more-false": f"{self.has_more_field} false", "no-next-link": "a page without a next link"}.get(
            self.end, "an empty page")

    @property
    def total(self) -> int | None:
        """The profile's total field (totalItems; TotalItems with compatibility on; Meta.TotalCount) of the first
        page, when the envelope has one."""
        value = dig(self.pages[0].body, self.total_field) if self.pages and self.total_field else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def pages_needed(self) -> int:
        """How many requests the documented walk of ``total`` rows takes: an empty page after the last full
        one, or exactly the pages holding rows when HasMore ends the walk."""
        total = self.total if self.total is not None else len(self.rows)
        if self.end == "no-next-link":   # the pages holding the rows (unique ones), and perhaps one empty page
            unique = len({json.dumps(row, sort_keys=True, default=str) for row in self.rows})
            return max(1, math.ceil(unique / self.limit)) + 1
        if self.end == "has-more-false":
            return max(1, math.ceil(total / self.limit))
        return math.ceil(total / self.limit) + 1

    @property
    def requests(self) -> int:
        return len(self.pages)


def wrapped(profile: Profile) -> bool:
    """Whether a page comes in a wrapper (Absorb v1.5) or as a bare array (backward compatibility on)."""
    return bool(profile.pagination.get("wrapper", True))


def _collection(profile: Profile, resource: Resource, body: Any) -> list[dict[str, Any]] | None:
    """The rows of one answered page. A null or absent collection is an empty page: seed 003 Step Two 4
    loops "until no records are returned (null returned)"."""
    if body is None:
        return []
    rows = body
    where = rows_path(profile, resource)
    if isinstance(body, dict) and where:
        rows = dig(body, where)
        if rows is None:
            return []
    if isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
        return rows
    return None


def unpaginated(profile: Profile, resource: Resource, page: Page) -> bool:
    """The target answered the whole collection as a bare list where the profile documents a wrapper
    (Absorb 1.5.0 on a versioned endpoint): there are no further pages to ask for."""
    return bool(rows_path(profile, resource)) and isinstance(page.body, list)


def fetch_page(client: Getter, profile: Profile, resource: Resource, offset: int, limit: int,
               extra: Mapping[str, str] | None = None) -> Page:
    """GET one page (the whole collection where the profile pages nothing, the first page where the server sizes
    them); the body is parsed JSON, or the raw text when it is not JSON."""
    pg = profile.pagination
    if "offset_param" not in pg or "limit_param" not in pg:   # unpaged, or pages the server sizes: the first
        return fetch_rows(client, profile, resource, dict(extra or {}), offset=offset, limit=limit)
    params = {pg["offset_param"]: str(offset), pg["limit_param"]: str(limit), **(extra or {})}
    return fetch_rows(client, profile, resource, params, offset=offset, limit=limit)


def fetch_rows(client: Getter, profile: Profile, resource: Resource, params: Mapping[str, str], *,
               offset: int = 0, limit: int = 0) -> Page:
    """GET the collection with exactly ``params`` (no paging parameters added: the target's defaults apply)."""
    response = client.get(resource.path, params=params, headers=paging_headers(profile, resource))
    try:
        body: Any = response.json()
    except (ValueError, json.JSONDecodeError):
        body = response.text
    rows = _collection(profile, resource, body) if response.status_code == 200 else None
    query = f"?{urlencode(params)}" if params else ""
    link = dig(body, profile.pagination.get("next_field")) if rows is not None else None
    return Page(offset=offset, limit=limit, request=f"GET {resource.path}{query}", status=response.status_code,
                body=body, rows=rows, next_url=None if link is None or link == "" else str(link))


def total_params(profile: Profile) -> dict[str, str]:
    """The query that asks for the total count where the vendor gives it only on request (QSES TotalCount)."""
    pg = profile.pagination
    return {str(pg["total_param"]): str(pg.get("total_param_value", "true"))} if pg.get("total_param") else {}


def cursor_pages(profile: Profile) -> bool:
    """Whether pages follow one another through a next link (``style = "cursor"``), the size the server's."""
    return profile.pagination.get("style") == "cursor"


def page_size_limit(profile: Profile) -> int:
    """The largest page a client may ask for; with cursor pages, the server's page size."""
    pg = profile.pagination
    return int(pg["page_size"] if cursor_pages(profile) else pg["max_limit"])


def next_params(next_url: str, resource: Resource) -> dict[str, str] | None:
    """The query of a next link, asked again of the resource's own path on the configured base URL (a link never
    sends credentials to where it points); None when the link names another collection."""
    parts = urlsplit(next_url)
    path = parts.path.rstrip("/")
    if path and not path.endswith(resource.path.rstrip("/")):
        return None
    return dict(parse_qsl(parts.query, keep_blank_values=True))


def follow(client: Getter, profile: Profile, resource: Resource, extra: Mapping[str, str] | None = None) -> Walk:
    """Cursor pagination: the first page, then each page its predecessor's next link names, until a page without
    one (the documented end), an empty page or an error (the walk did not end), a link to elsewhere, a link
    fetched twice already (a loop), or the profile's max_pages (``capped``)."""
    pg = profile.pagination
    size = int(pg["page_size"])
    cap = int(pg.get("max_pages", MAX_PAGES))
    result = Walk(resource=resource, limit=size, params=dict(extra or {}), total_field=str(pg.get("total_field", "")),
                  end=str(pg.get("end", "no-next-link")))
    params: dict[str, str] | None = dict(extra or {})
    seen: dict[str, int] = {}
    while params is not None:
        page = fetch_rows(client, profile, resource, params, offset=len(result.pages), limit=size)
        result.pages.append(page)
        if not page.rows or page.next_url is None:
            break
        seen[page.next_url] = seen.get(page.next_url, 0) + 1
        if seen[page.next_url] > 2:
            break
        if len(result.pages) >= cap:
            result.capped = True
            break
        params = next_params(page.next_url, resource)
        if params is not None:
            params = {**(extra or {}), **params}
    return result


def walk(client: Getter, profile: Profile, resource: Resource, limit: int,
         extra: Mapping[str, str] | None = None, *, slack: int = 2) -> Walk:
    """Fetch pages from the first offset until the documented end (an empty page, or HasMore false), an error,
    or the request budget.

    The budget is ceil(totalItems/limit) + 1 (the documented walk) plus ``slack``
    requests, so a target that never ends the walk is caught rather than looped on. Without a total
    (pages as bare arrays) the walk stops ``slack`` + 1 requests after the first page shorter than the
    limit. An unpaginated answer ends the walk at once (and, having no empty page, fails
    pagination.terminates). totalItems is not trusted for the length: the profile's max_pages (default
    MAX_PAGES) and max_offset bound every walk; a walk they stop with rows still coming is marked `capped`.
    Cursor pages (the server's size: ``limit`` is not sent) are followed through their next links (``follow``).
    """
    if cursor_pages(profile):
        return follow(client, profile, resource, extra)
    pg = profile.pagination
    first = int(pg.get("first_offset", 0))
    cap = int(pg.get("max_pages", MAX_PAGES))
    if "max_offset" in pg:
        span = int(pg["max_offset"]) - first
        cap = min(cap, (span // limit if pg.get("style") == "row-offset" else span) + 1)
    result = Walk(resource=resource, limit=limit, params=dict(extra or {}),
                  total_field=str(pg.get("total_field", "totalItems")), end=str(pg.get("end", "empty-page")),
                  has_more_field=pg.get("has_more_field"))
    step = limit if pg.get("style") == "row-offset" else 1
    page = fetch_page(client, profile, resource, first, limit, extra)
    result.pages.append(page)
    total = result.total
    result.budget = math.ceil(max(total, 0) / limit) + 1 + slack if total is not None else cap + 1
    offset, short_at = first, None
    while page.rows and len(result.pages) < result.budget and not unpaginated(profile, resource, page) \
            and not result.ended:
        if total is None and short_at is None and len(page.rows) < limit:
            short_at = len(result.pages)
        if short_at is not None and len(result.pages) >= short_at + 1 + slack:
            break
        if len(result.pages) >= cap:
            result.capped = True
            break
        offset += step
        page = fetch_page(client, profile, resource, offset, limit, extra)
        result.pages.append(page)
    return result
