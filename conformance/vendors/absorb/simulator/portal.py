"""Absorb LMS Restful API v1.5 (seed 003_09d5ed03fea4db3d.txt), served at the gateway root.

Auth: ``x-api-key`` on every call, ``POST /authenticate`` with
``{username, password, privateKey}`` answering the token as a JSON string,
then ``Authorization: Bearer <token>`` (the bare token is accepted too, as a
real client sends it). Collections page by page index (``_offset``, ``_limit``)
with ``_sort`` and an OData ``_filter``, wrapped in ``{totalItems, limit,
offset, returnedItems, <collection>}``; versioned endpoints answer by
``x-api-version`` (see ``absorb_versions``). Every error is a
GenericErrorResponse. One generic handler serves every resource of the
profile; every setting (statuses, header names, limits, rates) is read from
it, and the faults in ``ctx.faults`` bend the behaviour they name.

The same portal serves the legacy v1 API under its base path (``absorb_v1``);
``build`` puts both behind one gateway, over one store.
"""

from __future__ import annotations

import dataclasses
import random
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from conformance.profiles import Profile, Resource, load
from conformance.simulator.context import SimContext
from conformance.simulator.dialects.gateway import Gateway, route_template
from conformance.simulator.paging import PageRequest, PagingError, PagingPolicy, page_request
from conformance.simulator.query import QueryError, SortPolicy
from conformance.simulator.ratelimit import RateLimiter
from conformance.simulator.sessions import Sessions
from conformance.vendors.absorb.simulator.catalogue import me, source_for
from conformance.vendors.absorb.simulator.collections import Collection, Missing, collections_for, guid
from conformance.vendors.absorb.simulator.errors import Denied, ErrorStyle, error_handlers
from conformance.vendors.absorb.simulator.shapes import V15Shape
from conformance.vendors.absorb.simulator.users import UserWriter
from conformance.vendors.absorb.simulator.v1 import V1Api
from conformance.vendors.absorb.simulator.versions import Versioning
from conformance.vendors.absorb.simulator.writes import V15Writes

PROFILES = ("absorb-v1_5", "absorb-v1_5-compat", "absorb-v1")
V1_5 = "absorb-v1_5"     # the v1.5 portal served beside v1 when the simulator starts for absorb-v1
STICKY_S = 30.0          # how long the rate-limit-sticky fault keeps refusing
EARLY_EXPIRY_S = 3600.0  # the token-expires-early fault: tokens live 1 h instead of the documented 4 h
WRONG_DEFAULT_LIMIT = 100  # the default-limit-100 fault: the page size when _limit is left out
COMPAT_FAULT = "compat-"   # "compat-<name>" bends behaviour <name> of a compatibility-mode portal
Handler = Callable[[Request, str], Awaitable[Response]]


class AbsorbApi:
    """The routes, guards and shapes of one simulated Absorb v1.5 portal."""

    def __init__(self, ctx: SimContext, profile: Profile, ids: random.Random) -> None:
        self.ctx, self.profile = ctx, profile
        self.auth, self.status = profile.auth, profile.status
        self.errors = ErrorStyle("v1_5", plain=ctx.fault("error-body-plain"))
        self.versions = Versioning.from_profile(profile, ctx.faults)
        lifetime = EARLY_EXPIRY_S if ctx.fault("token-expires-early") else float(self.auth["token_lifetime_s"])
        self.sessions = Sessions(lifetime, ctx.clock, single_token_per_user=not ctx.fault("tokens-not-replaced"))
        early = float(profile.ratelimit.get("burst", 100)) if ctx.fault("rate-limit-early") else None
        self.limiter = RateLimiter.from_profile(profile.ratelimit, ctx.clock, capacity=early,
                                                enabled=not ctx.fault("no-rate-limit"),
                                                sticky_s=STICKY_S if ctx.fault("rate-limit-sticky") else 0.0)
        self.paging = PagingPolicy.from_profile(profile.pagination)
        self.sorting = SortPolicy.from_profile(profile.sorting)
        self.me = me(ctx.store)
        self.collections = collections_for(profile, ctx.store, lambda r: source_for(r.name), self.me,
                                           startswith_anywhere=ctx.fault("filter-startswith-anywhere"))
        self.shape = V15Shape(compat=bool(profile.section("simulator").get("compat")), faults=ctx.faults)
        self.writes = V15Writes(self, UserWriter(ctx.store, ids, require_email=ctx.fault("put-requires-email"),
                                                      require_email_on_create=ctx.fault("upload-requires-email")))

    def deny(self, status: int, *validations: str, **kwargs: Any) -> Denied:
        return self.errors.deny(status, *validations, **kwargs)

    # -- guards --------------------------------------------------------------------------------
    def _api_key(self, request: Request) -> str:
        presented = request.headers.get(self.auth["api_key_header"])
        if self.ctx.fault("api-key-ignored"):
            return presented or ""
        if presented is None:
            raise self.deny(self.status["missing_api_key"], f"{self.auth['api_key_header']} header is required")
        if not secrets.compare_digest(presented.encode(), self.ctx.credentials["LMSCONF_API_KEY"].encode()):
            raise self.deny(self.status["wrong_api_key"])
        return presented

    def _throttle(self, key: str) -> None:
        retry_after = self.limiter.check(key)
        if retry_after is not None:
            value = "soon" if self.ctx.fault("retry-after-invalid") else str(retry_after)
            raise self.deny(self.status["rate_limited"], headers={"Retry-After": value})

    def _token(self, request: Request) -> str | None:
        value = request.headers.get(self.auth["token_header"], "").strip()
        prefix = self.auth.get("token_prefix", "").strip()
        if prefix and value[:len(prefix)].lower() == prefix.lower() and value[len(prefix):len(prefix) + 1] == " ":
            value = value[len(prefix):].strip()
        elif prefix and self.ctx.fault("bare-token-refused"):
            return None
        return self.sessions.user_for(value) if value else None

    def admit(self, request: Request, *, token: bool = True) -> None:
        """API key, then the rate limit, then (unless authenticating) the token, then the version."""
        key = self._api_key(request)
        self._throttle(key)
        if token and not self.ctx.fault("bad-token-accepted") and self._token(request) is None:
            raise self.deny(self.status["bad_token"])
        asked = self.versions.invalid(request.headers)
        if asked is not None:
            accepted = ", ".join(self.versions.accepted)
            raise self.deny(self.status.get("invalid_version", self.status["invalid_query"]),
                            f"{self.versions.request_header} must be one of {accepted}; got {asked!r}")

    # -- endpoints -----------------------------------------------------------------------------
    async def authenticate(self, request: Request, served: str) -> Response:
        self.admit(request, token=False)
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise self.deny(self.status["missing_auth_fields"], "the body must be a JSON object")
        given = {str(k).lower(): v for k, v in body.items()}    # bound without regard to case
        fields: dict[str, str] = self.auth["token_body"]
        missing = [f for f in fields if not isinstance(given.get(f.lower()), str) or not given[f.lower()]]
        if missing:
            status = self.status["bad_token"] if self.ctx.fault("missing-auth-fields-401") else \
                self.status["missing_auth_fields"]
            raise self.deny(status, *(f"'{f}' is required" for f in missing))
        for name, credential in fields.items():
            if not secrets.compare_digest(given[name.lower()].encode(), self.ctx.credentials[credential].encode()):
                raise self.deny(self.status["bad_token"], message="Invalid credentials.")
        user = next((f for f, c in fields.items() if c == "LMSCONF_USERNAME"), next(iter(fields)))
        token = self.sessions.issue(given[user.lower()])
        return JSONResponse({"token": token} if self.ctx.fault("token-as-object") else token)

    def _scope(self, collection: Collection, request: Request) -> str | None:
        try:
            return collection.scope(self.ctx.store, request.path_params)
        except Missing as exc:
            raise self.deny(self.status["not_found"], message=str(exc)) from None

    async def list_items(self, request: Request, served: str) -> Response:
        self.admit(request)
        collection = self.collections.lists[request.scope["route"].path]
        scope = self._scope(collection, request)
        shape = self.versions.shape(collection.resource, served)
        params = request.query_params
        try:
            where = collection.where(params.get(self.profile.filtering.get("param", "_filter")))
            order = collection.order_by(params.get(self.profile.sorting.get("param", "_sort")), self.sorting,
                                        ignore_descending=self.ctx.fault("sort-descending-ignored"))
            page = self._paging(collection.resource, params)
        except (PagingError, QueryError) as exc:
            problems = exc.validations if isinstance(exc, PagingError) else [str(exc)]
            raise self.deny(self.status["invalid_query"], *problems) from None
        conditions = " AND ".join(f"({c})" for c in (scope, where) if c) or None
        if page is None or shape == "array":
            rows = self.ctx.store.select(collection.table, where=conditions, order_by=order,
                                         limit=self.versions.max_rows, offset=0)
            return JSONResponse([self.serve(collection, row) for row in rows])
        body = self._page(collection, page, conditions, order)
        return JSONResponse(body[collection.key] if shape == "bare-page" else body)

    def _paging(self, resource: Resource, params: Any) -> PageRequest | None:
        """The page asked for; checked on every endpoint that pages, even when the version asked
        answers unpaginated (assumed: the gateway validates _offset/_limit whatever the version)."""
        if not (resource.paginated or resource.versioned):
            return None
        policy = self.paging
        if self.ctx.fault("default-limit-100"):
            policy = dataclasses.replace(policy, default_limit=WRONG_DEFAULT_LIMIT)
        return page_request(params, policy, lenient=self.ctx.fault("paging-not-validated"))

    def _page(self, collection: Collection, page: PageRequest, where: str | None, order: str) -> dict[str, Any]:
        store, settings = self.ctx.store, self.profile.pagination
        total = store.count(collection.table, where)
        skip = page.offset if self.ctx.fault("offset-as-row-offset") else page.first_row
        never_empty = self.ctx.fault("pagination-never-empty") or (
            self.ctx.fault("courses-pagination-never-empty") and collection.resource.name == "courses")
        if never_empty and total and skip >= total:
            skip = (total - 1) // page.limit * page.limit
        rows = store.select(collection.table, where=where, order_by=order, limit=page.limit, offset=skip)
        items = [self.serve(collection, row) for row in rows]
        returned = page.limit if self.ctx.fault("returned-items-off") else len(items)
        offset = page.first_row if self.ctx.fault("offset-echo-rows") else page.offset
        return {
            settings.get("total_field", "totalItems"): total,
            settings.get("limit_field", "limit"): page.limit,
            settings.get("offset_field", "offset"): offset,
            settings.get("returned_field", "returnedItems"): returned,
            collection.key: items,
        }

    def serve(self, collection: Collection, row: Any) -> dict[str, Any]:
        return self.shape.row(collection.table, collection.source.hidden, row)

    async def get_item(self, request: Request, served: str) -> Response:
        self.admit(request)
        collection = self.collections.items[request.scope["route"].path]
        status = 500 if self.ctx.fault("unknown-user-500") else self.status["not_found"]
        scope = self._scope(collection, request)
        try:
            key = guid(request.path_params["id"], collection.not_found)
        except Missing as exc:
            raise self.deny(status, message=str(exc)) from None
        row = self.ctx.store.get(collection.table, key, scope)
        if row is None:
            raise self.deny(status, message=collection.not_found)
        return JSONResponse(self.serve(collection, row))

    # -- app -----------------------------------------------------------------------------------
    def versioned(self, handler: Handler, resource: Resource | None = None) -> Callable[[Request], Awaitable[Response]]:
        """The handler, with the served version named on its answer (errors included)."""
        async def endpoint(request: Request) -> Response:
            served = self.versions.served(request.headers, resource)
            try:
                response = await handler(request, served)
            except Denied as denied:
                response = denied.response
            response.headers.update(self.versions.stamp(served))
            return response
        return endpoint

    def routes(self) -> list[Route]:
        routes = [Route(route_template(self.auth["token_path"]), self.versioned(self.authenticate), methods=["POST"])]
        routes += self.writes.routes()
        routes += [Route(path, self.versioned(self.list_items, c.resource), methods=["GET"])
                   for path, c in self.collections.lists.items()]
        routes += [Route(path, self.versioned(self.get_item, c.resource), methods=["GET"])
                   for path, c in self.collections.items.items()]
        return routes

    def app(self) -> Starlette:
        return Starlette(routes=self.routes(), exception_handlers=error_handlers(self.errors))


def portal_profiles(profile: Profile) -> tuple[Profile, Profile]:
    """(v1.5 profile, v1 profile) of the portal a profile belongs to: the legacy API is the one served
    under a base path; the v1.5 profile names it as its versions counterpart."""
    if profile.raw.get("simulator_base_path"):
        return load(V1_5), profile
    return profile, load(str(profile.section("versions").get("counterpart", "absorb-v1")))


def compat_faults(ctx: SimContext) -> SimContext:
    """A compatibility-mode portal shares the v1.5 code: fault ``compat-<name>`` (its own catalogue entry,
    run under absorb-v1_5-compat) switches on behaviour ``<name>`` there."""
    aliases = {name[len(COMPAT_FAULT):] for name in ctx.faults if name.startswith(COMPAT_FAULT)}
    return dataclasses.replace(ctx, faults=ctx.faults | aliases) if aliases else ctx


def build(ctx: SimContext) -> Starlette:
    v15_profile, v1_profile = portal_profiles(ctx.profile)
    ids = random.Random(f"lmsconf-absorb-writes-{ctx.profile.id}")   # new ids: deterministic per run
    compat = bool(v15_profile.section("simulator").get("compat"))
    v15 = AbsorbApi(compat_faults(ctx) if compat else ctx, v15_profile, ids)
    v1 = V1Api(ctx, v1_profile, ids)
    base = route_template(str(v1_profile.raw["simulator_base_path"]))
    versions = v15.versions

    def served(headers: Any) -> str | None:
        return versions.stamp(versions.served(headers)).get(versions.response_header)

    gateway = Middleware(Gateway, response_header=versions.response_header, served=served, unversioned=[base],
                         bare_errors=v15.ctx.fault("version-header-missing-on-errors"))
    # A path no mount matches (one with a newline in it: a mount's pattern stops there) is still answered in
    # the v1.5 error body, as every other unknown path
    return Starlette(routes=[Mount(base, app=v1.app()), Mount("", app=v15.app())], middleware=[gateway],
                     exception_handlers=error_handlers(v15.errors))
