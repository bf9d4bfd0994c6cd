"""The simulated QS Enrolment Solutions CRMS API: one Starlette app under the profile's base path.

``build(ctx)`` assembles the token endpoint, Diagnostics (the profile's ``auth.open_paths``), every profile
resource (collection, record, POST, PUT, DELETE) and the upsert-contact process behind the ``Front``
middleware. Every error the routing raises (404 unknown path, 405 method) is a ``{"Message"}`` body with the
profile's Content-Type; an unexpected crash answers 500 the same way. The app keeps its ``Throttle`` and
``Auth`` on ``app.state`` for the test hooks in ``hooks``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.simulator.context import SimContext
from conformance.simulator.dialects.gateway import allowed, route_template
from conformance.simulator.windows import Throttle
from conformance.vendors.qses.simulator.auth import Auth
from conformance.vendors.qses.simulator.envelopes import CRASHED, Denied, Writer
from conformance.vendors.qses.simulator.front import Front, Policy
from conformance.vendors.qses.simulator.handlers import UPSERT_CONTACT, Handlers
from conformance.vendors.qses.simulator.hooks import charge, reset_throttles
from conformance.vendors.qses.simulator.tokens import restricted_credentials

PROFILES = ("qses",)
HOUR = "Hour"   # the window fault hour-window-unenforced leaves unenforced
ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]



def error_handlers(writer: Writer) -> dict[Any, ErrorHandler]:
    async def on_denied(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Denied)
        return exc.response

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            message = f"The requested resource does not support http method '{request.method}'."
            headers["Allow"] = allowed(request)
        elif exc.status_code == 404:
            message = f"No HTTP resource was found that matches the request URI '{request.url}'."
        else:
            message = str(exc.detail)
        return writer.error(exc.status_code, message, headers)

    async def on_crash(request: Request, exc: Exception) -> Response:
        return writer.error(500, CRASHED)

    return {Denied: on_denied, HTTPException: on_http_error, Exception: on_crash}


def routes(ctx: SimContext, writer: Writer, auth: Auth) -> list[Route]:
    base = route_template(str(ctx.profile.raw.get("simulator_base_path", "")))
    handlers = Handlers(ctx, writer, auth)

    def at(path: str) -> str:
        return base + route_template(path)

    found = [Route(at(str(ctx.profile.auth["token_path"])), auth.token, methods=["POST"])]
    found += [Route(at(str(path)), handlers.diagnostics, methods=["GET"])
              for path in ctx.profile.auth.get("open_paths", ())]
    for served in handlers.resources:
        found += [Route(at(served.resource.path), handlers.list_items(served), methods=["GET"]),
                  Route(at(served.resource.path), handlers.create(served), methods=["POST"]),
                  Route(at(served.item_path), handlers.get_item(served), methods=["GET"]),
                  Route(at(served.item_path), handlers.replace(served), methods=["PUT"]),
                  Route(at(served.item_path), handlers.delete(served), methods=["DELETE"])]
        if served.table.name == "contacts":
            found.append(Route(at(UPSERT_CONTACT), handlers.upsert_contact(served), methods=["POST"]))
    return found


def build(ctx: SimContext) -> Starlette:
    fault = ctx.fault
    writer = Writer.from_profile(ctx.profile.section("media"), charset_missing=fault("charset-missing"),
                                 plain_errors=fault("qses-error-body-plain"))
    auth = Auth(ctx, writer)
    settings = ctx.profile.ratelimit
    throttle = Throttle.from_profile(settings, ctx.clock, shared=fault("throttle-shared"),
                                     unenforced=[HOUR] if fault("hour-window-unenforced") else [])
    policy = Policy(throttle, str(settings.get("reason", "{limit} per {period}")),
                    ctx.profile.status.get("rate_limited", 429), writer, fault)
    app = Starlette(routes=routes(ctx, writer, auth), middleware=[Middleware(Front, policy=policy)],
                    exception_handlers=error_handlers(writer))
    app.state.throttle = throttle
    app.state.auth = auth
    app.state.base_path = route_template(str(ctx.profile.raw.get("simulator_base_path", "")))
    # what the generic Simulator offers suites: the restricted account, and filling a throttle window's count
    app.state.extra_credentials = restricted_credentials(ctx.credentials)
    app.state.hooks = {"charge": lambda endpoint, period, count: charge(app, endpoint, period, count),
                       "reset-throttles": lambda: reset_throttles(app)}
    return app
