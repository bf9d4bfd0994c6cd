"""The endpoints: sites, a site's games (list, create), a game (read, change, delete), a site's users (list,
create), a user and their availability, a site's venues.

VENDOR-FACTS (Assignr, endpoints seen in real clients): ``/sites``, ``/sites/{id}/games``
(``search[start_date]``, ``search[end_date]``, ``page``, ``limit``), ``/sites/{id}/users``, ``/users/{id}``,
``/users/{id}/availability``. Seed: 201 for a POST that creates; 204 for a DELETE; 402 for "a site that does
not have an active subscription" (every request under such a site: its record, its collections, its games and
users); 409 when "the lock_version field that you provide" differs from the stored one on a PUT (a PUT without
``lock_version`` is accepted: the seed's "that also include the lock_version attribute where applicable");
422 for "creating a game without a date or time, or creating a new user without a first and last name"; 400
for "invalid JSON data". Seed "Requests": "POST requests must specify the Content-Type:
application/vnd.assignr.v2.hal+json header" (another type answers the profile's ``unsupported_media``, 415,
assumed); a PUT's body may be either JSON type.

Assumed where nothing is published: rows in id order; ``page`` from 1 and ``limit`` (default 50, at most
100: a larger limit is clamped to 100, a page or limit that is not a whole number of at least 1 answers 400);
a page past the last is empty; a write needs a token with the ``write`` scope (403 otherwise); a game's body
is its fields at the top level (or under ``"game"``), fields it does not know are ignored; a game or user
created answers its record with ``Location``; search dates are ``YYYY-MM-DD`` and bound the game's localized
date (inclusive) - anything else answers 400.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from conformance.simulator.context import SimContext
from conformance.simulator.store import to_json
from conformance.vendors.assignr.simulator.hal import HAL_TYPE, JSON_TYPE, Writer, collection, link
from conformance.vendors.assignr.simulator.seed import clock_text
from conformance.vendors.assignr.simulator.tables import (
    ASSIGNMENT_COLUMNS,
    AVAILABILITY_COLUMNS,
    GAME_BOOLEANS,
    GAME_COLUMNS,
    GAME_STRINGS,
    SITE_COLUMNS,
    USER_BOOLEANS,
    USER_COLUMNS,
    VENUE_COLUMNS,
)
from conformance.vendors.assignr.simulator.tokens import Grant

PAGE, LIMIT = "page", "limit"
START_DATE, END_DATE = "search[start_date]", "search[end_date]"
_WHOLE = re.compile(r"[0-9]{1,9}")
_ID = re.compile(r"[0-9]{1,18}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
Serve = Callable[[Request, sqlite3.Row], dict[str, Any]]


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


class Handlers:
    def __init__(self, ctx: SimContext, writer: Writer, base_path: str) -> None:
        self.ctx, self.writer, self.store = ctx, writer, ctx.store
        self.fault = ctx.fault
        self.status = ctx.profile.status
        self.base_path = base_path
        paging = ctx.profile.pagination
        self.default_limit = int(paging.get("default_limit", 50))
        self.max_limit = int(paging.get("max_limit", 100))

    # -- links and rows ---------------------------------------------------------------------------
    def href(self, request: Request, path: str) -> str:
        return f"{str(request.base_url).rstrip('/')}{self.base_path}{path}"

    def _links(self, body: dict[str, Any], links: dict[str, Any]) -> dict[str, Any]:
        if not self.fault("hal-links-missing"):
            body["_links"] = links
        return body

    def site(self, request: Request, row: sqlite3.Row) -> dict[str, Any]:
        body = to_json(SITE_COLUMNS, row) or {}
        sid = body["id"]
        return self._links(body, {"self": link("site", self.href(request, f"/sites/{sid}")),
                                  "games": {"href": self.href(request, f"/sites/{sid}/games")},
                                  "users": {"href": self.href(request, f"/sites/{sid}/users")},
                                  "venues": {"href": self.href(request, f"/sites/{sid}/venues")}})

    def venue(self, request: Request, row: sqlite3.Row) -> dict[str, Any]:
        body = to_json(VENUE_COLUMNS, row) or {}
        return self._links(body, {"self": link("venue", self.href(request, f"/venues/{body['id']}"))})

    def user(self, request: Request, row: sqlite3.Row) -> dict[str, Any]:
        body = to_json(USER_COLUMNS, row) or {}
        uid = body["id"]
        return self._links(body, {"self": link("user", self.href(request, f"/users/{uid}")),
                                  "games": {"href": self.href(request, f"/sites/{row['site']}/games")},
                                  "availability": {"href": self.href(request, f"/users/{uid}/availability")}})

    def person(self, request: Request, user_id: int) -> dict[str, Any] | None:
        row = self.store.get("users", str(user_id))
        if row is None:
            return None
        return self._links({"id": row["id"], "first_name": row["first_name"], "last_name": row["last_name"]},
                           {"self": link("user", self.href(request, f"/users/{row['id']}"))})

    def availability(self, request: Request, row: sqlite3.Row) -> dict[str, Any]:
        body = to_json(AVAILABILITY_COLUMNS, row) or {}
        return self._links(body, {"self": link("availability", self.href(
            request, f"/users/{row['user']}/availability/{body['id']}"))})

    def assignment(self, request: Request, row: sqlite3.Row) -> dict[str, Any]:
        item = to_json(ASSIGNMENT_COLUMNS, row) or {}
        item = self._links(item, {"self": link("assignment", self.href(
            request, f"/games/{row['game']}/assignments/{item['id']}"))})
        item["_embedded"] = {"official": self.person(request, int(row["official_id"]))}
        return item

    def game(self, request: Request, row: sqlite3.Row) -> dict[str, Any]:
        body = to_json(GAME_COLUMNS, row) or {}
        gid = body["id"]
        venue = self.store.get("venues", str(row["venue"])) if row["venue"] is not None else None
        site = self.store.get("sites", str(row["site"]))
        assignments = []
        for assigned in self.store.select("assignments", where='"game" = ?', order_by='"id"', limit=-1, offset=0,
                                          params=(gid,)):
            assignments.append(self.assignment(request, assigned))
        embedded: dict[str, Any] = {
            "venue": None if venue is None else self.venue(request, venue),
            "site": None if site is None else {"id": site["id"], "name": site["name"]},
            "assignor": None if row["assignor_id"] is None else self.person(request, int(row["assignor_id"])),
            "assignments": assignments,
        }
        body = self._links(body, {"self": link("game", self.href(request, f"/games/{gid}")),
                                  "site": link("site", self.href(request, f"/sites/{row['site']}"))})
        body["_embedded"] = embedded
        return body

    # -- lookups ----------------------------------------------------------------------------------
    def not_found(self, what: str) -> Exception:
        return self.writer.deny(self.status["not_found"], f"Couldn't find {what}.")

    def subscribed(self, site: sqlite3.Row) -> None:
        if not site["subscribed"]:
            status = 403 if self.fault("payment-as-403") else self.status.get("payment_required", 402)
            raise self.writer.deny(status, f"Site {site['id']} does not have an active subscription.")

    def row(self, request: Request, table: str, param: str, what: str) -> sqlite3.Row:
        """The row the path names (404 when none), after its site's subscription is checked (402)."""
        raw = str(request.path_params.get(param, ""))
        row = self.store.get(table, raw) if _ID.fullmatch(raw) else None
        if row is None:
            raise self.not_found(f"{what} with id {raw!r}")
        site = row if table == "sites" else self.store.get("sites", str(row["site"]))
        assert site is not None
        self.subscribed(site)
        return row

    def writable(self, request: Request) -> None:
        grant: Grant | None = request.scope.get("state", {}).get("grant")
        if grant is not None and not grant.may_write() and not self.fault("scope-ignored"):
            raise self.writer.deny(self.status.get("forbidden", 403), "This token's scope does not allow writes.")

    # -- pages ------------------------------------------------------------------------------------
    def _whole(self, request: Request, name: str, default: int) -> int:
        given = request.query_params.get(name)
        if given is None:
            return default
        if not _WHOLE.fullmatch(given.strip()) or int(given) < 1:
            raise self.writer.deny(self.status["invalid_json"], f"{name} must be a whole number of at least 1.")
        return int(given)

    def _page_url(self, request: Request, number: int, limit: int) -> str:
        query = [(k, v) for k, v in request.query_params.multi_items() if k not in (PAGE, LIMIT)]
        query += [(PAGE, str(number)), (LIMIT, str(limit))]
        return str(request.url.replace(query=urlencode(query)))

    def paged(self, request: Request, table: str, key: str, where: str, params: tuple[Any, ...],
              serve: Serve) -> Response:
        number = self._whole(request, PAGE, 1)
        limit = min(self._whole(request, LIMIT, self.default_limit), self.max_limit)
        records = self.store.count(table, where, params)
        pages = max(1, -(-records // limit))
        rows = self.store.select(table, where=where, order_by='"id"', limit=limit, offset=(number - 1) * limit,
                                 params=params)
        next_page = number + 1 if number < pages or self.fault("next-page-on-last") else None
        prev_page = min(number - 1, pages) if number > 1 else None
        page = {"records": records + 1 if self.fault("records-off-by-one") else records, "pages": pages,
                "current_page": number, "next_page": next_page, "prev_page": prev_page, "limit": limit}
        links = {"self": self._page_url(request, number, limit),
                 "next": None if next_page is None else self._page_url(request, next_page, limit),
                 "prev": None if prev_page is None else self._page_url(request, prev_page, limit)}
        return self.writer.json(collection(key, [serve(request, r) for r in rows], page, links))

    def _dates(self, request: Request, column: str) -> tuple[str, tuple[Any, ...]]:
        where = ""
        params: tuple[Any, ...] = ()
        for name, op in ((START_DATE, ">="), (END_DATE, "<=")):
            given = request.query_params.get(name)
            if given is None or given == "":
                continue
            try:
                day = date.fromisoformat(given) if _DATE.fullmatch(given) else None
            except ValueError:
                day = None
            if day is None:
                raise self.writer.deny(self.status["invalid_json"], f"{name} must be a date (YYYY-MM-DD).")
            where += f' AND "{column}" {op} ?'
            params += (day.isoformat(),)
        return where, params

    # -- reads ------------------------------------------------------------------------------------
    async def list_sites(self, request: Request) -> Response:
        return self.paged(request, "sites", "sites", "1 = 1", (), self.site)

    async def get_site(self, request: Request) -> Response:
        return self.writer.json(self.site(request, self.row(request, "sites", "site_id", "Site")))

    async def list_games(self, request: Request) -> Response:
        site = self.row(request, "sites", "site_id", "Site")
        where, params = self._dates(request, "localized_date")
        return self.paged(request, "games", "games", '"site" = ?' + where, (site["id"], *params), self.game)

    async def list_users(self, request: Request) -> Response:
        site = self.row(request, "sites", "site_id", "Site")
        return self.paged(request, "users", "users", '"site" = ?', (site["id"],), self.user)

    async def list_venues(self, request: Request) -> Response:
        site = self.row(request, "sites", "site_id", "Site")
        return self.paged(request, "venues", "venues", '"site" = ?', (site["id"],), self.venue)

    async def get_game(self, request: Request) -> Response:
        return self.writer.json(self.game(request, self.row(request, "games", "game_id", "Game")))

    async def get_venue(self, request: Request) -> Response:
        return self.writer.json(self.venue(request, self.row(request, "venues", "venue_id", "Venue")))

    def child(self, request: Request, table: str, owner: str, parent: sqlite3.Row, what: str) -> sqlite3.Row:
        """A row the path names under its parent (404 when none or another's)."""
        raw = str(request.path_params.get("item_id", ""))
        row = self.store.get(table, raw, f'"{owner}" = {int(parent["id"])}') if _ID.fullmatch(raw) else None
        if row is None:
            raise self.not_found(f"{what} with id {raw!r}")
        return row

    async def get_availability(self, request: Request) -> Response:
        user = self.row(request, "users", "user_id", "User")
        return self.writer.json(self.availability(request, self.child(request, "availability", "user", user,
                                                                      "Availability")))

    async def get_assignment(self, request: Request) -> Response:
        game = self.row(request, "games", "game_id", "Game")
        row = self.child(request, "assignments", "game", game, "Assignment")
        return self.writer.json(self.assignment(request, row))

    async def get_user(self, request: Request) -> Response:
        return self.writer.json(self.user(request, self.row(request, "users", "user_id", "User")))

    async def list_availability(self, request: Request) -> Response:
        user = self.row(request, "users", "user_id", "User")
        where, params = self._dates(request, "date")
        return self.paged(request, "availability", "availability", '"user" = ?' + where, (user["id"], *params),
                          self.availability)

    # -- writes -----------------------------------------------------------------------------------
    async def _body(self, request: Request, key: str, *, post: bool) -> dict[str, Any]:
        kind = media_type(request)
        accepted = (HAL_TYPE, JSON_TYPE) if not post or self.fault("hal-request-not-required") else (HAL_TYPE,)
        if kind not in accepted:
            raise self.writer.deny(self.status.get("unsupported_media", 415),
                                   f"Content-Type {kind or '(none)'} is not accepted: send {HAL_TYPE}.")
        try:
            body = json.loads(await request.body())
        except (ValueError, RecursionError):
            raise self.writer.deny(self.status["invalid_json"], "The request body is not valid JSON.") from None
        if isinstance(body, dict) and set(body) == {key} and isinstance(body[key], dict):
            body = body[key]
        if not isinstance(body, dict):
            raise self.writer.deny(self.status["invalid_json"], f"The request body must be a JSON object of {key} "
                                   "fields.")
        return body

    def _stamp(self) -> str:
        return datetime.now().astimezone().replace(microsecond=0).isoformat()

    def _game_values(self, body: Mapping[str, Any], site: int, *, creating: bool) -> dict[str, Any]:
        problems: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        for field in GAME_STRINGS:
            if field in body:
                if body[field] is not None and not isinstance(body[field], str):
                    problems[field] = ["must be text"]
                else:
                    values[field] = body[field]
        for field in GAME_BOOLEANS:
            if field in body:
                if not isinstance(body[field], bool):
                    problems[field] = ["must be true or false"]
                else:
                    values[field] = int(body[field])
        if creating or "start_time" in body:
            start = _when(body.get("start_time"))
            if start is None:
                problems["start_time"] = ["can't be blank" if not body.get("start_time") else "is not a date and time"]
            else:
                values.update(start_time=start.isoformat(), localized_date=start.date().isoformat(),
                              localized_time=clock_text(start))
        if "end_time" in body:
            end = _when(body.get("end_time"))
            if end is None and body.get("end_time") is not None:
                problems["end_time"] = ["is not a date and time"]
            else:
                values.update(end_time=None if end is None else end.isoformat(),
                              localized_end_time=None if end is None else clock_text(end))
        if "venue_id" in body:
            venue = body["venue_id"]
            if venue is not None and (type(venue) is not int or self.store.get(
                    "venues", str(venue), f'"site" = {int(site)}') is None):
                problems["venue_id"] = ["is not a venue of this site"]
            else:
                values["venue"] = venue
        if problems:
            raise self.writer.invalid(problems)
        return values

    async def create_game(self, request: Request) -> Response:
        site = self.row(request, "sites", "site_id", "Site")
        self.writable(request)
        body = await self._body(request, "game", post=True)
        values = self._game_values(body, int(site["id"]), creating=True)
        gid = int(self.store.scalar('SELECT COALESCE(MAX("id"), 0) + 1 FROM games'))
        stamp = self._stamp()
        row: dict[str, Any] = {c.name: None for c in GAME_COLUMNS}
        row.update(id=gid, site=site["id"], cancelled=0, published=0, lock_version=0, status="normal",
                   created=stamp, updated=stamp)
        row.update(values)
        if row.get("end_time") is None:
            end = datetime.fromisoformat(row["start_time"]) + timedelta(minutes=75)
            row.update(end_time=end.isoformat(), localized_end_time=clock_text(end))
        self.store.insert("games", row)
        created = self.store.get("games", str(gid))
        assert created is not None
        return self.writer.json(self.game(request, created), self.status.get("created", 201),
                                {"Location": self.href(request, f"/games/{gid}")})

    async def update_game(self, request: Request) -> Response:
        row = self.row(request, "games", "game_id", "Game")
        self.writable(request)
        body = await self._body(request, "game", post=False)
        given = body.get("lock_version")
        if "lock_version" in body and type(given) is not int:
            raise self.writer.invalid({"lock_version": ["must be a whole number"]})
        if given is not None and given != row["lock_version"] and not self.fault("stale-lock-accepted"):
            raise self.writer.deny(self.status.get("conflict", 409),
                                   f"Game {row['id']} was changed by someone else (lock_version "
                                   f"{row['lock_version']}, given {given}).")
        values = self._game_values(body, int(row["site"]), creating=False)
        values["updated"] = self._stamp()
        if not self.fault("lock-not-incremented"):
            values["lock_version"] = int(row["lock_version"]) + 1
        self.store.update("games", str(row["id"]), values)
        changed = self.store.get("games", str(row["id"]))
        assert changed is not None
        return self.writer.json(self.game(request, changed))

    async def delete_game(self, request: Request) -> Response:
        row = self.row(request, "games", "game_id", "Game")
        self.writable(request)
        served = self.game(request, row)
        with self.store.lock:
            self.store.conn.execute('DELETE FROM assignments WHERE "game" = ?', (row["id"],))
            self.store.delete("games", str(row["id"]))
        if self.fault("assignr-delete-200"):
            return self.writer.json(served)
        return self.writer.empty(self.status.get("deleted", 204))

    async def create_user(self, request: Request) -> Response:
        site = self.row(request, "sites", "site_id", "Site")
        self.writable(request)
        body = await self._body(request, "user", post=True)
        problems: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        for field in ("first_name", "last_name"):
            value = body.get(field)
            if not isinstance(value, str) or not value.strip():
                problems[field] = ["can't be blank"]
            else:
                values[field] = value.strip()
        phone = body.get("mobile_phone")
        if phone is not None and not isinstance(phone, str):
            problems["mobile_phone"] = ["must be text"]
        defaults = {"official": True, "assignor": False, "manager": False, "active": True}
        for field in USER_BOOLEANS:
            value = body.get(field, defaults[field])
            if not isinstance(value, bool):
                problems[field] = ["must be true or false"]
            else:
                values[field] = int(value)
        emails = body.get("email_addresses", [])
        if isinstance(body.get("email"), str):
            emails = [body["email"], *([] if not isinstance(emails, list) else emails)]
        if not isinstance(emails, list) or not all(isinstance(e, str) and "@" in e for e in emails):
            problems["email_addresses"] = ["must be a list of e-mail addresses"]
        if problems:
            raise self.writer.invalid(problems)
        uid = int(self.store.scalar('SELECT COALESCE(MAX("id"), 0) + 1 FROM users'))
        stamp = self._stamp()
        self.store.insert("users", {"id": uid, "site": site["id"], "mobile_phone": phone, **values,
                                    "email_addresses": json.dumps(emails, ensure_ascii=False), "created": stamp,
                                    "updated": stamp})
        created = self.store.get("users", str(uid))
        assert created is not None
        return self.writer.json(self.user(request, created), self.status.get("created", 201),
                                {"Location": self.href(request, f"/users/{uid}")})


def _when(value: Any) -> datetime | None:
    """An ISO 8601 date and time (a bare date is not a time: None), or None."""
    if not isinstance(value, str) or "T" not in value.upper():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None
