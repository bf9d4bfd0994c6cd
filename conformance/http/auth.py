"""Authentication strategies, keyed by a profile's `auth.style`.

A strategy never talks HTTP itself: it says which headers go on every request, how to ask
for a token (`token_request`), how to read the answer (`parse_token`) and how to present a
token. The client sends, records and redacts. A new style (password-grant,
client-credentials) is one subclass decorated with `@register`.
"""

from __future__ import annotations

import json
import re
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
CREDENTIAL_PREFIX = "LMSCONF_"
TEMPLATE_FIELD = re.compile(r"\{(LMSCONF_[A-Z0-9_]+)\}")


def _named(value: str) -> list[str]:
    """The credentials a form value names: itself, or each ``{LMSCONF_...}`` of a template."""
    return [value] if value.startswith(CREDENTIAL_PREFIX) else TEMPLATE_FIELD.findall(value)
STATIC_TOKEN = "LMSCONF_TOKEN"
EXPIRY_SKEW_S = 30.0


@dataclass(frozen=True)
class Token:
    value: str
    issued_at: float
    expires_at: float | None = None
    refresh: str | None = field(default=None, repr=False)   # an OAuth refresh_token, where the API issues one

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
    chosen = {n: credentials[n] for n in wanted}
    check_values(chosen)
    return chosen


# Credentials sent in a header: requests refuses a leading blank and most servers strip a trailing one.
HEADER_CREDENTIALS = frozenset({API_KEY, STATIC_TOKEN, "LMSCONF_CLIENT_SECRET"})


def check_values(credentials: Mapping[str, str]) -> None:
    """ConfigError naming (never quoting) a credential with a control character (a newline from a
    copied file), or, for one sent in a header, a leading or trailing blank."""
    for name, value in credentials.items():
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            raise ConfigError(f"{name} contains a newline or another control character (check how it was set)")
        if name in HEADER_CREDENTIALS and value != value.strip():
            raise ConfigError(f"{name} contains a newline or leading/trailing space (check how it was set)")


def _json_string(response: requests.Response) -> tuple[str, float | None]:
    try:
        body = response.json()
    except ValueError:
        raise TokenUnreadable("body is not JSON (expected a JSON string)") from None
    if not isinstance(body, str) or not body.strip():
        raise TokenUnreadable("body is not a non-empty JSON string")
    return body.strip(), None


def refresh_token_of(response: requests.Response) -> str | None:
    """The refresh_token an OAuth token answer carries, if any."""
    try:
        body = response.json()
    except ValueError:
        return None
    value = body.get("refresh_token") if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


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
    is_json, body = _parsed(response)
    found: list[str] = []
    if is_json:
        _strings(body, found)
    else:
        text = response.content.decode("utf-8", errors="replace").strip().strip('"')
        found = [text] if text and not any(c.isspace() for c in text) else []
    return [s for s in found if len(s) >= 8 and not any(c.isspace() for c in s)]


# JSON member names that carry a token, compared lower-cased without "_" and "-" (access_token, accessToken...).
TOKEN_FIELDS = frozenset({
    "token", "accesstoken", "refreshtoken", "idtoken", "sessiontoken", "authtoken", "bearertoken", "authtokenvalue",
    "jwt", "apitoken", "securitytoken",
})
BARE_TOKEN_MIN_LEN = 16
_TOKEN_WORD = re.compile(rb"(?i)token|jwt")


def _looks_like_token(value: Any, min_len: int = 8) -> bool:
    return isinstance(value, str) and len(value) >= min_len and not any(c.isspace() for c in value)


def _parsed(response: requests.Response) -> tuple[bool, Any]:
    """(True, body) when the answer is JSON; (False, None) otherwise. Never raises."""
    content = response.content
    if not content or content[:64].lstrip()[:1] not in (b'"', b"{", b"["):
        return False, None
    try:
        return True, json.loads(content.decode("utf-8", errors="replace"))
    except ValueError:
        return False, None


def issued_tokens(response: requests.Response) -> list[str]:
    """Tokens any answer carries, whatever was asked: the value of every JSON member named like a token
    (access_token, refresh_token, token, accessToken... at any depth), and a whole body that is one JSON
    string without blanks (Absorb's shape, e.g. a target that ignores the API key issuing one to anyone)."""
    content = response.content
    head = content[:64].lstrip()[:1]
    if head not in (b'"', b"{", b"[") or (head != b'"' and _TOKEN_WORD.search(content) is None):
        return []  # the common case, decided without parsing: no token-like member name in the text
    is_json, body = _parsed(response)
    if not is_json:
        return []
    if isinstance(body, str):
        return [body.strip()] if _looks_like_token(body.strip(), BARE_TOKEN_MIN_LEN) else []
    found: list[str] = []
    _token_members(body, found)
    return found


def _token_members(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower().replace("_", "").replace("-", "") in TOKEN_FIELDS and _looks_like_token(item):
                out.append(item)
            else:
                _token_members(item, out)
    elif isinstance(value, list):
        for item in value:
            _token_members(item, out)


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
        refresh = refresh_token_of(response) if self.refreshable else None
        return Token(value, issued, issued + lifetime if lifetime else None, refresh)

    @property
    def refreshable(self) -> bool:
        """The API renews a token with its refresh_token (``[auth] refreshable``)."""
        return self.issues_tokens and bool(self.settings.get("refreshable", False))

    def refresh_request(self, refresh: str) -> TokenRequest:
        raise NotImplementedError(f"{self.style}: tokens are not refreshed")

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


@register
class PasswordGrant(AuthStrategy):
    """An OAuth 2 token endpoint (RFC 6749 4.3): ``POST {token_path}`` with the profile's form fields
    (``[auth.token_form]``: literal values, or the names of LMSCONF_* credentials to fill in), answered
    ``{access_token, token_type, expires_in}``; the token goes out as ``Authorization: Bearer``."""

    style = "password-grant"

    def form_fields(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.settings.get("token_form", {}).items()}

    def required(self) -> list[str]:
        named = [n for v in self.form_fields().values() for n in _named(v)]
        return list(dict.fromkeys([*self.profile.credentials, *named]))

    def _filled(self, value: str) -> str:
        """A form value: a credential's name, a template naming credentials in braces (Pearson's username is
        the client string, a backslash, the user name), or a literal."""
        if value.startswith(CREDENTIAL_PREFIX):
            return self.credentials.get(value, value)
        return TEMPLATE_FIELD.sub(lambda m: self.credentials.get(m.group(1), m.group(0)), value)

    def _form_request(self, form: dict[str, str]) -> TokenRequest:
        return TokenRequest("POST", str(self.settings.get("token_path", "/token")),
                            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
                            data=form)

    def token_request(self) -> TokenRequest:
        return self._form_request({k: self._filled(v) for k, v in self.form_fields().items()})

    def refresh_request(self, refresh: str) -> TokenRequest:
        """RFC 6749 6: grant_type=refresh_token with the token, and the form's client_id where it has one."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh}
        client_id = self.form_fields().get("client_id")
        if client_id:
            form["client_id"] = self._filled(client_id)
        return self._form_request(form)


@register
class ClientCredentials(PasswordGrant):
    """The same token endpoint with ``grant_type=client_credentials`` (RFC 6749 4.4) and a client id and secret
    as its form fields."""

    style = "client-credentials"


def strategy_for(profile: Profile, credentials: Mapping[str, str]) -> AuthStrategy:
    """The strategy for the profile's auth.style; ConfigError when the style is not supported."""
    style = str(profile.auth.get("style", ""))
    cls = STRATEGIES.get(style)
    if cls is None:
        known = ", ".join(sorted(STRATEGIES))
        raise ConfigError(f"profile {profile.id}: auth style {style!r} is not supported yet "
                          f"(supported: {known})")
    return cls(profile, credentials)
