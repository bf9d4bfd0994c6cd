"""The token endpoint and the token guard.

``POST /token`` (form-encoded, as the Java library's OAuth2PasswordService sends it):

- ``grant_type=password``: ``client_id`` must be the application id (``LMSCONF_CLIENT_ID``), ``username``
  ``<clientString>\\<user>`` with the campus's client string (``LMSCONF_CLIENT_STRING``), ``password`` the
  user's. Answers 200 ``{"access_token", "token_type": "bearer", "expires_in", "refresh_token"}``.
- ``grant_type=refresh_token``: ``client_id`` and a ``refresh_token`` not used before; answers a new pair.
- Wrong credentials, a wrong client string or a spent refresh token: 400 ``invalid_grant``; a wrong or missing
  ``client_id``: 400 ``invalid_client``; another grant (or none): 400 ``unsupported_grant_type`` (RFC 6749
  5.2; the libraries show no error reply - the status 400 is assumed).

Every other call needs ``X-Authorization: Access_Token access_token=<token>`` (the libraries' header). A
missing or malformed header and an unknown token answer 401 ``invalid_token``; a token past its lifetime 401
``expired_token`` (seed 401: "The accompanying error message will provide an explanation to inform the caller
if the authentication credentials were expired"; the codes are the profile's ``[auth]`` expired_code /
invalid_code, assumed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from conformance.simulator.context import SimContext
from conformance.vendors.learningstudio.simulator.envelopes import (
    EXPIRED_TOKEN,
    INVALID_CLIENT,
    INVALID_GRANT,
    INVALID_REQUEST,
    INVALID_TOKEN,
    UNSUPPORTED_GRANT,
    Writer,
)
from conformance.vendors.learningstudio.simulator.tokens import (
    CLIENT_ID,
    CLIENT_STRING,
    INSTRUCTOR,
    Tokens,
    accounts,
    find_account,
)

FORM_TYPE = "application/x-www-form-urlencoded"
NO_CACHE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
SCHEME, PARAMETER = "access_token", "access_token"     # "Access_Token access_token=<token>"


def token_lifetime(ctx: SimContext) -> float:
    """The profile's token lifetime, unless ``[simulator] token_lifetime_s`` shortens it (tests)."""
    configured = ctx.profile.section("simulator").get("token_lifetime_s")
    return float(configured if configured is not None else ctx.profile.auth["token_lifetime_s"])


def presented(value: str | None) -> str | None:
    """The token of an ``Access_Token access_token=<token>`` value (scheme and parameter name compared without
    regard to case); None when missing or malformed."""
    scheme, _, rest = (value or "").strip().partition(" ")
    name, equals, token = rest.strip().partition("=")
    if scheme.lower() != SCHEME or name.strip().lower() != PARAMETER or not equals or not token.strip():
        return None
    return token.strip()


@dataclass(frozen=True)
class Caller:
    account: str        # INSTRUCTOR, STUDENT or OTHER_STUDENT
    client_id: str      # the rate limit's key


@dataclass
class Auth:
    ctx: SimContext
    writer: Writer

    def __post_init__(self) -> None:
        self.fault = self.ctx.fault
        self.credentials = self.ctx.credentials
        self.accounts = accounts(self.credentials)
        self.lifetime_s = token_lifetime(self.ctx)
        self.tokens = Tokens(self.lifetime_s, self.ctx.clock)
        self.header = str(self.ctx.profile.auth.get("token_header", "X-Authorization"))
        self.bad_token = int(self.ctx.profile.status.get("bad_token", 401))

    # -- the token endpoint ---------------------------------------------------------------------------
    def _oauth_error(self, code: str, description: str) -> Response:
        return self.writer.error(400, code, description, NO_CACHE)

    async def token(self, request: Request) -> Response:
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != FORM_TYPE:
            return self._oauth_error(INVALID_REQUEST, f"Send the token request as {FORM_TYPE}.")
        form = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True))
        grant = form.get("grant_type", "")
        if grant not in ("password", "refresh_token"):
            return self._oauth_error(UNSUPPORTED_GRANT, f"The grant type {grant!r} is not supported.")
        client_id = form.get("client_id", "")
        if client_id != self.credentials[CLIENT_ID]:
            return self._oauth_error(INVALID_CLIENT, "The client_id is not a known application.")
        if grant == "refresh_token":
            if self.fault("refresh-refused"):
                return self._oauth_error(UNSUPPORTED_GRANT, "Tokens cannot be refreshed.")
            owner = self.tokens.redeem(form.get("refresh_token", ""), client_id)
            if owner is None:
                return self._oauth_error(INVALID_GRANT, "The refresh token is unknown or was used already.")
            return self._issued(owner, client_id)
        client_string, backslash, login = form.get("username", "").partition("\\")
        account = find_account(self.accounts, login, form.get("password", "")) if backslash else None
        if account is None or client_string != self.credentials[CLIENT_STRING]:
            return self._oauth_error(INVALID_GRANT, "The user name, password or client string is invalid.")
        return self._issued(account.name, client_id)

    def _issued(self, account: str, client_id: str) -> Response:
        access, refresh = self.tokens.issue(account, client_id)
        body: dict[str, Any] = {"access_token": access, "token_type": "bearer", "expires_in": int(self.lifetime_s),
                                "refresh_token": refresh}
        return self.writer.json(body, headers=NO_CACHE)

    # -- the guard ------------------------------------------------------------------------------------
    def caller(self, headers: Any) -> Caller | Response:
        """Who the request's token names, or the 401 to answer."""
        if self.fault("ls-bad-token-accepted"):
            return Caller(INSTRUCTOR, self.credentials[CLIENT_ID])
        token = presented(headers.get(self.header))
        issued, expired = (None, False) if token is None else self.tokens.lookup(token)
        if issued is None:
            return self.writer.error(self.bad_token, INVALID_TOKEN,
                                     "The access token is missing, malformed or unknown.")
        if expired:
            code = INVALID_TOKEN if self.fault("expired-like-wrong") else EXPIRED_TOKEN
            return self.writer.error(self.bad_token, code, "The access token has expired.")
        return Caller(issued.account, issued.client_id)
