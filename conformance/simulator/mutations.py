"""Faults any vendor's simulator can commit: a middleware in front of the dialect that bends answers alike.

These break what the fuzz rules judge (documented statuses, media type, schemas, error bodies, credentials,
methods, headers, links) the same way whatever the vendor, so they live here, not in a vendor folder. They are
in the catalogue (``faults.GENERIC``) with ``profile = "*"``: the mutation matrix runs each under every profile
that applies its rule.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.profiles import Profile
from conformance.simulator.faults import GENERIC
from conformance.walk import dig

NAMES = frozenset(f.name for f in GENERIC)
PLAIN_INTEGER = re.compile(r"^\d+$")
WELL_FORMED_ID = {"guid": re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"),
                  "int": re.compile(r"^\d{1,10}$")}


def _stringified(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return {k: _stringified(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringified(v) for v in value]
    return value


class Mutations:
    """ASGI middleware committing the chosen generic faults (see FAULTS) in front of a vendor's app."""

    def __init__(self, app: ASGIApp, faults: Iterable[str], profile: Profile) -> None:
        self.app = app
        self.on = frozenset(faults) & NAMES
        self.profile = profile
        self.created: set[str] = set()
        paging = profile.pagination
        self.paging_params = {str(paging[k]).lower() for k in ("limit_param", "offset_param", "cursor_param")
                              if paging.get(k)}
        self.ratelimit_headers = [str(h).lower() for h in profile.ratelimit.get("headers", ())]
        self.version_header = str(profile.section("versions").get("response_header", "")).lower()

    # ---- requests ---------------------------------------------------------------------------------------

    def _malformed(self, scope: Scope) -> bool:
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if self.paging_params:
            return any(k.lower() in self.paging_params and not PLAIN_INTEGER.match(v) for k, v in query)
        last = scope["path"].rstrip("/").rsplit("/", 1)[-1]
        items = [r for r in self.profile.resources if r.item_path]
        return any(_matches(r.item_path or "", scope["path"]) and not WELL_FORMED_ID[r.id_kind].match(last)
                   for r in items if r.id_kind in WELL_FORMED_ID)

    def _created_path(self, scope: Scope) -> bool:
        return scope["method"] == "GET" and scope["path"].rstrip("/").rsplit("/", 1)[-1] in self.created

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.on:
            await self.app(scope, receive, send)
            return
        if "malformed-query-500" in self.on and self._malformed(scope):
            await _answer(send, 500, b"", "text/plain")
            return
        if "created-unreadable" in self.on and self._created_path(scope):
            await _answer(send, int(self.profile.status.get("not_found", 404)), b"", "text/plain")
            return
        if "delete-ignored" in self.on and scope["method"] == "DELETE":
            await self._delete_nothing(scope, send)
            return
        if "put-not-persisted" in self.on and scope["method"] == "PUT":
            await self._put_then_undo(scope, receive, send)
            return
        status, headers, body = await self._through(scope, receive)
        status, headers, body = self._bend(scope, status, headers, body)
        await _send(send, status, headers, body)

    async def _through(self, scope: Scope, receive: Receive) -> tuple[int, MutableHeaders, bytes]:
        """The dialect's whole answer to a request."""
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, keep)
        start = next(m for m in messages if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        return start["status"], MutableHeaders(raw=list(start["headers"])), body

    async def _internal(self, scope: Scope, method: str, body: bytes = b"") -> tuple[int, MutableHeaders, bytes]:
        """The dialect's answer to the same request with another method and body (the caller's credentials)."""
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"content-length", b"content-type")]
        if body:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self._through({**scope, "method": method, "headers": headers, "query_string": b""}, receive)

    async def _delete_nothing(self, scope: Scope, send: Send) -> None:
        """Answer a DELETE as done (the record as the dialect reads it, or no content) and delete nothing."""
        status, headers, body = await self._internal(scope, "GET")
        if 200 <= status < 300:
            status = int(self.profile.status.get("deleted", 204))
            body = body if status != 204 else b""
        await _send(send, status, headers, body)

    async def _put_then_undo(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a PUT as the dialect does, then put the record back as it was."""
        before, _, original = await self._internal(scope, "GET")
        status, headers, body = await self._through(scope, receive)
        record = dig(json.loads(original), self.profile.pagination.get("record_path")) if before == 200 else None
        if 200 <= status < 300 and isinstance(record, dict):
            await self._internal(scope, "PUT", json.dumps(record).encode())
        await _send(send, status, headers, body)

    # ---- answers ----------------------------------------------------------------------------------------

    def _note_created(self, status: int, headers: MutableHeaders, body: bytes) -> None:
        location = headers.get("location")
        if status == 201 and location:
            self.created.add(location.rstrip("/").rsplit("/", 1)[-1])
        if 200 <= status < 300 and body[:1] == b"[":
            try:
                answered = json.loads(body)
            except ValueError:
                return
            self.created.update(str(row["key"]) for row in answered if isinstance(row, dict) and "key" in row)

    def _bend(self, scope: Scope, status: int, headers: MutableHeaders, body: bytes
              ) -> tuple[int, MutableHeaders, bytes]:
        on = self.on
        self._note_created(status, headers, body)
        if status == 404 and on & {"undocumented-status", "undocumented-status-code"}:
            status = 410
        if status in (400, 404, 422) and "refusals-as-200" in on:
            status = 200
        elif status == 200 and scope["method"] == "GET" and "successes-as-400" in on:
            status = 400
        if status in (401, 403) and "credentials-not-enforced" in on:
            status, body = 200, b"{}"
        if status == 405 and "any-method-allowed" in on:
            status, body = 200, b"{}"
        if 200 <= status < 300 and "body-off-schema" in on and _is_json(headers):
            with contextlib.suppress(ValueError):
                body = json.dumps(_stringified(json.loads(body))).encode()
        if 400 <= status < 500 and body and "error-body-off-schema" in on:
            body = b"[]"
        if body and on & {"wrong-content-type", "undeclared-content-type"}:
            headers["content-type"] = "text/html; charset=utf-8"
        if "documented-header-dropped" in on:
            for name in (self.version_header, "location", *self.ratelimit_headers):
                if name and name in headers:
                    del headers[name]
        if "ratelimit-header-garbled" in on:
            for name in self.ratelimit_headers:
                if name in headers:
                    headers[name] = "plenty"
        return status, headers, body


def _is_json(headers: MutableHeaders) -> bool:
    return "json" in headers.get("content-type", "")


def _matches(template: str, path: str) -> bool:
    pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template))
    return re.search(f"{pattern}/?$", path, flags=re.IGNORECASE) is not None


async def _send(send: Send, status: int, headers: MutableHeaders, body: bytes) -> None:
    headers["content-length"] = str(len(body))
    await send({"type": "http.response.start", "status": status, "headers": headers.raw})
    await send({"type": "http.response.body", "body": body})


async def _answer(send: Send, status: int, body: bytes, media_type: str) -> None:
    headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
