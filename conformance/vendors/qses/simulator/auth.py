"""The token endpoint and the authorisation guard.

Seed 002 "Authentication and Authorisation": ``POST api/token`` form-encoded ``grant_type=password&username=
&password=`` answers ``{"access_token", "token_type": "bearer", "expires_in"}``; bad credentials answer the
OAuth error ``{"error": "invalid_grant", "error_description": "The user name, password or account is
invalid."}`` (status 400, RFC 6749 5.2); any other grant, refresh included ("cannot be refreshed"), answers
``{"error": "unsupported_grant_type"}``. Every endpoint but Diagnostics needs ``Authorization: Bearer
<token>``; a missing, unknown or expired token, and an account calling an endpoint it is not granted, answer
401 ``{"Message": "Authorization has been denied for this request."}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from conformance.simulator.context import SimContext
from conformance.vendors.qses.simulator.envelopes import DENIED, Writer
from conformance.vendors.qses.simulator.tokens import (
    MAIN,
    RESTRICTED,
    RESTRICTED_GRANTS,
    Tokens,
    accounts,
    find_account,
)

FORM_TYPE = "application/x-www-form-urlencoded"
INVALID_GRANT = "The user name, password or account is invalid."
NO_CACHE = {"Cache-Control": "no-cache", "Pragma": "no-cache", "Expires": "-1"}   # as OWIN's token endpoint


def token_lifetime(ctx: SimContext) -> float:
    """The profile's token lifetime, unless the simulator options shorten it (``[simulator]
    token_lifetime_s``, for tests)."""
    configured = ctx.profile.section("simulator").get("token_lifetime_s")
    return float(configured if configured is not None else ctx.profile.auth["token_lifetime_s"])


@dataclass
class Auth:
    ctx: SimContext
    writer: Writer

    def __post_init__(self) -> None:
        fault = self.ctx.fault
        self.status = self.ctx.profile.status
        self.accounts = accounts(self.ctx.credentials)
        self.lifetime_s = token_lifetime(self.ctx)
        self.tokens = Tokens(self.lifetime_s, self.ctx.clock, never_expire=fault("token-never-expires"),
                             stale_renewal=fault("token-renewal-stale"))
        prefix = str(self.ctx.profile.auth.get("token_prefix", "Bearer ")).strip()
        self.scheme = prefix.lower()
        self.header = str(self.ctx.profile.auth.get("token_header", "Authorization"))
        self.grants = frozenset((method, path.lower()) for method, path in RESTRICTED_GRANTS)

    # -- the token endpoint ---------------------------------------------------------------------
    async def _form(self, request: Request) -> dict[str, str]:
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != FORM_TYPE:
            return {}
        body = (await request.body()).decode("utf-8", errors="replace")
        return dict(parse_qsl(body, keep_blank_values=True))

    def _oauth_error(self, error: str, description: str | None = None) -> Response:
        body = {"error": error} if description is None else {"error": error, "error_description": description}
        return self.writer.error_body(self.status.get("invalid_credentials", 400), body, NO_CACHE)

    async def token(self, request: Request) -> Response:
        form = await self._form(request)
        grant = form.get("grant_type")
        fault = self.ctx.fault
        if grant == "password":
            account = find_account(self.accounts, form.get("username", ""), form.get("password", ""),
                                   case_sensitive_username=fault("username-case-sensitive"))
            if account is None:
                if fault("bad-credentials-401"):
                    return self.writer.error(self.status["bad_token"], DENIED)
                return self._oauth_error("invalid_grant", INVALID_GRANT)
            return self._issued(account.name)
        if grant == "refresh_token" and fault("refresh-granted"):
            owner = self.tokens.refreshed(form.get("refresh_token", ""))
            return self._oauth_error("invalid_grant", "The refresh token is invalid.") if owner is None \
                else self._issued(owner)
        return self._oauth_error("unsupported_grant_type")

    def _issued(self, account: str) -> Response:
        body: dict[str, Any] = {"access_token": self.tokens.issue(account), "token_type": "bearer",
                                "expires_in": int(self.lifetime_s)}
        if self.ctx.fault("token-type-missing"):
            del body["token_type"]
        if self.ctx.fault("refresh-granted"):
            body["refresh_token"] = self.tokens.refresh_token(account)
        return self.writer.json(body, headers=NO_CACHE)

    # -- the guard ------------------------------------------------------------------------------
    def _presented(self, headers: Mapping[str, str]) -> str | None:
        value = headers.get(self.header, "").strip()
        scheme, _, token = value.partition(" ")
        if scheme.lower() != self.scheme or not token.strip():
            return None
        return token.strip()

    def account(self, request: Request) -> str | None:
        """The account the request's token opens (None: none, malformed, unknown or expired)."""
        if self.ctx.fault("qses-bad-token-accepted"):
            return MAIN
        token = self._presented(request.headers)
        return None if token is None else self.tokens.account_for(token)

    def authorize(self, request: Request, endpoint: str) -> str:
        """The caller's account, when it may call ``endpoint`` (a route under the base path) with this
        method; else Denied: 401 (fault denial-as-403: 403 for a known account not granted it)."""
        account = self.account(request)
        if account is None:
            raise self.writer.deny(self.status["bad_token"], DENIED)
        if account == RESTRICTED and (request.method.upper(), endpoint.lower()) not in self.grants:
            status = 403 if self.ctx.fault("denial-as-403") else self.status.get("denied", self.status["bad_token"])
            raise self.writer.deny(status, DENIED)
        return account
