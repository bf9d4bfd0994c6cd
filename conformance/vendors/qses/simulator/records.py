"""Writing records: create (POST), replace (PUT), delete, and the upsert-contact process.

Seed 002 "POST and PUT requests": "The same DTOs returned during GET requests are used for creating (POST) and
updating (PUT)"; "Our API doesn't support partial updates ... the API will replace all existing fields in the
database with those specified in the body of the request. If a field is not specified in the body of the
request then usually a null value will be written ... The only exception are those DTO fields that are
ignored during PUT requests" (the profile's ``writes.ignored_on_put``).

Bodies bind like ASP.NET model binding: keys match field names without regard to case, unknown keys are
ignored, ``Id`` and the audit dates are the server's. A field a table requires (not null) missing or null, a
value of the wrong type, a foreign key naming no row or a taken unique value is refused as invalid
(``Invalid``, with an ASP.NET ModelState). Writes stamp ``CreatedDate``/``ModifiedDate`` from the
simulator's clock: ``seed.NOW`` plus the seconds since the app was built, and always later than the value
replaced, so the same writes on the same clock stamp the same dates.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.simulator.ratelimit import Clock
from conformance.simulator.store import Store
from conformance.vendors.qses.simulator.seed import NOW, stamp
from conformance.vendors.qses.simulator.tables import AUDIT_COLUMNS, ID, Table

MAX_INT = 2**63 - 1
CREATED, MODIFIED = AUDIT_COLUMNS


class Invalid(ValueError):
    """A body the API refuses; ``model_state`` maps ``dto.Field`` to its problems."""

    def __init__(self, model_state: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in model_state.items()))
        self.model_state = model_state


def _datetime(value: str) -> str:
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return stamp(when)


def _stored(kind: str, value: Any) -> Any:
    """The stored form of one body value; ValueError when it has the wrong type."""
    if value is None:
        return None
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INT:
        return value
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "datetime" and isinstance(value, str):
        return _datetime(value)
    raise ValueError(value)


def writable(table: Table) -> list[str]:
    """The fields a body may set: every served field but the id and the audit dates."""
    return [c.name for c in table.columns if c.served and c.name != ID and c.name not in AUDIT_COLUMNS]


@dataclass
class Records:
    """Writes to the store; ``clock`` stamps the audit dates."""

    store: Store
    clock: Clock
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def _stamp(self, previous: str | None) -> str:
        now = NOW + timedelta(seconds=int(max(0.0, self.clock() - self.started)))
        if previous is not None:
            now = max(now, datetime.fromisoformat(previous) + timedelta(seconds=1))
        return stamp(now)

    def bind(self, table: Table, body: Any) -> dict[str, Any]:
        """The writable fields a JSON body names, in stored form; Invalid when it is not an object or a value
        has the wrong type."""
        if not isinstance(body, dict):
            raise Invalid({model_key(table): [f"The request body must be a JSON object (a {table.dto})."]})
        by_name = {name.lower(): name for name in writable(table)}
        kinds = {c.name: c.kind for c in table.columns}
        values: dict[str, Any] = {}
        problems: dict[str, list[str]] = {}
        for key, value in body.items():
            name = by_name.get(str(key).lower())
            if name is None:
                continue
            try:
                values[name] = _stored(kinds[name], value)
            except (TypeError, ValueError, OverflowError):
                problems[model_key(table, name)] = [f"The value {json.dumps(value)} is not valid for {name}."]
        if problems:
            raise Invalid(problems)
        return values

    def _check(self, table: Table, values: Mapping[str, Any], key: int | None) -> None:
        problems = {model_key(table, f): [f"The {f} field is required."]
                    for f in table.required if values.get(f) in (None, "")}
        for name, target in table.references:
            value = values.get(name)
            if value is not None and self.store.get(target, str(value)) is None:
                problems[model_key(table, name)] = [f"No record with Id {value} exists for {name}."]
        for name in table.unique:
            value = values.get(name)
            if value is None:
                continue
            owner = self.store.scalar(f'SELECT "{ID}" FROM "{table.name}" WHERE "{name}" = ? COLLATE NOCASE '
                                      f'AND "{ID}" IS NOT ?', (value, key))
            if owner is not None:
                problems[model_key(table, name)] = [f"{name} '{value}' is taken by another {table.dto}."]
        if problems:
            raise Invalid(problems)

    def get(self, table: Table, key: int) -> sqlite3.Row | None:
        return self.store.get(table.name, str(key))

    def create(self, table: Table, values: Mapping[str, Any]) -> int:
        """POST: a new record from bound ``values`` (fields left out are null); its id."""
        record = {name: values.get(name) for name in writable(table)}
        self._check(table, record, None)
        key = int(self.store.scalar(f'SELECT COALESCE(MAX("{ID}"), 0) + 1 FROM "{table.name}"'))
        audit = {name: self._stamp(None) for name in AUDIT_COLUMNS if table.has(name)}
        self.store.insert(table.name, {ID: key, **record, **audit})
        return key

    def replace(self, table: Table, key: int, values: Mapping[str, Any], *, ignored: frozenset[str],
                merge: bool = False, overwrite_ignored: bool = False) -> bool:
        """PUT: every writable field takes the body's value or null, but the ``ignored`` ones, which keep
        theirs; False when there is no such record. ``merge`` (fault put-merges) keeps the stored value of a
        field left out; ``overwrite_ignored`` (fault put-overwrites-ignored) writes the ignored fields too."""
        row = self.get(table, key)
        if row is None:
            return False
        record: dict[str, Any] = {}
        for name in writable(table):
            if name in ignored and not overwrite_ignored:
                record[name] = row[name]
            elif name in values:
                record[name] = values[name]
            else:
                record[name] = row[name] if merge else None
        self._check(table, record, key)
        self.store.update(table.name, str(key), {**record, **self._modified(table, row)})
        return True

    def change(self, table: Table, key: int, values: Mapping[str, Any]) -> None:
        """Set only the fields ``values`` names (a process, not a PUT)."""
        row = self.get(table, key)
        assert row is not None
        record = {name: row[name] for name in writable(table)} | dict(values)
        self._check(table, record, key)
        self.store.update(table.name, str(key), {**values, **self._modified(table, row)})

    def _modified(self, table: Table, row: sqlite3.Row) -> dict[str, str]:
        return {MODIFIED: self._stamp(row[MODIFIED])} if table.has(MODIFIED) else {}

    def delete(self, table: Table, key: int) -> sqlite3.Row | None:
        """DELETE: the record removed (None when there was none)."""
        row = self.get(table, key)
        if row is not None:
            self.store.delete(table.name, str(key))
        return row

    def find(self, table: Table, name: str, value: Any) -> int | None:
        """The id of the record whose ``name`` equals ``value`` without regard to case."""
        found = self.store.scalar(f'SELECT "{ID}" FROM "{table.name}" WHERE "{name}" = ? COLLATE NOCASE '
                                  f'ORDER BY "{ID}" LIMIT 1', (value,))
        return None if found is None else int(found)


def model_key(table: Table, name: str | None = None) -> str:
    """A ModelState key, as ASP.NET names a bound parameter (``contact``) or its field (``contact.Name``)."""
    dto = table.dto[:1].lower() + table.dto[1:]
    return f"{dto}.{name}" if name else dto

