"""Accounts and OAuth 2 tokens of the simulated API.

The Java library's OAuth2PasswordService: ``POST /token`` form-encoded ``grant_type=password``, ``client_id``
(the application id), ``username=<clientString>\\<user>``, ``password``; the reply's ``access_token``,
``expires_in`` and ``refresh_token`` are read, and calls then send ``X-Authorization: Access_Token
access_token=<token>``. A refresh is ``grant_type=refresh_token`` with ``client_id`` and ``refresh_token``.

Three accounts: the instructor (the sandbox's ``LMSCONF_USERNAME`` / ``LMSCONF_PASSWORD``) and two students
whose names and passwords are derived from the instructor's (``extra_credentials``), the same on every run for
the same credentials. A token lives ``lifetime_s`` on the simulator's clock; a refresh token works once and
answers a new pair (the old access token stays live until it expires - assumed).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from conformance.simulator.ratelimit import Clock

CLIENT_ID, CLIENT_STRING = "LMSCONF_CLIENT_ID", "LMSCONF_CLIENT_STRING"
USERNAME, PASSWORD = "LMSCONF_USERNAME", "LMSCONF_PASSWORD"
STUDENT_USERNAME, STUDENT_PASSWORD = "LMSCONF_STUDENT_USERNAME", "LMSCONF_STUDENT_PASSWORD"
OTHER_USERNAME, OTHER_PASSWORD = "LMSCONF_OTHER_STUDENT_USERNAME", "LMSCONF_OTHER_STUDENT_PASSWORD"
INSTRUCTOR, STUDENT, OTHER_STUDENT = "instructor", "student", "other-student"


def derived(secret: str, purpose: str) -> str:
    digest = hashlib.sha256(f"lmsconf-learningstudio:{purpose}:{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode("ascii")


def extra_credentials(credentials: Mapping[str, str]) -> dict[str, str]:
    """The two students' logins, derived from the instructor's."""
    user, password = credentials[USERNAME], credentials[PASSWORD]
    return {STUDENT_USERNAME: f"{user}.student", STUDENT_PASSWORD: derived(password, "student"),
            OTHER_USERNAME: f"{user}.other", OTHER_PASSWORD: derived(password, "other-student")}


@dataclass(frozen=True)
class Account:
    name: str        # INSTRUCTOR, STUDENT or OTHER_STUDENT
    login: str
    password: str


def accounts(credentials: Mapping[str, str]) -> tuple[Account, ...]:
    extra = extra_credentials(credentials)
    return (Account(INSTRUCTOR, credentials[USERNAME], credentials[PASSWORD]),
            Account(STUDENT, extra[STUDENT_USERNAME], extra[STUDENT_PASSWORD]),
            Account(OTHER_STUDENT, extra[OTHER_USERNAME], extra[OTHER_PASSWORD]))


@dataclass
class Issued:
    account: str
    client_id: str
    expires: float


@dataclass
class Tokens:
    """Live access tokens and unused refresh tokens."""

    lifetime_s: float
    clock: Clock
    _access: dict[str, Issued] = field(default_factory=dict)
    _refresh: dict[str, tuple[str, str]] = field(default_factory=dict)    # refresh token -> (account, client)

    def issue(self, account: str, client_id: str) -> tuple[str, str]:
        """A new access token and refresh token for ``account``."""
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._access[access] = Issued(account, client_id, self.clock() + self.lifetime_s)
        self._refresh[refresh] = (account, client_id)
        return access, refresh

    def redeem(self, refresh: str, client_id: str) -> str | None:
        """The account a refresh token was issued to (to this client), spending it; None when unknown or spent."""
        owner = self._refresh.get(refresh)
        if owner is None or owner[1] != client_id:
            return None
        del self._refresh[refresh]
        return owner[0]

    def lookup(self, token: str) -> tuple[Issued | None, bool]:
        """The token's issue record (None when unknown) and whether it has expired."""
        issued = self._access.get(token)
        if issued is None:
            return None, False
        return issued, self.clock() >= issued.expires


def find_account(known: tuple[Account, ...], login: str, password: str) -> Account | None:
    for account in known:
        if login == account.login and secrets.compare_digest(password.encode(), account.password.encode()):
            return account
    return None
