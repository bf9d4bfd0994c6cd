"""The simulated LearningStudio REST API: one Starlette app at the server's root.

``build(ctx)`` assembles the token endpoint and every endpoint of ``handlers`` behind the ``Front`` middleware
(server-error switch, ``.xml`` suffix, token guard, rate limit). Every error - the routing's 404 for an unknown
path (fault unknown-path-400: 400), its 405 for a method a path does not take (with ``Allow``), an unexpected
crash's 500 - is an error body of the one shape. ``state.extra_credentials`` announces the two students'
logins; ``state.hooks["fail"](status, next=0, share=0.0)`` switches server errors on (``fail(0)`` clears it)
and ``state.hooks["reset-ratelimit"]()`` forgets every rate-limit count.
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
from conformance.vendors.learningstudio.simulator.auth import Auth
from conformance.vendors.learningstudio.simulator.envelopes import (
    INVALID_REQUEST,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    Denied,
    Writer,
)
from conformance.vendors.learningstudio.simulator.front import Front, Policy, Switch, limiter
from conformance.vendors.learningstudio.simulator.handlers import Handlers
from conformance.vendors.learningstudio.simulator.tokens import extra_credentials

PROFILES = ("learningstudio",)
ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]
ATTEMPTS = "/users/{userId}/courses/{courseId}/exams/{examId}/attempts"
ANNOUNCEMENTS = "/courses/{courseId}/announcements"



def error_handlers(writer: Writer, unknown_path_400: bool) -> dict[Any, ErrorHandler]:
    async def on_denied(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Denied)
        return exc.response

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed(request)
            return writer.error(405, METHOD_NOT_ALLOWED, f"{request.url.path} does not take {request.method}.",
                                headers)
        if exc.status_code == 404:
            if unknown_path_400:
                return writer.error(400, INVALID_REQUEST, f"There is no resource at {request.url.path}.", headers)
            return writer.error(404, NOT_FOUND, f"There is no resource at {request.url.path}.", headers)
        return writer.error(exc.status_code, INVALID_REQUEST, str(exc.detail), headers)

    async def on_crash(request: Request, exc: Exception) -> Response:
        return writer.error(500, "server_error", "An unexpected error occurred.")

    return {Denied: on_denied, HTTPException: on_http_error, Exception: on_crash}


def routes(token_path: str, auth: Auth, h: Handlers) -> list[Route]:
    return [
        Route(token_path, auth.token, methods=["POST"]),
        Route("/me", h.get_me, methods=["GET"]),
        Route("/me/courses", h.my_courses, methods=["GET"]),
        Route("/courses/{courseId}", h.get_course, methods=["GET"]),
        Route("/courses/{courseId}/enrolledUsers", h.enrolled_users, methods=["GET"]),
        Route("/courses/{courseId}/exams", h.list_exams, methods=["GET"]),
        Route("/courses/{courseId}/exams/{examId}", h.get_exam, methods=["GET"]),
        Route(ATTEMPTS, h.list_attempts, methods=["GET"]),
        Route(ATTEMPTS, h.start_attempt, methods=["POST"]),
        Route(ATTEMPTS + "/{attemptId}", h.get_attempt, methods=["GET"]),
        Route("/users/{userId}/courses/{courseId}/grades", h.grades, methods=["GET"]),
        Route("/systemDateTime", h.system_date_time, methods=["GET"]),
        Route(ANNOUNCEMENTS, h.list_announcements, methods=["GET"]),
        Route(ANNOUNCEMENTS, h.create_announcement, methods=["POST"]),
        Route(ANNOUNCEMENTS + "/{announcementId}", h.get_announcement, methods=["GET"]),
        Route(ANNOUNCEMENTS + "/{announcementId}", h.update_announcement, methods=["PUT"]),
        Route(ANNOUNCEMENTS + "/{announcementId}", h.delete_announcement, methods=["DELETE"]),
    ]


def build(ctx: SimContext) -> Starlette:
    fault = ctx.fault
    writer = Writer(forbidden_as_404=fault("forbidden-as-404"))
    auth = Auth(ctx, writer)
    handlers = Handlers(ctx, writer)
    token_path = str(ctx.profile.auth.get("token_path", "/token"))
    switch = Switch(fault)
    rate = limiter(dict(ctx.profile.ratelimit), ctx.clock, fault)
    policy = Policy(auth, rate, switch, writer, token_path, int(ctx.profile.status.get("rate_limited", 429)))
    app = Starlette(routes=routes(token_path, auth, handlers), middleware=[Middleware(Front, policy=policy)],
                    exception_handlers=error_handlers(writer, fault("unknown-path-400")))
    app.router.redirect_slashes = False
    app.state.auth = auth
    app.state.switch = switch
    app.state.limiter = rate
    app.state.extra_credentials = extra_credentials(ctx.credentials)
    app.state.hooks = {"fail": switch.set, "reset-ratelimit": rate.buckets.clear}
    return app
