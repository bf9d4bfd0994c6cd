"""Authentication strategies, keyed by a profile's `auth.style`.

A strategy never talks HTTP itself: it says which headers go on every request, how to ask
for a token (`token_request`), how to read the answer (`parse_token`) and how to present a
token. The client sends, records and redacts. A new style (password-grant,
client-credentials) is one subclass decorated with `@register`.
"""

from __future__ import annotations

import time
from abc import ABC
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import requests

from conformance.errors import ConfigError, TokenUnreadable

if TYPE_CHECKING:
    from conformance.profiles import Profile

API_KEY = "LMSCONF_API_KEY"
STATIC_TOKEN = "LMSCONF_TOKEN"
EXPIRY_SKEW_S = 30.0


@dataclass(frozen=True)
class Token:
    value: str
    issued_at: float
    expires_at: float | None = None

    def expired(self, now: float | None = None, skew_s: float = EXPIRY_SKEW_S) -> bool:
        """True when the token is near its expiry (never, when the expiry is unknown).

        "Near" is `skew_s`, or a tenth of the lifetime for short-lived tokens.
        """
        if self.expires_at is None:
            return False
        margin = min(skew_s, (self.expires_at - self.issued_at) / 10)
        return (time.time() if now is None else now) >= self.expires_at - margin


@dataclass(frozen=True)
class TokenRequest:
    """What to send to obtain a token; `path` is joined to the base URL like any request path."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    data: Mapping[str, str] | None = None


def require(profile: Profile, credentials: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """The named credential values; ConfigError naming every missing environment variable."""
    wanted = list(dict.fromkeys(names))
    missing = [n for n in wanted if not credentials.get(n)]
    if len(missing) == 1:
        raise ConfigError(f"{missing[0]} is not set (profile {profile.id} needs it)")
    if missing:
        raise ConfigError(f"{', '.join(missing)} are not set (profile {profile.id} needs them)")
    return {n: credentials[n] for n in wanted}


def _json_string(response: requests.Response) -> tuple[str, float | None]:
    try:
        body = response.json()
    except ValueError:
        raise TokenUnreadable("body is not JSON (expected a JSON string)") from None
    if not isinstance(body, str) or not body.strip():
        raise TokenUnreadable("body is not a non-empty JSON string")
    return body.strip(), None


def _oauth_json(response: requests.Response) -> tuple[str, float | None]:
    try:
        body = response.json()
    except ValueError:
        raise TokenUnreadable("body is not JSON (expected an OAuth token response)") from None
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise TokenUnreadable("body has no access_token")
    lifetime = body.get("expires_in")
    return token, float(lifetime) if isinstance(lifetime, int | float) and lifetime > 0 else None


def token_candidates(response: requests.Response) -> list[str]:
    """Token-like strings in an answer no format could read (so they can still be redacted):
    every string of eight or more non-blank characters in a JSON body, or a bare-word body."""
    try:
        found: list[str] = []
        _strings(response.json(), found)
    except ValueError:
        text = response.text.strip().strip('"')
        found = [text] if text and not any(c.isspace() for c in text) else []
    return [s for s in found if len(s) >= 8 and not any(c.isspace() for c in s)]


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)


TOKEN_FORMATS: dict[str, Callable[[requests.Response], tuple[str, float | None]]] = {
    "json-string": _json_string,
    "oauth-json": _oauth_json,
}


class AuthStrategy(ABC):
    """Base of every auth style; `style` is the profile's `auth.style` value."""

    style: ClassVar[str]
    issues_tokens: ClassVar[bool] = True  # False: the token is a credential, no exchange needed

    def __init__(self, profile: Profile, credentials: Mapping[str, str]) -> None:
        self.profile = profile
        self.settings = profile.auth
        self.credentials = require(profile, credentials, self.required())

    def required(self) -> list[str]:
        """Environment variables this strategy needs (the profile's list by default)."""
        return list(self.profile.credentials)

    @property
    def reauthenticate_on_401(self) -> bool:
        return self.issues_tokens and bool(self.settings.get("reauthenticate_on_401", True))

    @property
    def token_header(self) -> str:
        return str(self.settings.get("token_header", "Authorization"))

    @property
    def token_prefix(self) -> str:
        return str(self.settings.get("token_prefix", "Bearer "))

    def sensitive_headers(self) -> set[str]:
        """Header names whose values are credentials (redacted wholesale)."""
        return {self.token_header.lower()}

    def key_headers(self) -> dict[str, str]:
        """Headers every authenticated request carries besides the token (e.g. an API key)."""
        return {}

    def token_headers(self, token: str) -> dict[str, str]:
        """Headers that present `token`."""
        return {self.token_header: self.token_prefix + token}

    def token_request(self) -> TokenRequest:
        raise NotImplementedError(f"{self.style}: tokens are not requested over HTTP")

    def parse_token(self, response: requests.Response, now: float | None = None) -> Token:
        """Read the token from a 2xx answer to `token_request`; raises TokenUnreadable (exit 1)."""
        fmt = str(self.settings.get("token_format", "oauth-json"))
        value, lifetime = TOKEN_FORMATS[fmt](response)
        issued = time.time() if now is None else now
        if lifetime is None and "token_lifetime_s" in self.settings:
            lifetime = float(self.settings["token_lifetime_s"])
        return Token(value, issued, issued + lifetime if lifetime else None)

    def static_token(self) -> Token:
        raise NotImplementedError(f"{self.style}: the token comes from an exchange")


STRATEGIES: dict[str, type[AuthStrategy]] = {}


def register(cls: type[AuthStrategy]) -> type[AuthStrategy]:
    """Class decorator: make a strategy available under its `style`."""
    STRATEGIES[cls.style] = cls
    return cls


@register
class ApiKeyAuthenticate(AuthStrategy):
    """Absorb: an API key header on every request (v1.5; none in v1), plus a token from POST {token_path}."""

    style = "api-key-authenticate"

    def required(self) -> list[str]:
        key = [API_KEY] if self.api_key_header else []
        return [*self.profile.credentials, *key, *self.settings.get("token_body", {}).values()]

    @property
    def api_key_header(self) -> str | None:
        """The API-key header; None when the profile names none (Absorb v1 authenticates by body only)."""
        value = self.settings.get("api_key_header")
        return str(value) if value else None

    def sensitive_headers(self) -> set[str]:
        key = {self.api_key_header.lower()} if self.api_key_header else set()
        return {*super().sensitive_headers(), *key}

    def key_headers(self) -> dict[str, str]:
        return {self.api_key_header: self.credentials[API_KEY]} if self.api_key_header else {}

    def token_request(self) -> TokenRequest:
        body = {fld: self.credentials[env] for fld, env in self.settings.get("token_body", {}).items()}
        return TokenRequest("POST", str(self.settings.get("token_path", "/authenticate")),
                            headers=self.key_headers(), json=body)


@register
class StaticBearer(AuthStrategy):
    """A long-lived token given as LMSCONF_TOKEN, sent as `Authorization: Bearer <token>`."""

    style = "static-bearer"
    issues_tokens = False

    def required(self) -> list[str]:
        return [*self.profile.credentials, STATIC_TOKEN]

    def static_token(self) -> Token:
        return Token(self.credentials[STATIC_TOKEN], time.time())


def strategy_for(profile: Profile, credentials: Mapping[str, str]) -> AuthStrategy:
    """The strategy for the profile's auth.style; ConfigError when the style is not supported."""
    style = str(profile.auth.get("style", ""))
    cls = STRATEGIES.get(style)
    if cls is None:
        known = ", ".join(sorted(STRATEGIES))
        raise ConfigError(f"profile {profile.id}: auth style {style!r} is not supported yet "
                          f"(supported: {known})")
    return cls(profile, credentials)
