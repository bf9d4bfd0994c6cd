"""The account's API access tokens and the guard every request passes.

Seed "Your first request": the token is sent as ``Authorization: Bearer YOUR_TOKEN``; "Problem: 401
Unauthorized response": "an incorrect token, or the token not being provided in the correct manner", or a
token that "has been removed". Tokens are issued in the LMS, not over the API, so the simulator knows three
from the start: the main one (the sandbox credential ``LMSCONF_TOKEN``), a second live token of the same
account and a removed one, both derived from the main one (``extra_credentials`` announces them with the
account's name, seed "Support": "Your account name or Client ID"). The scheme compares without regard to
case; anything else - no header, another scheme, an empty, unknown or removed token - is refused.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

TOKEN, SECOND, REMOVED, ACCOUNT = "LMSCONF_TOKEN", "LMSCONF_SECOND_TOKEN", "LMSCONF_REMOVED_TOKEN", "LMSCONF_ACCOUNT"
ACCOUNT_NAME = "Lmsconf Sandbox Ltd"
SCHEME = "bearer"


def derived(token: str, purpose: str) -> str:
    """A token made from the main one: the same on every run for the same main token, unlike any other."""
    digest = hashlib.sha256(f"lmsconf-ihasco:{purpose}:{token}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode("ascii")


def extra_credentials(credentials: Mapping[str, str]) -> dict[str, str]:
    """The second and removed tokens and the account name, as the LMSCONF_* settings a suite reads."""
    main = credentials[TOKEN]
    return {SECOND: derived(main, "second"), REMOVED: derived(main, "removed"), ACCOUNT: ACCOUNT_NAME}


def presented(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` value (None: missing, another scheme, empty)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != SCHEME or not token.strip():
        return None
    return token.strip()


@dataclass(frozen=True)
class Tokens:
    """Which tokens open the account.

    ``accept_any`` is fault ihasco-bad-token-accepted (any Authorization value, or none, counts as the main
    token); ``removed_live`` is fault removed-token-accepted (the removed token works like the main one).
    """

    main: str
    second: str
    removed: str
    accept_any: bool = False
    removed_live: bool = False

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, str], *, accept_any: bool = False,
                         removed_live: bool = False) -> Tokens:
        extra = extra_credentials(credentials)
        return cls(credentials[TOKEN], extra[SECOND], extra[REMOVED], accept_any, removed_live)

    def live(self, authorization: str | None) -> str | None:
        """The live token a request's Authorization value carries (its rate-limit key), or None."""
        if self.accept_any:
            return self.main
        token = presented(authorization)
        if token in (self.main, self.second):
            return token
        if token == self.removed and self.removed_live:
            return self.main
        return None
