"""Accounts and OAuth bearer tokens of the simulated API.

Seed 002 "Authentication and Authorisation": ``POST api/token`` with ``grant_type=password``; "the username is
case-insensitive but the password is case-sensitive"; tokens "have limited expiry time and cannot be
refreshed". Tokens are opaque (as OWIN's are: "quite long"), several may be live for one account, and each
expires ``lifetime_s`` after it was issued, measured on the simulator's clock.

Two accounts: the main one (the profile's credentials) may call every endpoint; a restricted one, derived
from it (``restricted_credentials``), may call only what ``RESTRICTED_GRANTS`` lists - every other endpoint
answers "Authorization has been denied for this request." like a missing token.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from conformance.simulator.ratelimit import Clock

USERNAME, PASSWORD = "LMSCONF_USERNAME", "LMSCONF_PASSWORD"
RESTRICTED_USERNAME, RESTRICTED_PASSWORD = "LMSCONF_RESTRICTED_USERNAME", "LMSCONF_RESTRICTED_PASSWORD"
RESTRICTED_SUFFIX = "-restricted"
# (method, endpoint under the base path) the restricted account is granted: the contacts collection only
RESTRICTED_GRANTS: frozenset[tuple[str, str]] = frozenset({("GET", "/contacts")})
MAIN, RESTRICTED = "main", "restricted"


def restricted_credentials(credentials: Mapping[str, str]) -> dict[str, str]:
    """The restricted account's credentials, derived from the main account's: its username with
    ``-restricted`` appended, the same password."""
    return {RESTRICTED_USERNAME: credentials[USERNAME] + RESTRICTED_SUFFIX,
            RESTRICTED_PASSWORD: credentials[PASSWORD]}


@dataclass(frozen=True)
class Account:
    name: str          # MAIN or RESTRICTED
    username: str
    password: str


def accounts(credentials: Mapping[str, str]) -> tuple[Account, ...]:
    restricted = restricted_credentials(credentials)
    return (Account(MAIN, credentials[USERNAME], credentials[PASSWORD]),
            Account(RESTRICTED, restricted[RESTRICTED_USERNAME], restricted[RESTRICTED_PASSWORD]))


def find_account(known: tuple[Account, ...], username: str, password: str, *,
                 case_sensitive_username: bool = False) -> Account | None:
    """The account these credentials open: the username compared without regard to case (unless told
    otherwise), the password exactly."""
    for account in known:
        same_name = username == account.username if case_sensitive_username else \
            username.casefold() == account.username.casefold()
        if same_name and secrets.compare_digest(password.encode(), account.password.encode()):
            return account
    return None


@dataclass
class Issued:
    account: str
    expires: float


@dataclass
class Tokens:
    """Live tokens: ``issue`` a new one, ``account_for`` the account a live one opens.

    ``never_expire`` (fault token-never-expires) keeps expired tokens working; ``stale_renewal`` (fault
    token-renewal-stale) answers a renewal with the account's expired token instead of a new one.
    """

    lifetime_s: float
    clock: Clock
    never_expire: bool = False
    stale_renewal: bool = False
    _tokens: dict[str, Issued] = field(default_factory=dict)
    _newest: dict[str, str] = field(default_factory=dict)           # account -> its newest token
    _refresh: dict[str, str] = field(default_factory=dict)          # refresh token -> account

    def issue(self, account: str) -> str:
        newest = self._newest.get(account)
        if self.stale_renewal and newest is not None and self._expired(self._tokens[newest]):
            return newest
        token = secrets.token_urlsafe(64)
        self._tokens[token] = Issued(account, self.clock() + self.lifetime_s)
        self._newest[account] = token
        return token

    def _expired(self, issued: Issued) -> bool:
        return not self.never_expire and self.clock() >= issued.expires

    def account_for(self, token: str) -> str | None:
        """The account a live token opens; None when unknown or expired."""
        issued = self._tokens.get(token)
        if issued is None or self._expired(issued):
            return None
        return issued.account

    def refresh_token(self, account: str) -> str:
        """A refresh token for ``account`` (only the refresh-granted fault hands them out)."""
        token = secrets.token_urlsafe(48)
        self._refresh[token] = account
        return token

    def refreshed(self, token: str) -> str | None:
        """The account a refresh token was issued to (it can be used once)."""
        return self._refresh.pop(token, None)
