"""Schemathesis sends through our Client: one HTTP stack, one throttle, one recorder, one redactor.

:class:`ClientSession` is the ``requests.Session`` Schemathesis is handed (its transport calls
``session.request``). Every call goes to :meth:`Client.request`: the profile's throttle shared with the rest of
the run, 429 honoured, the token renewed on 401, the exchange redacted and recorded.

Credentials: generated cases never hold a secret. :class:`PlaceholderAuth` (a Schemathesis auth provider)
puts placeholders in the profile's credential headers, so Schemathesis knows the case is authenticated and its
``ignored_auth`` check can take them off or replace them. The session tells the two apart: a request carrying
exactly the placeholders goes out with ``auth=True`` (the Client adds the real key and current token, renewing
it when needed); anything else (credentials removed or replaced by a probe) goes out as it is, ``deliberate``,
with nothing added.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import requests

from conformance.http.client import Client
from conformance.profiles import Profile

PURPOSE = "fuzz"


TOKEN_PLACEHOLDER = "lmsconf-token"
KEY_PLACEHOLDER = "lmsconf-api-key"


def placeholders(profile: Profile) -> dict[str, str]:
    """The credential headers of the profile, each with a placeholder value."""
    auth = profile.auth
    headers = {str(auth["api_key_header"]): KEY_PLACEHOLDER} if auth.get("api_key_header") else {}
    headers[str(auth.get("token_header", "Authorization"))] = f"{auth.get('token_prefix', '')}{TOKEN_PLACEHOLDER}"
    return headers


class ClientSession(requests.Session):
    """A requests.Session whose every request is sent by ``client``."""

    def __init__(self, client: Client) -> None:
        super().__init__()
        self.client = client
        self.placeholders = {k.lower(): v for k, v in placeholders(client.profile).items()}
        self.headers.clear()

    def _authenticated(self, headers: Mapping[str, str]) -> tuple[bool, dict[str, str]]:
        """(True, the other headers) when the credential headers are exactly the placeholders."""
        sent = {k.lower(): v for k, v in headers.items()}
        if any(sent.get(name) != value for name, value in self.placeholders.items()):
            return False, dict(headers)
        return True, {k: v for k, v in headers.items() if k.lower() not in self.placeholders}

    def request(self, method: str | bytes, url: str | bytes, params: Any = None, data: Any = None,
                headers: Any = None, cookies: Any = None, files: Any = None, auth: Any = None,
                timeout: Any = None, allow_redirects: bool = True, proxies: Any = None, hooks: Any = None,
                stream: Any = None, verify: Any = None, cert: Any = None, json: Any = None) -> requests.Response:
        sent_headers = {str(k): str(v) for k, v in dict(headers or {}).items()}
        authenticated, rest = self._authenticated(sent_headers)
        wait = float(timeout) if isinstance(timeout, (int, float)) else None
        return self.client.request(str(method), str(url), params=params, data=data, json=json, headers=rest,
                                   auth=authenticated, deliberate=not authenticated, purpose=PURPOSE,
                                   timeout=wait)


class PlaceholderAuth:
    """Schemathesis auth provider: the profile's credential headers, with placeholders (see the module doc)."""

    profile: Profile

    def get(self, case: Any, ctx: Any) -> dict[str, str]:
        return placeholders(self.profile)

    def set(self, case: Any, data: dict[str, str], ctx: Any) -> None:
        case.headers = {**(case.headers or {}), **data}


class ViaClient:
    """Schemathesis's requests transport, with every request sent through the run's ClientSession, including
    the ones Schemathesis sends without a session (its auth probes drop the session on purpose, so that the
    session's credentials cannot reach them; ours add none to a request without the placeholders)."""

    def __init__(self, inner: Any, current: Callable[[], ClientSession | None]) -> None:
        self._inner = inner
        self._current = current

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def send(self, case: Any, *, session: requests.Session | None = None, **kwargs: Any) -> Any:
        chosen = session if isinstance(session, ClientSession) else self._current()
        if chosen is None:
            raise RuntimeError("no ClientSession to send through: the fuzz suite's session is not set")
        return self._inner.send(case, session=chosen, **kwargs)


def route_through(schema: Any, current: Callable[[], ClientSession | None]) -> Any:
    """The schema, with its transport (and that of every operation and clone) sending through the session."""
    from schemathesis.transport.requests import REQUESTS_TRANSPORT

    via = ViaClient(REQUESTS_TRANSPORT, current)
    base = type(schema)
    schema.__class__ = type(f"{base.__name__}ViaClient", (base,), {"transport": property(lambda self: via)})
    return schema
