"""Small stand-ins for recorded evidence, for rule unit tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from conformance.profiles import Profile, load
from conformance.walk import Page, Walk


@dataclass
class Answer:
    status: int | None
    body: Any = None
    content_type: str = "application/json; charset=utf-8"
    raw: bool = False
    method: str = "GET"
    url: str = "http://127.0.0.1/users"
    response_headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.response_headers.setdefault("content-type", self.content_type)

    @property
    def response_body(self) -> str:
        return str(self.body) if self.raw else json.dumps(self.body)


def absorb() -> Profile:
    return load("absorb-v1_5")


def page(index: int, limit: int, rows: list[dict[str, Any]], total: int, **override: Any) -> Page:
    body = {"totalItems": total, "limit": limit, "offset": index, "returnedItems": len(rows), "users": rows}
    body.update(override)
    return Page(offset=index, limit=limit, request=f"GET /users?_offset={index}&_limit={limit}",
                status=200, body=body, rows=rows)


def walk_of(rows: list[dict[str, Any]], limit: int, *, pages: list[Page] | None = None) -> Walk:
    profile = absorb()
    result = Walk(resource=profile.resource("users"), limit=limit, params={})
    if pages is None:
        chunks = [rows[i:i + limit] for i in range(0, len(rows), limit)] + [[]]
        pages = [page(n, limit, chunk, len(rows)) for n, chunk in enumerate(chunks)]
    result.pages = pages
    return result
