"""The OAuth token endpoint and the bearer tokens it issues.

VENDOR-FACTS (Assignr, assignr-api.readme.io authentication): ``POST /oauth/token`` with the form fields
``client_id``, ``client_secret``, ``scope`` (``read write``) and ``grant_type=client_credentials`` answers
``{"access_token", "token_type": "Bearer", "expires_in": 7199, "scope"}``; the scopes are ``read``, ``write``
and ``bank``. The profile's ``token_path`` is joined to the API's origin, so the endpoint is served at
``/oauth/token`` and under the API's base path too.

Assumed (OAuth 2.0, RFC 6749 section 5.2): a wrong client answers 401 ``{"error": "invalid_client",
"error_description"}``, another grant 400 ``unsupported_grant_type``, a missing one 400 ``invalid_request``,
an unknown scope 400 ``invalid_scope``; no scope asked means ``read write``; ``created_at`` (epoch seconds)
beside the documented fields, as Doorkeeper writes it. A token lives ``token_lifetime_s`` on the simulator's
clock; an expired or unknown one is refused 401 like a missing one.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

CLIENT_ID, CLIENT_SECRET = "LMSCONF_CLIENT_ID", "LMSCONF_CLIENT_SECRET"
SCOPES = ("read", "write", "bank")
DEFAULT_SCOPE = "read write"
WRITE = "write"
GRANT = "client_credentials"


@dataclass(frozen=True)
class Grant:
    token: str
    scopes: tuple[str, ...]
    expires: float

    def may_write(self) -> bool:
        return WRITE in self.scopes


@dataclass
class Tokens:
    """The client's credentials and every token issued to it."""

    client_id: str
    client_secret: str
    clock: Callable[[], float]
    lifetime_s: float = 7199.0
    epoch_base: float = field(default_factory=time.time)   # wall-clock epoch at simulator clock 0
    grants: dict[str, Grant] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, scopes: tuple[str, ...]) -> Grant:
        grant = Grant(secrets.token_urlsafe(32), scopes, self.clock() + self.lifetime_s)
        with self.lock:
            self.grants[grant.token] = grant
        return grant

    def live(self, authorization: str | None) -> Grant | None:
        """The unexpired grant an ``Authorization: Bearer <token>`` value carries, or None."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self.lock:
            grant = self.grants.get(token.strip())
        if grant is None or self.clock() >= grant.expires:
            return None
        return grant

    def issued(self) -> list[str]:
        with self.lock:
            return list(self.grants)

    def oauth_error(self, status: int, error: str, description: str) -> Response:
        return JSONResponse({"error": error, "error_description": description}, status,
                            headers={"Cache-Control": "no-store"})

    async def endpoint(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True))
        grant_type = form.get("grant_type", "")
        if not grant_type:
            return self.oauth_error(400, "invalid_request", "grant_type is missing.")
        if grant_type != GRANT:
            return self.oauth_error(400, "unsupported_grant_type", f"The grant {grant_type!r} is not supported.")
        if not (secrets.compare_digest(form.get("client_id", ""), self.client_id)
                and secrets.compare_digest(form.get("client_secret", ""), self.client_secret)):
            return self.oauth_error(401, "invalid_client", "Client authentication failed.")
        asked = tuple(dict.fromkeys((form.get("scope") or DEFAULT_SCOPE).split()))
        unknown = [s for s in asked if s not in SCOPES]
        if unknown or not asked:
            return self.oauth_error(400, "invalid_scope", f"Unknown scope: {' '.join(unknown)}.")
        grant = self.issue(asked)
        created = int(self.epoch_base + self.clock())
        return JSONResponse({"access_token": grant.token, "token_type": "Bearer", "expires_in": int(self.lifetime_s),
                             "scope": " ".join(asked), "created_at": created}, headers={"Cache-Control": "no-store"})
