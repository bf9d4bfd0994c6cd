"""Absorb LMS Restful API v1.5 (seed 003_09d5ed03fea4db3d.txt), served at the gateway root.

Auth: ``x-api-key`` on every call, ``POST /authenticate`` with
``{username, password, privateKey}`` answering the token as a JSON string,
then ``Authorization: Bearer <token>`` (the bare token is accepted too, as a
real client sends it). Collections page by page index (``_offset``, ``_limit``)
with ``_sort`` and an OData ``_filter``, wrapped in ``{totalItems, limit,
offset, returnedItems, <collection>}``. Every error is a GenericErrorResponse.
Every setting the profile has (statuses, header names, limits, rates) is read
from it; the faults in ``ctx.faults`` bend the behaviour they name.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from conformance.simulator.context import SimContext
from conformance.simulator.dialects.absorb_collections import Collection, collections_for
from conformance.simulator.dialects.gateway import GatewayHeaders
from conformance.simulator.paging import PagingError, PagingPolicy, page_request
from conformance.simulator.query import QueryError, SortPolicy
from conformance.simulator.ratelimit import RateLimiter
from conformance.simulator.sessions import Sessions
from conformance.simulator.store import to_json

PROFILES = ("absorb-v1_5",)
ACCEPTED_VERSIONS = ("1.5.0", "1.5.1")   # seed Appendix D: "x-api-version header of 1.5.0 or 1.5.1"
_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("The request is invalid.", "BadRequest"),
    401: ("Authorization has been denied for this request.", "Unauthorized"),
    403: ("Forbidden", "Forbidden"),
    404: ("Resource not found", "NotFound"),
    405: ("The requested method is not allowed.", "MethodNotAllowed"),
    422: ("A validation error occurred", "ValidationError"),
    429: ("Too many requests", "TooManyRequests"),
    500: ("An error has occurred.", "InternalServerError"),
}


class Denied(Exception):
    """Raised by a guard; the app answers with the response it carries."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class AbsorbApi:
    """The routes, guards and error shape of one simulated Absorb v1.5 portal."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        profile = ctx.profile
        self.auth, self.status, self.versions = profile.auth, profile.status, profile.section("versions")
        self.sessions = Sessions(float(self.auth["token_lifetime_s"]), ctx.clock)
        early = float(profile.ratelimit.get("burst", 100)) if ctx.fault("rate-limit-early") else None
        self.limiter = RateLimiter.from_profile(profile.ratelimit, ctx.clock, capacity=early,
                                                enabled=not ctx.fault("no-rate-limit"))
        self.paging = PagingPolicy.from_profile(profile.pagination)
        self.sorting = SortPolicy.from_profile(profile.sorting)
        self.collections = collections_for(profile, ctx.store,
                                           startswith_anywhere=ctx.fault("filter-startswith-anywhere"))

    # -- responses -----------------------------------------------------------------------------
    def error(self, status: int, *validations: str, message: str | None = None,
              headers: dict[str, str] | None = None) -> Response:
        """A GenericErrorResponse: {validations, code, message, term, _meta}."""
        if self.ctx.fault("error-body-plain"):
            return PlainTextResponse("error", status, headers=headers)
        default_message, term = _MESSAGES.get(status, ("An error has occurred.", "Error"))
        body = {"validations": list(validations), "code": status, "message": message or default_message,
                "term": term, "_meta": {}}
        return JSONResponse(body, status, headers=headers)

    def deny(self, status: int, *validations: str, **kwargs: Any) -> Denied:
        return Denied(self.error(status, *validations, **kwargs))

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
            raise self.deny(self.status["rate_limited"], headers={"Retry-After": str(retry_after)})

    def _token(self, request: Request) -> str | None:
        value = request.headers.get(self.auth["token_header"], "").strip()
        prefix = self.auth.get("token_prefix", "").strip()
        if prefix and value[:len(prefix)].lower() == prefix.lower() and value[len(prefix):len(prefix) + 1] == " ":
            value = value[len(prefix):].strip()
        return self.sessions.user_for(value) if value else None

    def _version(self, request: Request) -> None:
        asked = request.headers.get(self.versions.get("request_header", "x-api-version"))
        if asked is not None and asked.strip() not in ACCEPTED_VERSIONS:
            raise self.deny(self.status["invalid_query"],
                            f"x-api-version must be one of {', '.join(ACCEPTED_VERSIONS)}; got {asked!r}")

    def admit(self, request: Request, *, token: bool = True) -> None:
        """API key, then the rate limit, then (unless authenticating) the token, then the version."""
        key = self._api_key(request)
        self._throttle(key)
        if token and not self.ctx.fault("bad-token-accepted") and self._token(request) is None:
            raise self.deny(self.status["bad_token"])
        self._version(request)

    # -- endpoints -----------------------------------------------------------------------------
    async def authenticate(self, request: Request) -> Response:
        self.admit(request, token=False)
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise self.deny(self.status["missing_auth_fields"], "the body must be a JSON object")
        fields: dict[str, str] = self.auth["token_body"]
        missing = [f for f in fields if not isinstance(body.get(f), str) or not body[f]]
        if missing:
            raise self.deny(self.status["missing_auth_fields"], *(f"'{f}' is required" for f in missing))
        for field, credential in fields.items():
            if not secrets.compare_digest(body[field].encode(), self.ctx.credentials[credential].encode()):
                raise self.deny(self.status["bad_token"], message="Invalid credentials.")
        token = self.sessions.issue(body["username"])
        return JSONResponse({"token": token} if self.ctx.fault("token-as-object") else token)

    async def list_items(self, request: Request) -> Response:
        self.admit(request)
        collection = self.collections.lists[request.scope["route"].path]
        params = request.query_params
        try:
            page = page_request(params, self.paging, lenient=self.ctx.fault("paging-not-validated"))
            where = collection.where(params.get(self.ctx.profile.filtering.get("param", "_filter")))
            order = collection.order_by(params.get(self.sorting_param), self.sorting,
                                        ignore_descending=self.ctx.fault("sort-descending-ignored"))
        except (PagingError, QueryError) as exc:
            problems = exc.validations if isinstance(exc, PagingError) else [str(exc)]
            raise self.deny(self.status["invalid_query"], *problems) from None
        return JSONResponse(self._page(collection, page.offset, page.limit, page.first_row, where, order))

    @property
    def sorting_param(self) -> str:
        return str(self.ctx.profile.sorting.get("param", "_sort"))

    def _page(self, collection: Collection, offset: int, limit: int, first_row: int,
              where: str | None, order: str) -> dict[str, Any]:
        store, faults, settings = self.ctx.store, self.ctx.faults, self.ctx.profile.pagination
        total = store.count(collection.table, where)
        skip = offset if "offset-as-row-offset" in faults else first_row
        if "pagination-never-empty" in faults and total and skip >= total:
            skip = (total - 1) // limit * limit
        rows = store.select(collection.table, where=where, order_by=order, limit=limit, offset=skip)
        items = [self._serve(collection.table, row) for row in rows]
        return {
            settings.get("total_field", "totalItems"): total,
            settings.get("limit_field", "limit"): limit,
            settings.get("offset_field", "offset"): first_row if "offset-echo-rows" in faults else offset,
            settings.get("returned_field", "returnedItems"): limit if "returned-items-off" in faults else len(items),
            collection.key: items,
        }

    def _serve(self, table: str, row: Any) -> dict[str, Any]:
        body = to_json(table, row) or {}
        if table == "users" and self.ctx.fault("user-field-wrong-type") and row["seq"] % 97 == 0:
            body["activeStatus"] = "Active" if body["activeStatus"] == 0 else "Inactive"
        return body

    async def get_item(self, request: Request) -> Response:
        self.admit(request)
        collection = self.collections.items[request.scope["route"].path]
        status = 500 if self.ctx.fault("unknown-user-500") else self.status["not_found"]
        try:
            key = str(uuid.UUID(request.path_params["id"]))
        except ValueError:
            raise self.deny(status, message=collection.not_found) from None
        row = self.ctx.store.get(collection.table, key)
        if row is None:
            raise self.deny(status, message=collection.not_found)
        return JSONResponse(self._serve(collection.table, row))

    # -- app -----------------------------------------------------------------------------------
    def routes(self) -> list[Route]:
        routes = [Route(self.auth["token_path"], self.authenticate, methods=["POST"])]
        routes += [Route(path, self.list_items, methods=["GET"]) for path in self.collections.lists]
        routes += [Route(path, self.get_item, methods=["GET"]) for path in self.collections.items]
        return routes

    async def on_denied(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Denied)
        return exc.response

    async def on_http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return self.error(exc.status_code, headers=dict(exc.headers or {}))

    async def on_crash(self, request: Request, exc: Exception) -> Response:
        return self.error(500)


def build(ctx: SimContext) -> Starlette:
    api = AbsorbApi(ctx)
    versions = ctx.profile.section("versions")
    headers = Middleware(
        GatewayHeaders, request_header=versions.get("request_header", "x-api-version"),
        response_header=versions.get("response_header", "x-api-version"),
        default=str(ctx.profile.raw.get("default_version", ACCEPTED_VERSIONS[-1])), accepted=ACCEPTED_VERSIONS,
    )
    return Starlette(
        routes=api.routes(), middleware=[headers],
        exception_handlers={Denied: api.on_denied, HTTPException: api.on_http_error, Exception: api.on_crash},
    )
