"""Writing users: PUT one, upload many, create one, delete one; the rules both API versions share.

Bodies bind like ASP.NET model binding: keys match field names without regard to
case, unknown keys are ignored, read-only fields (id, dateAdded, dateEdited,
lastLoginDate, hasUsername) are ignored. ``username``, ``firstName``,
``lastName`` and ``departmentId`` are required (VENDOR-FACTS: a real client
sends them on every PUT); ``emailAddress`` only where the API version says so
(seed 003 Appendix A: "User email address is no longer required when updating
user attributes"; Appendix C rows 130-131: "EmailAddress is not a mandatory
field in v1.5"). Fields a PUT leaves out keep their values (assumed: the real
client above sends only the changed fields). Every write stamps ``dateEdited``
with the server's clock, later than the value it replaces.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.simulator.store import Store
from conformance.vendors.absorb.simulator.tables import USER_COLUMNS

UPLOAD_MAX = 200   # VENDOR-FACTS: "POST {base}/users/upload/ with an array of up to 200 users"
REQUIRED = ("username", "firstName", "lastName", "departmentId")
READ_ONLY = {"seq", "id", "dateAdded", "dateEdited", "lastLoginDate", "hasUsername"}
WRITABLE = {c.name.lower(): c for c in USER_COLUMNS if c.served and c.name not in READ_ONLY}
CUSTOM_FIELDS = {**{f"decimal{n}": None for n in range(1, 6)}, **{f"string{n}": None for n in range(1, 31)},
                 **{f"datetime{n}": None for n in range(1, 6)}, **{f"bool{n}": None for n in range(1, 6)}}
Now = Callable[[], datetime]


class Invalid(ValueError):
    """A body the API refuses; ``validations`` says why, one line per problem."""

    def __init__(self, validations: list[str]) -> None:
        super().__init__("; ".join(validations))
        self.validations = validations


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _datetime(value: str) -> str:
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.replace(microsecond=0).isoformat()


def _stored(kind: str, value: Any) -> Any:
    """The stored form of one body value; ValueError/TypeError when it has the wrong type."""
    if value is None:
        return None
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "guid" and isinstance(value, str):
        return str(uuid.UUID(value))
    if kind == "datetime" and isinstance(value, str):
        return _datetime(value)
    if kind in ("int", "bool") and isinstance(value, bool) == (kind == "bool") and isinstance(value, int):
        return int(value)
    if kind == "json" and isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    raise TypeError(f"expected a {kind}")


def bind(body: Mapping[str, Any]) -> dict[str, Any]:
    """Writable fields of a body, stored form, keyed by column name; Invalid naming each bad field."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in body.items():
        column = WRITABLE.get(str(key).lower())
        if column is None:
            continue
        try:
            values[column.name] = _stored(column.kind, value)
        except (TypeError, ValueError):
            problems.append(f"'{key}' is not a valid {column.kind}")
    if problems:
        raise Invalid(problems)
    return values


@dataclass
class UserWriter:
    """The user writes of one API version (``require_email``) over the shared store and id source."""

    store: Store
    ids: random.Random
    require_email: bool = False
    require_email_on_create: bool = False   # the upload-requires-email fault: v1.5 uploads behave like v1
    now: Now = utc_now

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.ids.getrandbits(128), version=4))

    def _check(self, values: Mapping[str, Any], *, key: str | None) -> None:
        email = self.require_email or (key is None and self.require_email_on_create)
        required = [*REQUIRED, "emailAddress"] if email else list(REQUIRED)
        problems = [f"'{name}' is required" for name in required if values.get(name) in (None, "")]
        department = values.get("departmentId")
        if department and self.store.get("departments", department) is None:
            problems.append("'departmentId' names no department")
        username = values.get("username")
        if username and key is not None:
            owner = self.store.scalar('SELECT "id" FROM "users" WHERE "username" = ? COLLATE NOCASE', (username,))
            if owner is not None and owner != key:
                problems.append("'username' is taken by another user")
        if problems:
            raise Invalid(problems)

    def _stamp(self, previous: str | None) -> str:
        now = self.now()
        if previous is not None:
            now = max(now, datetime.fromisoformat(previous) + timedelta(seconds=1))
        return now.isoformat()

    def update(self, key: str, body: Any) -> bool:
        """PUT: change the fields the body names; False when there is no such user."""
        row = self.store.get("users", key)
        if row is None:
            return False
        if not isinstance(body, dict):
            raise Invalid(["the body must be a JSON object (a user)"])
        values = bind(body)
        self._check(values, key=key)
        self.store.update("users", key, {**values, "dateEdited": self._stamp(row["dateEdited"])})
        return True

    def create(self, body: Any) -> str:
        """POST one new user; its id."""
        if not isinstance(body, dict):
            raise Invalid(["the body must be a JSON object (a user)"])
        values = bind(body)
        key = self.new_id()
        self._check(values, key=key)
        stamp = self._stamp(None)
        seq = int(self.store.scalar('SELECT COALESCE(MAX("seq"), -1) + 1 FROM "users"'))
        defaults = {"customFields": json.dumps(CUSTOM_FIELDS), "roleIds": "[]", "ccEmailAddresses": "[]",
                    "activeStatus": 0, "isLearner": 1, "isAdmin": 0, "isInstructor": 0, "isManager": 0}
        self.store.insert("users", {**defaults, **values, "seq": seq, "id": key, "dateAdded": stamp,
                                    "dateEdited": stamp, "hasUsername": 1})
        return key

    def upload(self, body: Any, *, limit: int | None = UPLOAD_MAX) -> list[tuple[str, str]]:
        """POST users/upload: create or update (matched by username) 1..limit users; (id, username) each."""
        if not isinstance(body, list) or not body:
            raise Invalid(["the body must be a non-empty JSON array of users"])
        if limit is not None and len(body) > limit:
            raise Invalid([f"at most {limit} users per upload; got {len(body)}"])
        for index, user in enumerate(body):
            if not isinstance(user, dict):
                raise Invalid([f"user {index} is not a JSON object"])
            try:
                self._check(bind(user), key=None)
            except Invalid as exc:
                raise Invalid([f"user {index}: {v}" for v in exc.validations]) from None
        return [self._upsert(user) for user in body]

    def _upsert(self, user: dict[str, Any]) -> tuple[str, str]:
        username = str(bind(user)["username"])
        existing = self.store.scalar('SELECT "id" FROM "users" WHERE "username" = ? COLLATE NOCASE', (username,))
        if existing is None:
            return self.create(user), username
        self.update(str(existing), user)
        return str(existing), username

    def delete(self, key: str) -> bool:
        return self.store.delete("users", key)
