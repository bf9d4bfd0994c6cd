"""v1.5 user writes: ``PUT /users/{id}``, ``POST /users/upload`` and ``DELETE /users/{id}``.

The routes hang off the profile's writable user resource (``writable = true``).
PUT answers 200 with the user as it now is; upload answers 200 with
``[{"key": <user id>, "value": <username>}]`` (VENDOR-FACTS, a real client);
DELETE answers 204 (assumed: no source documents it; the profile says so).
A refused body is a GenericErrorResponse naming each problem, with the profile's ``invalid_body`` status
(v1.5: 422, VENDOR-FACTS "422 A validation error occurred" for bad body values).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.simulator.dialects.gateway import route_template
from conformance.vendors.absorb.simulator.collections import Collection, Missing, guid
from conformance.vendors.absorb.simulator.shapes import pascal_keys
from conformance.vendors.absorb.simulator.users import UPLOAD_MAX, Invalid, UserWriter

if TYPE_CHECKING:
    from conformance.vendors.absorb.simulator.portal import AbsorbApi

INVALID_BODY = 400   # assumed: VENDOR-FACTS "400 when body fields are missing" (authenticate), same here


async def json_body(request: Request) -> Any:
    """The parsed body, or None when it is not JSON."""
    try:
        return await request.json()
    except ValueError:
        return None


class V15Writes:
    def __init__(self, api: AbsorbApi, writer: UserWriter) -> None:
        self.api = api
        self.writer = writer
        users = [c for c in api.collections.lists.values() if c.resource.writable and c.table == "users"]
        self.users: Collection | None = users[0] if users else None

    @property
    def bad_body(self) -> int:
        return int(self.api.status.get("invalid_body", INVALID_BODY))

    def _key(self, request: Request) -> str:
        assert self.users is not None
        try:
            return guid(request.path_params["id"], self.users.not_found)
        except Missing as exc:
            raise self.api.deny(self.api.status["not_found"], message=str(exc)) from None

    def _answer(self, key: str) -> Response:
        assert self.users is not None
        row = self.api.ctx.store.get("users", key)
        return JSONResponse(self.api.serve(self.users, row))

    async def put_user(self, request: Request, served: str) -> Response:
        self.api.admit(request)
        key = self._key(request)
        try:
            found = self.writer.update(key, await json_body(request))
        except Invalid as exc:
            raise self.api.deny(self.bad_body, *exc.validations) from None
        if not found:
            raise self.api.deny(self.api.status["not_found"], message=self.users.not_found if self.users else None)
        return self._answer(key)

    async def upload(self, request: Request, served: str) -> Response:
        self.api.admit(request)
        documented = int(self.api.profile.section("writes").get("upload_max", UPLOAD_MAX))
        limit = None if self.api.ctx.fault("upload-limit-unenforced") else documented
        try:
            written = self.writer.upload(await json_body(request), limit=limit)
        except Invalid as exc:
            raise self.api.deny(self.bad_body, *exc.validations) from None
        if self.api.ctx.fault("upload-wrong-answer") and self.users is not None:
            store = self.api.ctx.store
            return JSONResponse([self.api.serve(self.users, store.get("users", key)) for key, _ in written])
        pairs = [{"key": key, "value": username} for key, username in written]
        return JSONResponse(pascal_keys(pairs) if self.api.shape.compat else pairs)

    async def delete_user(self, request: Request, served: str) -> Response:
        self.api.admit(request)
        if not self.writer.delete(self._key(request)):
            raise self.api.deny(self.api.status["not_found"], message=self.users.not_found if self.users else None)
        return Response(status_code=204)

    def routes(self) -> list[Route]:
        if self.users is None or not self.users.resource.item_path:
            return []
        resource, wrap = self.users.resource, self.api.versioned
        item = route_template(resource.item_path or "")
        return [
            Route(route_template(resource.path + "/upload"), wrap(self.upload, resource), methods=["POST"]),
            Route(item, wrap(self.put_user, resource), methods=["PUT"]),
            Route(item, wrap(self.delete_user, resource), methods=["DELETE"]),
        ]
