"""Bearer tokens issued by a simulator: lifetime, and at most one live token per user."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from conformance.simulator.ratelimit import Clock


@dataclass
class Sessions:
    lifetime_s: float
    clock: Clock
    single_token_per_user: bool = True
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)   # token -> (user, expires)
    _live: dict[str, str] = field(default_factory=dict)                    # user -> newest token

    def issue(self, user: str) -> str:
        """A new token for ``user``; when one token per user, the previous one stops working."""
        if self.single_token_per_user and user in self._live:
            self._tokens.pop(self._live[user], None)
        token = secrets.token_urlsafe(32)
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
