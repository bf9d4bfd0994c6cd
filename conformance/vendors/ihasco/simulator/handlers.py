"""The endpoints: the users collection, a user by identifier (GET, PATCH), a user's course results.

Seed "Your first request": ``GET /users`` lists the account's users; "Sending data to the API": ``PATCH
/users/{identifier}`` where "The identifier can be an ID or email address" (an e-mail address matches
without regard to case). VENDOR-FACTS (legacy SDK): collections page by ``?cursor=N`` in ``{"data",
"dataCount", "pagination": {"next_url", "prev_url"}}``; a single record is ``{"data": {...}, "dataCount":
1}``; a user's results are ``/users/{identifier}/results``.

Paging (assumed where the SDK is silent): rows in id order, at most the profile's ``page_size`` a page; the
cursor is the last id of the page before (rows with a greater id follow), absent for the first page;
``next_url`` is the absolute URL of the next page (``?cursor=<last id of this page>``, built from the
request's URL) or null on the last page - the page no row follows; ``prev_url`` the absolute URL of the page
before, or null on the first. A cursor that is not a non-negative integer answers 400 naming the parameter.

Served rows carry ``links`` made from the request's base URL: a user ``self`` and ``results``, a result
``user``. Result fields beside the SDK's (``result_id``, ``archived``, ``log_date``, ``test_score``,
``links``): ``course_id`` and ``course_title`` are assumed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import Response

from conformance.simulator.context import SimContext
from conformance.simulator.store import to_json
from conformance.vendors.ihasco.simulator.envelopes import Problem, Writer, item, page
from conformance.vendors.ihasco.simulator.tables import OWNER, RESULT_COLUMNS, USER_COLUMNS, USER_ID
from conformance.vendors.ihasco.simulator.writes import bind, not_an_object, replaced

JSON_TYPE, FORM_TYPE = "application/json", "application/x-www-form-urlencoded"
CURSOR = "cursor"
MAX_ID = 2**63 - 1
WRONG_TYPE_EVERY = 97     # fault ihasco-user-field-wrong-type: every 97th user's user_id served as a string
_CURSOR = re.compile(r"[0-9]+")
_ID = re.compile(r"[0-9]{1,18}")
Endpoint = Callable[[Request], Awaitable[Response]]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


class Handlers:
    def __init__(self, ctx: SimContext, writer: Writer) -> None:
        self.ctx, self.writer, self.store = ctx, writer, ctx.store
        self.fault = ctx.fault
        self.status = ctx.profile.status
        self.page_size = int(ctx.profile.pagination.get("page_size", 50))
        self.repeated: set[str] = set()     # fault ihasco-page-repeated: second pages already pointed back
        self.lock = threading.Lock()

    # -- rows -------------------------------------------------------------------------------------
    def user(self, request: Request, row: sqlite3.Row) -> dict[str, Any]:
        body = to_json(USER_COLUMNS, row) or {}
        uri = f"{base_url(request)}/users/{body[USER_ID]}"
        body["links"] = [{"rel": "self", "uri": uri}, {"rel": "results", "uri": f"{uri}/results"}]
        if self.fault("ihasco-user-field-wrong-type") and body[USER_ID] % WRONG_TYPE_EVERY == 0:
            body[USER_ID] = str(body[USER_ID])
        return body

    def result(self, request: Request, row: sqlite3.Row) -> dict[str, Any]:
        body = to_json(RESULT_COLUMNS, row) or {}
        body["links"] = [{"rel": "user", "uri": f"{base_url(request)}/users/{row[OWNER]}"}]
        return body

    def _unknown(self, identifier: str) -> Exception:
        status = 400 if self.fault("unknown-user-400") else self.status["not_found"]
        return self.writer.deny(status, "Not Found", f"No user was found with the identifier {identifier!r}.")

    def user_key(self, request: Request) -> int:
        """The user_id the path's identifier names (an id, or an e-mail address without regard to case);
        404 when none (fault unknown-user-400: 400; fault email-lookup-unsupported: an address names none)."""
        identifier = str(request.path_params.get("identifier", ""))
        found: Any = None
        if _ID.fullmatch(identifier):
            found = self.store.scalar('SELECT "id" FROM users WHERE "id" = ?', (int(identifier),))
        elif "@" in identifier and not self.fault("email-lookup-unsupported"):
            found = self.store.scalar('SELECT "id" FROM users WHERE "email" = ? COLLATE NOCASE ORDER BY "id" '
                                      'LIMIT 1', (identifier,))
        if found is None:
            raise self._unknown(identifier)
        return int(found)

    # -- pages ------------------------------------------------------------------------------------
    def _cursor(self, request: Request) -> int | None:
        given = request.query_params.getlist(CURSOR)
        if not given:
            return None
        if not _CURSOR.fullmatch(given[0]):
            raise self.writer.invalid(self.status["invalid_body"], [Problem(
                "Invalid parameter", "cursor must be a non-negative integer.", parameter=CURSOR)])
        return min(int(given[0]), MAX_ID)

    def _url(self, request: Request, cursor: int | None) -> str:
        query = "" if cursor is None else urlencode({CURSOR: cursor})
        return str(request.url.replace(query=query))

    def _second_page(self, table: str, where: str, params: tuple[Any, ...], cursor: int | None) -> bool:
        """Whether ``cursor`` opens the collection's second page (it is the first page's last id)."""
        if cursor is None:
            return False
        first_last = self.store.scalar(f'SELECT "id" FROM "{table}" WHERE {where} ORDER BY "id" LIMIT 1 OFFSET ?',
                                       (*params, self.page_size - 1))
        return first_last == cursor

    def _point_back(self, request: Request) -> bool:
        """Fault ihasco-page-repeated: every other time a second page is served, its next_url is itself."""
        with self.lock:
            key = request.url.path
            if key in self.repeated:
                self.repeated.discard(key)
                return False
            self.repeated.add(key)
            return True

    def paged(self, request: Request, table: str, where: str, params: tuple[Any, ...],
             serve: Callable[[Request, sqlite3.Row], dict[str, Any]]) -> Response:
        cursor = self._cursor(request)
        after = -1 if cursor is None else cursor
        rows = self.store.select(table, where=f'{where} AND "id" > ?', order_by='"id"', limit=self.page_size + 1,
                                 offset=0, params=(*params, after))
        more, rows = len(rows) > self.page_size, rows[:self.page_size]
        last = int(rows[-1]["id"]) if rows else None
        next_cursor = last if more else None
        if self.fault("next-url-never-null") and next_cursor is None:
            next_cursor = last if last is not None else max(after, 0)
        if rows and self.fault("ihasco-page-repeated") and self._second_page(table, where, params, cursor) \
                and self._point_back(request):
            next_cursor = cursor
        prev_url: str | None = None
        if cursor is not None and self.store.scalar(f'SELECT 1 FROM "{table}" WHERE {where} AND "id" <= ? LIMIT 1',
                                                    (*params, cursor)) is not None:
            before = self.store.scalar(f'SELECT "id" FROM "{table}" WHERE {where} AND "id" <= ? ORDER BY "id" DESC '
                                       'LIMIT 1 OFFSET ?', (*params, cursor, self.page_size))
            prev_url = self._url(request, None if before is None else int(before))
        count = len(rows) + 1 if self.fault("data-count-wrong") else len(rows)
        next_url = None if next_cursor is None else self._url(request, next_cursor)
        return self.writer.json(page([serve(request, r) for r in rows], count, next_url, prev_url))

    # -- endpoints --------------------------------------------------------------------------------
    async def list_users(self, request: Request) -> Response:
        return self.paged(request, "users", "1 = 1", (), self.user)

    async def list_results(self, request: Request) -> Response:
        key = self.user_key(request)
        return self.paged(request, "results", f'"{OWNER}" = ?', (key,), self.result)

    async def get_user(self, request: Request) -> Response:
        row = self.store.get("users", str(self.user_key(request)))
        assert row is not None
        body = self.user(request, row)
        return self.writer.json(body if self.fault("ihasco-item-unwrapped") else item(body))

    async def _body(self, request: Request) -> tuple[Any, bool]:
        """The PATCH body and whether it came as a form: 415 for another media type, 400 when not JSON."""
        kind = media_type(request)
        form = kind == FORM_TYPE and not self.fault("form-body-refused")
        if kind != JSON_TYPE and not form:
            raise self.writer.deny(self.status.get("unsupported_media", 415), "Unsupported Media Type",
                                   f"A body of type {kind or '(none)'} is not accepted: send {JSON_TYPE} or "
                                   f"{FORM_TYPE}.")
        raw = await request.body()
        if form:
            return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True)), True
        try:
            return json.loads(raw), False
        except (ValueError, RecursionError):
            problem = not_an_object()
            raise self.writer.invalid(self.status["invalid_body"], [Problem(
                problem.title, "The request body is not valid JSON.", pointer=problem.pointer)], write=True) from None

    async def patch_user(self, request: Request) -> Response:
        key = self.user_key(request)
        body, form = await self._body(request)
        values, problems = bind(self.store, key, body, form=form)
        if problems:
            raise self.writer.invalid(self.status["invalid_body"], problems, write=True)
        if self.fault("patch-replaces") and not form:
            values = replaced(values)
        self.store.update("users", str(key), values)
        row = self.store.get("users", str(key))
        assert row is not None
        return self.writer.json(item(self.user(request, row)), self.status.get("updated", 200))
