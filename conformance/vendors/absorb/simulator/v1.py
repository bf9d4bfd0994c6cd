"""Absorb LMS Restful API v1 (legacy), served by the same portal under the v1 profile's base path.

Seed 003 Step Two 3 and Appendix C: v1 had no gateway and no ``x-api-key``
(v1.5 "Add x-api-key ... to the request header"); ``POST /Authenticate`` takes
``{Username, Password, PrivateKey}`` and answers the token as a JSON string,
sent back as ``Authorization: <token>``. Bodies are PascalCase; collections are
whole, bare arrays ("endpoints which previously returned full data sets"), so
``Offset``/``Limit`` are accepted and ignored; other query parameters Appendix
C lists filter by equality on the field of that name (``ModifiedSince``: edited
since). Each endpoint serves the field set its Appendix C row gives
(``absorb_shapes.v1_fields``). Errors are ``{"Message"}`` with 400/401/404.

Faults named ``v1-<name>`` bend this API (they run under the absorb-v1 profile).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.profiles import Profile
from conformance.simulator.context import SimContext
from conformance.simulator.dialects.gateway import route_template
from conformance.simulator.query import SortPolicy, compile_sort
from conformance.simulator.sessions import Sessions
from conformance.vendors.absorb.simulator.catalogue import me, source_for
from conformance.vendors.absorb.simulator.collections import Collection, Missing, collections_for, guid
from conformance.vendors.absorb.simulator.errors import ErrorStyle, error_handlers
from conformance.vendors.absorb.simulator.shapes import appendix_rows, v1_fields, v1_row
from conformance.vendors.absorb.simulator.users import Invalid, UserWriter
from conformance.vendors.absorb.simulator.writes import INVALID_BODY, json_body

IGNORED_QUERY = {"offset", "limit", "key"}
QUERY_ALIASES = {"email": "emailAddress", "departmentname": "name"}


class V1Api:
    """The v1 routes of one portal: whole collections, single rows and user writes, PascalCase."""

    def __init__(self, ctx: SimContext, profile: Profile, ids: random.Random) -> None:
        self.ctx, self.profile, self.auth = ctx, profile, profile.auth
        self.status = profile.status
        self.errors = ErrorStyle("v1")
        self.sessions = Sessions(float(self.auth.get("token_lifetime_s", 14_400)), ctx.clock)
        self.collections = collections_for(profile, ctx.store, lambda r: source_for(r.counterpart or r.name),
                                           me(ctx.store))
        self.fields: dict[tuple[str, str], tuple[str, ...]] = {}
        for kind, routes in (("list", self.collections.lists), ("item", self.collections.items)):
            for template, collection in routes.items():
                path = collection.resource.path if kind == "list" else collection.resource.item_path or ""
                self.fields[kind, template] = v1_fields(collection.table, collection.source.hidden,
                                                        appendix_rows(collection.resource, path))
        self.writer = UserWriter(ctx.store, ids, require_email=True)
        self.order = compile_sort(None, {}, SortPolicy(tie_break="id"))

    @property
    def bad_body(self) -> int:
        return int(self.status.get("invalid_body", INVALID_BODY))

    # -- guards --------------------------------------------------------------------------------
    def fault(self, name: str) -> bool:
        return self.ctx.fault(f"v1-{name}")

    def admit(self, request: Request) -> None:
        if self.fault("bad-token-accepted"):
            return
        value = request.headers.get(self.auth.get("token_header", "Authorization"), "").strip()
        if value[:7].lower() == "bearer ":
            value = value[7:].strip()
        if not value or self.sessions.user_for(value) is None:
            raise self.errors.deny(self.status["bad_token"])

    async def authenticate(self, request: Request) -> Response:
        body = await json_body(request)
        if not isinstance(body, dict):
            raise self.errors.deny(self.status["missing_auth_fields"], "The request is invalid.")
        given = {str(k).lower(): v for k, v in body.items()}
        fields: dict[str, str] = self.auth["token_body"]
        missing = [f for f in fields if not isinstance(given.get(f.lower()), str) or not given[f.lower()]]
        if missing:
            raise self.errors.deny(self.status["missing_auth_fields"], f"{missing[0]} is required.")
        for name, credential in fields.items():
            if not secrets.compare_digest(given[name.lower()].encode(), self.ctx.credentials[credential].encode()):
                raise self.errors.deny(self.status["bad_token"], "Invalid credentials.")
        user = next((f for f, c in fields.items() if c == "LMSCONF_USERNAME"), next(iter(fields)))
        token = self.sessions.issue(given[user.lower()])
        return JSONResponse({"Token": token} if self.fault("token-as-object") else token)

    # -- reads ---------------------------------------------------------------------------------
    def _scope(self, collection: Collection, request: Request) -> str | None:
        try:
            return collection.scope(self.ctx.store, request.path_params)
        except Missing as exc:
            raise self.errors.deny(self.status["not_found"], str(exc)) from None

    def _query(self, collection: Collection, params: Mapping[str, str]) -> tuple[list[str], list[Any]]:
        """Equality filters from query parameters naming a field; unknown parameters are ignored."""
        columns = {c.name.lower(): c for c in self.ctx.store.fields(collection.table).values()}
        conditions: list[str] = []
        values: list[Any] = []
        for name, value in params.items():
            key = name.lower()
            if key in IGNORED_QUERY or not value:
                continue
            if key == "modifiedsince" and "dateedited" in columns:
                conditions.append('"dateEdited" >= ?')
                values.append(_since(value, self.errors, self.bad_body))
                continue
            column = columns.get(QUERY_ALIASES.get(key, key).lower())
            if column is not None:
                conditions.append(f'"{column.name}" = ? COLLATE NOCASE')
                values.append(value)
        return conditions, values

    async def list_items(self, request: Request) -> Response:
        self.admit(request)
        template = request.scope["route"].path
        collection = self.collections.lists[template]
        conditions, values = self._query(collection, request.query_params)
        where = " AND ".join(f"({c})" for c in (self._scope(collection, request), *conditions) if c) or None
        rows = self.ctx.store.select(collection.table, where=where, order_by=self.order, limit=-1, offset=0,
                                     params=values)
        fields = self.fields["list", template]
        return JSONResponse([self._row(collection.table, fields, row) for row in rows])

    def _row(self, table: str, fields: tuple[str, ...], stored: Any) -> dict[str, Any]:
        body = v1_row(table, fields, stored)
        if table == "users" and self.fault("user-field-wrong-type") and stored["seq"] % 97 == 0 \
                and "ActiveStatus" in body:
            body["ActiveStatus"] = "Active" if body["ActiveStatus"] == 0 else "Inactive"
        return body

    async def get_item(self, request: Request) -> Response:
        self.admit(request)
        template = request.scope["route"].path
        collection = self.collections.items[template]
        scope = self._scope(collection, request)
        status = 500 if self.fault("unknown-user-500") else self.status["not_found"]
        try:
            key = guid(request.path_params["id"], collection.not_found)
        except Missing as exc:
            raise self.errors.deny(status, str(exc)) from None
        row = self.ctx.store.get(collection.table, key, scope)
        if row is None:
            raise self.errors.deny(status, collection.not_found)
        return JSONResponse(self._row(collection.table, self.fields["item", template], row))

    # -- writes --------------------------------------------------------------------------------
    def _users(self) -> tuple[str, Collection] | None:
        found = [(t, c) for t, c in self.collections.items.items() if c.resource.writable and c.table == "users"]
        return found[0] if found else None

    async def put_user(self, request: Request) -> Response:
        self.admit(request)
        template, users = self._require_users()
        key = self._user_key(request, users)
        try:
            found = self.writer.update(key, await json_body(request))
        except Invalid as exc:
            raise self.errors.deny(self.bad_body, *exc.validations) from None
        if not found:
            raise self.errors.deny(self.status["not_found"], users.not_found)
        row = self.ctx.store.get("users", key)
        return JSONResponse(v1_row("users", self.fields["item", template], row))

    async def create_user(self, request: Request) -> Response:
        self.admit(request)
        template, _ = self._require_users()
        try:
            key = self.writer.create(await json_body(request))
        except Invalid as exc:
            raise self.errors.deny(self.bad_body, *exc.validations) from None
        return JSONResponse(v1_row("users", self.fields["item", template], self.ctx.store.get("users", key)))

    async def upload(self, request: Request) -> Response:
        self.admit(request)
        try:
            written = self.writer.upload(await json_body(request))
        except Invalid as exc:
            raise self.errors.deny(self.bad_body, *exc.validations) from None
        return JSONResponse([{"Key": key, "Value": username} for key, username in written])

    def _require_users(self) -> tuple[str, Collection]:
        found = self._users()
        assert found is not None
        return found

    def _user_key(self, request: Request, users: Collection) -> str:
        try:
            return guid(request.path_params["id"], users.not_found)
        except Missing as exc:
            raise self.errors.deny(self.status["not_found"], str(exc)) from None

    # -- app -----------------------------------------------------------------------------------
    def routes(self) -> list[Route]:
        routes = [Route(route_template(self.auth["token_path"]), self.authenticate, methods=["POST"])]
        found = self._users()
        if found is not None:
            item, users = found
            collection = route_template(users.resource.path)
            routes += [Route(item, self.put_user, methods=["PUT"]),
                       Route(collection + "/upload", self.upload, methods=["POST"]),
                       Route(collection, self.create_user, methods=["POST"])]
        routes += [Route(t, self.list_items, methods=["GET"]) for t in self.collections.lists]
        routes += [Route(t, self.get_item, methods=["GET"]) for t in self.collections.items]
        return routes

    def app(self) -> Starlette:
        return Starlette(routes=self.routes(), exception_handlers=error_handlers(self.errors))


def _since(value: str, errors: ErrorStyle, status: int) -> str:
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise errors.deny(status, f"ModifiedSince '{value}' is not a date.") from None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.replace(microsecond=0).isoformat()
