"""The simulated iHASCO Client REST API: one Starlette app at the server's root.

``build(ctx)`` assembles the users collection, a user by identifier (GET, PATCH) and a user's results behind
the ``Front`` middleware (token guard, per-token minute). Every error - the routing's 404 for an unknown path,
its 405 for a method a path does not take (with ``Allow``), an unexpected crash's 500 - is an errors body
with the profile's Content-Type. The app keeps its ``Throttle`` (``state.throttle``) and ``Limiter`` on
``app.state``; ``state.extra_credentials`` announces the second and removed tokens and the account's name;
``state.hooks["reset-throttles"]`` forgets every count.
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
from conformance.simulator.dialects.gateway import allowed
from conformance.simulator.windows import Throttle
from conformance.vendors.ihasco.simulator.envelopes import JSON_TYPE, Denied, Writer
from conformance.vendors.ihasco.simulator.front import Front, Limiter, Policy
from conformance.vendors.ihasco.simulator.handlers import Handlers
from conformance.vendors.ihasco.simulator.tokens import Tokens, extra_credentials

PROFILES = ("ihasco",)
ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]



def error_handlers(writer: Writer) -> dict[Any, ErrorHandler]:
    async def on_denied(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Denied)
        return exc.response

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed(request)
            return writer.error(405, "Method Not Allowed", f"{request.url.path} does not take {request.method}.",
                                headers)
        if exc.status_code == 404:
            return writer.error(404, "Not Found", f"There is no resource at {request.url.path}.", headers)
        return writer.error(exc.status_code, "Error", str(exc.detail), headers)

    async def on_crash(request: Request, exc: Exception) -> Response:
        return writer.error(500, "Internal Server Error", "An unexpected error occurred.")

    return {Denied: on_denied, HTTPException: on_http_error, Exception: on_crash}


def routes(handlers: Handlers) -> list[Route]:
    return [Route("/users", handlers.list_users, methods=["GET"]),
            Route("/users/{identifier}", handlers.get_user, methods=["GET"]),
            Route("/users/{identifier}", handlers.patch_user, methods=["PATCH"]),
            Route("/users/{identifier}/results", handlers.list_results, methods=["GET"])]


def build(ctx: SimContext) -> Starlette:
    fault = ctx.fault
    media = ctx.profile.section("media")
    writer = Writer(str(media.get("response_content_type", JSON_TYPE)), plain_errors=fault("ihasco-error-body-plain"),
                    empty_summary=fault("validation-summary-missing"))
    tokens = Tokens.from_credentials(ctx.credentials, accept_any=fault("ihasco-bad-token-accepted"),
                                     removed_live=fault("removed-token-accepted"))
    settings = ctx.profile.ratelimit
    throttle = Throttle.from_profile(settings, ctx.clock, shared=True, unenforced=(
        [str(w["period"]) for w in settings.get("windows", ())] if fault("ihasco-limit-unenforced") else []))
    limiter = Limiter(throttle, fault)
    policy = Policy(tokens, limiter, writer, ctx.profile.status["bad_token"],
                    ctx.profile.status.get("rate_limited", 429), fault)
    app = Starlette(routes=routes(Handlers(ctx, writer)), middleware=[Middleware(Front, policy=policy)],
                    exception_handlers=error_handlers(writer))
    app.router.redirect_slashes = False
    app.state.throttle = throttle
    app.state.limiter = limiter
    app.state.extra_credentials = extra_credentials(ctx.credentials)
    app.state.hooks = {"reset-throttles": limiter.reset}
    return app
