"""The endpoints of each resource: paged collection, record by id, POST, PUT, DELETE; the upsert-contact
process; Diagnostics.

Collections (seed 002 "Response Envelopes") page by row offset and limit (the profile's parameter names,
default and maximum; a limit over the maximum, a negative or non-integer value answers 400), in Id order,
and fill ``Meta.TotalCount`` only when asked with the profile's ``total_param``. Query parameter names bind
without regard to case, as ASP.NET binds them. Single records, created and replaced records come in a
DtoEnvelope. A POST answers 201 with the new record's absolute URL in ``Location`` (seed "Example 4 ... the
response header provides the location of the just created resource"). Bodies of POST and PUT must be
``application/json`` (seed "Content Type": "you must always include ... Content-Type: application/json"),
else 415 with the seed's body; a request without a Content-Type but with a body is read as
``application/octet-stream``, as ASP.NET reads it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from conformance.profiles import Resource
from conformance.simulator.context import SimContext
from conformance.simulator.paging import PageRequest, PagingError, PagingPolicy, page_request
from conformance.simulator.store import to_json
from conformance.vendors.qses.simulator.auth import Auth
from conformance.vendors.qses.simulator.envelopes import CRASHED, INVALID, Writer, dto, dtos
from conformance.vendors.qses.simulator.records import Invalid, Records, model_key
from conformance.vendors.qses.simulator.tables import ID, RESOURCE_TABLES, Table

UPSERT_CONTACT = "/processes/upsertcontact"   # VENDOR-FACTS: "POST processes/upsertcontact"
UPSERT_FIELD = "EmailAddress"                  # the field the process finds an existing contact by
OCTET_STREAM = "application/octet-stream"
MAX_OFFSET = 2**31 - 1
WRONG_TYPE_EVERY = 97          # fault contact-field-wrong-type: every 97th contact's Id served as a string
BOOLEANS = frozenset({"true", "false"})
WRONG_LOCATION_SHIFT = 1_000_000   # fault created-location-wrong: the Location names an id this far off
_KEY = re.compile(r"[0-9]{1,18}")
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclasses.dataclass(frozen=True)
class Served:
    """One profile resource the simulator serves, over its table."""

    resource: Resource
    table: Table

    @property
    def item_path(self) -> str:
        return self.resource.item_path or f"{self.resource.path}/{{id}}"


def served_resources(ctx: SimContext) -> list[Served]:
    found = []
    for resource in ctx.profile.resources:
        table = RESOURCE_TABLES.get(resource.name)
        if table is None:
            raise ValueError(f"profile {ctx.profile.id}: the simulator has no table for resource {resource.name!r} "
                             f"(known: {', '.join(RESOURCE_TABLES)})")
        found.append(Served(resource, table))
    return found


class Handlers:
    """Every endpoint but the token's, each reading its settings from the profile."""

    def __init__(self, ctx: SimContext, writer: Writer, auth: Auth) -> None:
        self.ctx, self.writer, self.auth = ctx, writer, auth
        self.status = ctx.profile.status
        settings = ctx.profile.pagination
        policy = PagingPolicy.from_profile(settings)
        self.paging = dataclasses.replace(policy, offset_param=policy.offset_param.lower(),
                                          limit_param=policy.limit_param.lower(),
                                          max_offset=int(settings.get("max_offset", MAX_OFFSET)))
        self.total_param = str(settings.get("total_param", "")).lower()
        self.total_value = str(settings.get("total_param_value", "true")).lower()
        self.request_type = str(ctx.profile.section("media").get("request_content_type", "application/json")).lower()
        self.ignored = frozenset(ctx.profile.section("writes").get("ignored_on_put", ()))
        self.records = Records(ctx.store, ctx.clock)
        self.resources = served_resources(ctx)

    # -- helpers --------------------------------------------------------------------------------
    def row(self, table: Table, stored: Any) -> dict[str, Any]:
        body = to_json(table.columns, stored) or {}
        if self.ctx.fault("contact-field-wrong-type") and table.name == "contacts" \
                and body[ID] % WRONG_TYPE_EVERY == 0:
            body[ID] = str(body[ID])
        return body

    def _key(self, request: Request, table: Table) -> int:
        """The path's id; 404 when it is not an integer or names no record (fault unknown-id-500: 500)."""
        raw = str(request.path_params.get("id", ""))
        if _KEY.fullmatch(raw) and self.records.get(table, int(raw)) is not None:
            return int(raw)
        if self.ctx.fault("unknown-id-500"):
            raise self.writer.deny(500, CRASHED)
        raise self.writer.deny(self.status["not_found"], f"No {table.dto} was found with Id '{raw}'.")

    async def _body(self, request: Request, table: Table) -> Any:
        """The JSON body of a POST or PUT: 415 for another media type, 400 when it is not JSON."""
        raw = await request.body()
        given = request.headers.get("content-type")
        media_type = given.split(";", 1)[0].strip().lower() if given else (OCTET_STREAM if raw else "")
        lenient = self.ctx.fault("xml-accepted")
        if media_type and media_type != self.request_type and not lenient:
            raise self.writer.unsupported(self.status["unsupported_media"], media_type, f"{table.dto}Dto")
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            if lenient and raw:
                return _xml_fields(raw)
            raise self.writer.deny(self.status["invalid_body"], INVALID,
                                   ModelState={model_key(table): ["The request body is not valid JSON."]}) from None

    def _invalid(self, exc: Invalid) -> Exception:
        return self.writer.deny(self.status["invalid_body"], INVALID, ModelState=exc.model_state)

    def _location(self, request: Request, served: Served, key: int) -> dict[str, str]:
        if self.ctx.fault("created-without-location"):
            return {}
        if self.ctx.fault("created-location-wrong"):
            key += WRONG_LOCATION_SHIFT
        path = self.base_path + served.item_path.replace("{id}", str(key))
        return {"Location": str(request.url.replace(path=path, query=""))}

    @property
    def base_path(self) -> str:
        return str(self.ctx.profile.raw.get("simulator_base_path", ""))

    def _params(self, request: Request) -> dict[str, str]:
        params: dict[str, str] = {}
        for name, value in request.query_params.multi_items():
            params.setdefault(name.lower(), value)
        return params

    # -- collections ----------------------------------------------------------------------------
    def _page(self, params: dict[str, str]) -> PageRequest:
        try:
            page = page_request(params, self.paging)
        except PagingError as exc:
            raise self.writer.deny(self.status["invalid_paging"], INVALID, ModelState={
                "paging": exc.validations}) from None
        asked = params.get(self.total_param, "") if self.total_param else ""
        if asked and asked.lower() not in BOOLEANS:
            # ASP.NET binds a bool from "true"/"false" only (any case); anything else fails model validation
            raise self.writer.deny(self.status["invalid_paging"], INVALID, ModelState={
                self.total_param: [f"The value '{asked}' is not valid for Boolean."]})
        return page

    def list_items(self, served: Served) -> Endpoint:
        table = served.table

        async def endpoint(request: Request) -> Response:
            self.auth.authorize(request, served.resource.path)
            params = self._params(request)
            page = self._page(params)
            conditions = [(f'"{field}" = ? COLLATE NOCASE', params[name]) for name, field in table.filters
                          if name in params]
            where = " AND ".join(c for c, _ in conditions) or None
            values = [v for _, v in conditions]
            faults = self.ctx.fault
            first = page.offset - self.paging.first_offset
            skip = first - 1 if faults("row-repeated") and first > 0 else first
            rows = self.ctx.store.select(table.name, where=where, order_by=f'"{ID}"', limit=page.limit, offset=skip,
                                         params=values)
            total = self.ctx.store.count(table.name, where, values)
            asked = self.total_param and params.get(self.total_param, "").lower() == self.total_value
            count: int | None = None
            if asked or faults("total-count-always"):
                count = total + 1 if asked and faults("total-count-wrong") else total
            has_more = faults("has-more-always-true") or skip + len(rows) < total
            offset = first // page.limit if faults("offset-echo-wrong") else page.offset
            body = dtos([self.row(table, r) for r in rows], offset=offset, limit=page.limit, has_more=has_more,
                        total=count)
            return self.writer.json(body)
        return endpoint

    def create(self, served: Served) -> Endpoint:
        table = served.table

        async def endpoint(request: Request) -> Response:
            self.auth.authorize(request, served.resource.path)
            body = await self._body(request, table)
            try:
                key = self.records.create(table, self.records.bind(table, body))
            except Invalid as exc:
                raise self._invalid(exc) from None
            row = self.row(table, self.records.get(table, key))
            return self.writer.json(dto(row), self.status.get("created", 201), self._location(request, served, key))
        return endpoint

    # -- records --------------------------------------------------------------------------------
    def get_item(self, served: Served) -> Endpoint:
        table = served.table

        async def endpoint(request: Request) -> Response:
            self.auth.authorize(request, served.item_path)
            row = self.row(table, self.records.get(table, self._key(request, table)))
            return self.writer.json(row if self.ctx.fault("item-unwrapped") else dto(row))
        return endpoint

    def replace(self, served: Served) -> Endpoint:
        table = served.table

        async def endpoint(request: Request) -> Response:
            self.auth.authorize(request, served.item_path)
            key = self._key(request, table)
            body = await self._body(request, table)
            try:
                self.records.replace(table, key, self.records.bind(table, body), ignored=self.ignored,
                                     merge=self.ctx.fault("put-merges"),
                                     overwrite_ignored=self.ctx.fault("put-overwrites-ignored"))
            except Invalid as exc:
                raise self._invalid(exc) from None
            return self.writer.json(dto(self.row(table, self.records.get(table, key))))
        return endpoint

    def delete(self, served: Served) -> Endpoint:
        table = served.table

        async def endpoint(request: Request) -> Response:
            self.auth.authorize(request, served.item_path)
            removed = self.records.delete(table, self._key(request, table))
            return self.writer.json(dto(self.row(table, removed)))
        return endpoint

    # -- processes and diagnostics ---------------------------------------------------------------
    def upsert_contact(self, served: Served) -> Endpoint:
        """POST processes/upsertcontact: the contact with the body's EmailAddress is changed (200), or a new
        one created (201 + Location); either answers the contact in a DtoEnvelope."""
        table = served.table

        async def endpoint(request: Request) -> Response:
            self.auth.authorize(request, UPSERT_CONTACT)
            body = await self._body(request, table)
            try:
                values = self.records.bind(table, body)
                email = values.get(UPSERT_FIELD)
                if not email:
                    raise Invalid({model_key(table, UPSERT_FIELD): [f"The {UPSERT_FIELD} field is required."]})
                key = self.records.find(table, UPSERT_FIELD, email)
                if key is not None:
                    self.records.change(table, key, values)
                    return self.writer.json(dto(self.row(table, self.records.get(table, key))))
                key = self.records.create(table, values)
            except Invalid as exc:
                raise self._invalid(exc) from None
            row = self.row(table, self.records.get(table, key))
            return self.writer.json(dto(row), self.status.get("created", 201), self._location(request, served, key))
        return endpoint

    async def diagnostics(self, request: Request) -> Response:
        """A Diagnostics endpoint: no token needed (fault diagnostics-need-token: one is), no envelope."""
        if self.ctx.fault("diagnostics-need-token"):
            self.auth.authorize(request, request.url.path)
        return self.writer.json({"Message": "pong"})


def _xml_fields(raw: bytes) -> Any:
    """Fault xml-accepted: an XML body read as its root's child elements (field -> text); {} when unreadable."""
    try:
        root = ET.fromstring(raw)
    except ET.ParseError:
        return {}
    return {child.tag.rsplit("}", 1)[-1]: child.text for child in root}
