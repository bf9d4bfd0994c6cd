"""PATCH /users/{identifier}: a partial update, checked field by field.

Seed "Sending data to the API": "changing a user's name via a PATCH user request"; the body may be
``application/x-www-form-urlencoded`` (the seed's example) or ``application/json`` ("We recommend your code
sends data in application/json"); the answer is "200 OK ... and your updated user data confirmed". Seed
"Problem: 400 Bad Request": "Any request which accepts data will be checked to ensure that data is valid and
in the expected format ... a 400 Bad Request response code along with a summary of errors encountered. The
example below shows an attempt to update a user with an invalid email address."

Only the fields sent change. Each bad field is one problem (``source.pointer`` ``/<field>``): an invalid or
taken e-mail address (taken: another user has it, without regard to case), an empty first or last name or
username, a value of the wrong type (booleans are JSON true/false or 1/0; in a form 1/0/true/false), a field
users do not have, a read-only one (``user_id``, ``created_on``, ``last_login``, ``links``). A body that is
not an object is one problem pointing at the whole body (``""``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from conformance.simulator.store import Store
from conformance.vendors.ihasco.simulator.envelopes import Problem
from conformance.vendors.ihasco.simulator.tables import BOOLEANS, EMAIL, NAMES, NULLABLE, READ_ONLY, USER_ID, WRITABLE

EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
FORM_TRUE, FORM_FALSE = frozenset({"1", "true"}), frozenset({"0", "false"})
REQUIRED_TEXT = (*NAMES, "username")
INVALID = "Invalid value"


def pointer(field: str) -> str:
    """The JSON Pointer (RFC 6901) of a top-level body field."""
    return "/" + field.replace("~", "~0").replace("/", "~1")


def not_an_object() -> Problem:
    return Problem("Invalid body", "The request body must be an object of user fields.", pointer="")


def _boolean(value: Any, form: bool) -> int:
    if form and isinstance(value, str) and value.strip().lower() in FORM_TRUE | FORM_FALSE:
        return int(value.strip().lower() in FORM_TRUE)
    if not form and (isinstance(value, bool) or (type(value) is int and value in (0, 1))):
        return int(value)
    raise ValueError("must be true or false (1 or 0)")


def _value(field: str, value: Any, form: bool) -> Any:
    """The stored form of one field's value; ValueError saying what is wrong."""
    if field in BOOLEANS:
        return _boolean(value, form)
    if value is None and field in NULLABLE:
        return None
    if not isinstance(value, str):
        raise ValueError("must be text" + (" or null" if field in NULLABLE else ""))
    if field in REQUIRED_TEXT and not value.strip():
        raise ValueError("must not be empty")
    if field == EMAIL and not EMAIL_PATTERN.fullmatch(value):
        raise ValueError("must be a valid e-mail address")
    return value


def bind(store: Store, user_id: int, body: Any, *, form: bool) -> tuple[dict[str, Any], list[Problem]]:
    """The stored values a PATCH body sets, and the problems with it (the values count only without any)."""
    if not isinstance(body, Mapping):
        return {}, [not_an_object()]
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for raw, value in body.items():
        field = str(raw)
        if field in READ_ONLY:
            problems.append(Problem("Read-only field", f"{field} cannot be changed.", pointer=pointer(field)))
            continue
        if field not in WRITABLE:
            problems.append(Problem("Unknown field", f"Users have no field {field}.", pointer=pointer(field)))
            continue
        try:
            values[field] = _value(field, value, form)
        except ValueError as exc:
            problems.append(Problem(INVALID, f"{field} {exc}.", pointer=pointer(field)))
            continue
        if field == EMAIL and _taken(store, user_id, value):
            problems.append(Problem(INVALID, "email is already used by another user.", pointer=pointer(field)))
    return values, problems


def _taken(store: Store, user_id: int, email: str) -> bool:
    owner = store.scalar(f'SELECT "{USER_ID}" FROM users WHERE "email" = ? COLLATE NOCASE AND "{USER_ID}" != ? '
                         'LIMIT 1', (email, user_id))
    return owner is not None


def replaced(values: Mapping[str, Any]) -> dict[str, Any]:
    """Fault patch-replaces: every writable field the body leaves out becomes null."""
    return {field: values.get(field) for field in WRITABLE}
