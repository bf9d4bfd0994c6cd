"""Bearer tokens issued by a simulator: lifetime, and at most one live token per user.

Tokens are JWT-shaped, as Absorb's are ("eyJ..."): the payload states the subject, when the token was
issued and when it expires (``iat``/``exp``, epoch seconds), so a client can read the lifetime from the
token itself. The signature is an HMAC with a per-simulator secret; the simulator never trusts the
claims, it looks the token up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field

from conformance.simulator.ratelimit import Clock


@dataclass
class Sessions:
    lifetime_s: float
    clock: Clock
    single_token_per_user: bool = True
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)   # token -> (user, expires)
    _live: dict[str, str] = field(default_factory=dict)                    # user -> newest token
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def _jwt(self, user: str) -> str:
        issued = int(time.time())
        claims = {"sub": user, "iat": issued, "exp": issued + int(self.lifetime_s), "jti": secrets.token_hex(8)}
        head_body = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}"
        signature = hmac.new(self._key, head_body.encode(), hashlib.sha256).digest()
        return f"{head_body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"

    def issue(self, user: str) -> str:
        """A new token for ``user``; when one token per user, the previous one stops working."""
        if self.single_token_per_user and user in self._live:
            self._tokens.pop(self._live[user], None)
        token = self._jwt(user)
        self._tokens[token] = (user, self.clock() + self.lifetime_s)
        self._live[user] = token
        return token

    def user_for(self, token: str) -> str | None:
        """The user a live token belongs to; None when unknown, replaced or expired."""
        found = self._tokens.get(token)
        if found is None:
            return None
        user, expires = found
        if self.clock() >= expires:
            del self._tokens[token]
            return None
        return user


def _b64(part: dict[str, object]) -> str:
    raw = json.dumps(part, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
