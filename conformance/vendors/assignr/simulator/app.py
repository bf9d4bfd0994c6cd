"""The simulated Assignr API v2: one Starlette app, the API under the profile's ``simulator_base_path``
(``/api/v2``) and the token endpoint at ``/oauth/token`` (and under the base path: the profile's
``token_path`` is joined to the base URL's origin, and a client may join it to the whole base URL).

``build(ctx)`` puts the ``Front`` middleware (doubled slashes, token guard, rate limits) before the routes.
Every error - the routing's 404 for an unknown path, its 405 for a method a path does not take (with
``Allow``), an unexpected crash's 500 - is an error body with the HAL type. ``state.hooks``: ``charge(period,
count, token=None)`` adds hits to a window of one token or of every issued token, ``reset-throttles`` forgets
every count. Under fault http-not-redirected ``state.plain_http_serves_api`` tells the server to serve this app
on its plain-HTTP port instead of the redirect.
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
from conformance.vendors.assignr.simulator.front import Front, Limits, Policy
from conformance.vendors.assignr.simulator.hal import HAL_TYPE, JSON_TYPE, Denied, Writer
from conformance.vendors.assignr.simulator.handlers import Handlers
from conformance.vendors.assignr.simulator.tokens import CLIENT_ID, CLIENT_SECRET, Tokens

PROFILES = ("assignr",)
FIVE_MINUTES = "5 Minutes"
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
            return writer.error(405, f"{request.url.path} does not take {request.method}.", headers)
        if exc.status_code == 404:
            return writer.error(404, f"Couldn't find anything at {request.url.path}.", headers)
        return writer.error(exc.status_code, str(exc.detail), headers)

    async def on_crash(request: Request, exc: Exception) -> Response:
        return writer.error(500, "An unexpected error occurred.")

    return {Denied: on_denied, HTTPException: on_http_error, Exception: on_crash}


def routes(base: str, token_path: str, handlers: Handlers, tokens: Tokens) -> list[Route]:
    return [
        Route(token_path, tokens.endpoint, methods=["POST"]),
        Route(base + token_path, tokens.endpoint, methods=["POST"]),
        Route(base + "/sites", handlers.list_sites, methods=["GET"]),
        Route(base + "/sites/{site_id}", handlers.get_site, methods=["GET"]),
        Route(base + "/sites/{site_id}/games", handlers.list_games, methods=["GET"]),
        Route(base + "/sites/{site_id}/games", handlers.create_game, methods=["POST"]),
        Route(base + "/sites/{site_id}/users", handlers.list_users, methods=["GET"]),
        Route(base + "/sites/{site_id}/users", handlers.create_user, methods=["POST"]),
        Route(base + "/sites/{site_id}/venues", handlers.list_venues, methods=["GET"]),
        Route(base + "/games/{game_id}", handlers.get_game, methods=["GET"]),
        Route(base + "/games/{game_id}", handlers.update_game, methods=["PUT"]),
        Route(base + "/games/{game_id}", handlers.delete_game, methods=["DELETE"]),
        Route(base + "/users/{user_id}", handlers.get_user, methods=["GET"]),
        Route(base + "/games/{game_id}/assignments/{item_id}", handlers.get_assignment, methods=["GET"]),
        Route(base + "/users/{user_id}/availability", handlers.list_availability, methods=["GET"]),
        Route(base + "/users/{user_id}/availability/{item_id}", handlers.get_availability, methods=["GET"]),
        Route(base + "/venues/{venue_id}", handlers.get_venue, methods=["GET"]),
    ]


def build(ctx: SimContext) -> Starlette:
    fault = ctx.fault
    profile = ctx.profile
    base = str(profile.raw.get("simulator_base_path", "")).rstrip("/")
    token_path = "/" + str(profile.auth.get("token_path", "/oauth/token")).lstrip("/")
    media = profile.section("media")
    writer = Writer(JSON_TYPE if fault("hal-type-missing") else str(media.get("response_content_type", HAL_TYPE)),
                    400 if fault("validation-as-400") else int(profile.status.get("invalid_body", 422)))
    tokens = Tokens(ctx.credentials[CLIENT_ID], ctx.credentials[CLIENT_SECRET], ctx.clock,
                    float(profile.auth.get("token_lifetime_s", 7199)))
    tokens.epoch_base -= ctx.clock()
    throttle = Throttle.from_profile(profile.ratelimit, ctx.clock, shared=True,
                                     unenforced=[FIVE_MINUTES] if fault("five-minute-window-unenforced") else [])
    limits = Limits(throttle, tokens, fault)
    policy = Policy(tokens, limits, writer, frozenset({token_path, base + token_path}),
                    int(profile.status["bad_token"]), int(profile.status.get("rate_limited", 429)))
    handlers = Handlers(ctx, writer, base)
    app = Starlette(routes=routes(base, token_path, handlers, tokens), middleware=[Middleware(Front, policy=policy)],
                    exception_handlers=error_handlers(writer))
    app.router.redirect_slashes = False
    app.state.throttle = throttle
    app.state.tokens = tokens
    app.state.plain_http_serves_api = fault("http-not-redirected")
    app.state.hooks = {"charge": limits.charge, "reset-throttles": limits.reset}
    return app
