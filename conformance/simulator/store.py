"""SQLite store behind the simulator: departments, courses, users, enrollments.

One ``sqlite3`` connection (":memory:" by default, or a file given as ``db``),
opened with ``check_same_thread=False`` because the server runs on its own
thread; the handlers are async and run on one event loop, so access is
serialised there, and a lock guards the few calls made from other threads
(``dump`` from a test, ``load`` at start-up).

Datetimes are stored and served as ``YYYY-MM-DDTHH:MM:SS`` (UTC, no offset), so
text comparison is time order. Lists and ``customFields`` are stored as JSON
text; ``customFields.decimal1`` is also a stored generated column so it can be
sorted and filtered like any other field.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.simulator.seed import Dataset


@dataclass(frozen=True)
class Column:
    name: str
    kind: str               # guid string datetime int number bool json internal
    expression: str = ""    # for generated columns: the SQL that computes it
    path: str = ""          # the API path a generated column exposes (customFields/decimal1)

    @property
    def sql_type(self) -> str:
        return {"int": "INTEGER", "bool": "INTEGER", "number": "REAL", "internal": "INTEGER"}.get(self.kind, "TEXT")

    @property
    def served(self) -> bool:
        return self.kind != "internal" and not self.expression


def _cols(spec: str) -> tuple[Column, ...]:
    return tuple(Column(*item.split(":")) for item in spec.split())


DEPARTMENT_COLUMNS = _cols("id:guid name:string parentId:guid externalId:string dateAdded:datetime")
COURSE_COLUMNS = _cols(
    "id:guid name:string description:string courseType:string activeStatus:int credits:number "
    "dateAdded:datetime dateEdited:datetime externalId:string"
)
USER_COLUMNS = (*_cols(
    "seq:internal id:guid departmentId:guid firstName:string middleName:string lastName:string "
    "username:string emailAddress:string ccEmailAddresses:json languageId:int gender:int address:string "
    "address2:string city:string provinceId:guid countryId:guid postalCode:string phone:string "
    "employeeNumber:string location:string jobTitle:string referenceNumber:string dateHired:datetime "
    "dateTerminated:datetime dateAdded:datetime dateEdited:datetime lastLoginDate:datetime notes:string "
    "customFields:json roleIds:json activeStatus:int isLearner:bool isAdmin:bool isInstructor:bool "
    "isManager:bool supervisorId:guid externalId:string hasUsername:bool"
), Column("cf_decimal1", "number", "json_extract(customFields, '$.decimal1')", "customFields/decimal1"))
ENROLLMENT_COLUMNS = _cols(
    "id:guid userId:guid courseId:guid courseName:string courseVersionId:guid fullName:string "
    "progress:number score:number status:int isActive:bool dateStarted:datetime dateCompleted:datetime "
    "dateExpires:datetime dateDue:datetime dateAdded:datetime dateEdited:datetime timeSpent:string "
    "certificateId:guid credits:number"
)
SCHEMA: dict[str, tuple[Column, ...]] = {
    "departments": DEPARTMENT_COLUMNS, "courses": COURSE_COLUMNS,
    "users": USER_COLUMNS, "enrollments": ENROLLMENT_COLUMNS,
}
INDEXES = (
    'CREATE INDEX users_department ON users ("departmentId")',
    'CREATE INDEX users_last_name ON users ("lastName" COLLATE NOCASE, "id")',
    'CREATE INDEX users_added ON users ("dateAdded", "id")',
    'CREATE INDEX enrollments_user ON enrollments ("userId")',
)
LOWER, UPPER = "unicode_lower", "unicode_upper"   # SQL functions folding every letter, as str.lower does
_CONVERT: dict[str, Callable[[Any], Any]] = {"json": json.loads, "bool": bool}


def _ddl(table: str, columns: Sequence[Column]) -> str:
    parts = []
    for col in columns:
        if col.expression:
            parts.append(f'"{col.name}" {col.sql_type} GENERATED ALWAYS AS ({col.expression}) STORED')
        else:
            key = " PRIMARY KEY" if col.name == "id" else ""
            parts.append(f'"{col.name}" {col.sql_type}{key}')
    return f'CREATE TABLE "{table}" ({", ".join(parts)})'


def _fold(method: Callable[[str], str]) -> Callable[[Any], Any]:
    return lambda value: method(value) if isinstance(value, str) else value


def to_json(table: str, row: sqlite3.Row | None) -> dict[str, Any] | None:
    """One stored row as the API serves it (internal and generated columns left out)."""
    if row is None:
        return None
    body: dict[str, Any] = {}
    for col in SCHEMA[table]:
        if col.served:
            value = row[col.name]
            convert = _CONVERT.get(col.kind)
            body[col.name] = value if value is None or convert is None else convert(value)
    return body


class Store:
    """The simulator's data: create, load, query and dump."""

    def __init__(self, db: str | Path | None = None) -> None:
        self.path = str(db) if db is not None else ":memory:"
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.lock = threading.RLock()
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.create_function(LOWER, 1, _fold(str.lower), deterministic=True)
        self.conn.create_function(UPPER, 1, _fold(str.upper), deterministic=True)

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def load(self, data: Dataset) -> None:
        """Replace every table with the dataset's rows (a file database is rebuilt, never merged)."""
        with self.lock:
            cur = self.conn.cursor()
            cur.execute("BEGIN")
            for table, columns in SCHEMA.items():
                cur.execute(f'DROP TABLE IF EXISTS "{table}"')
                cur.execute(_ddl(table, columns))
                stored = [c.name for c in columns if not c.expression]
                marks = ", ".join("?" * len(stored))
                names = ", ".join(f'"{n}"' for n in stored)
                cur.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', getattr(data, table))
            for statement in INDEXES:
                cur.execute(statement)
            cur.execute("COMMIT")

    def fields(self, table: str) -> dict[str, Column]:
        """API field path (lower-cased) -> column, for sorting and filtering."""
        return {(c.path or c.name).lower(): c for c in SCHEMA[table] if c.kind != "internal"}

    def count(self, table: str, where: str | None = None) -> int:
        sql = f'SELECT COUNT(*) FROM "{table}"' + (f" WHERE {where}" if where else "")
        with self.lock:
            return int(self.conn.execute(sql).fetchone()[0])

    def select(self, table: str, *, where: str | None, order_by: str, limit: int, offset: int) -> list[sqlite3.Row]:
        sql = f'SELECT * FROM "{table}"' + (f" WHERE {where}" if where else "")
        sql += f" ORDER BY {order_by} LIMIT ? OFFSET ?"
        with self.lock:
            return self.conn.execute(sql, (limit, offset)).fetchall()

    def get(self, table: str, key: str) -> sqlite3.Row | None:
        with self.lock:
            row: sqlite3.Row | None = self.conn.execute(
                f'SELECT * FROM "{table}" WHERE "id" = ?', (key,)).fetchone()
            return row

    def dump(self) -> str:
        """Every table, rows ordered by id, one JSON array per line: equal data gives an equal text."""
        lines: list[str] = []
        with self.lock:
            for table, columns in SCHEMA.items():
                names = [c.name for c in columns]
                lines.append(f"# {table} {json.dumps(names)}")
                for row in self.conn.execute(f'SELECT * FROM "{table}" ORDER BY "id"'):
                    lines.append(json.dumps(list(row), ensure_ascii=False, separators=(",", ":")))
        return "\n".join(lines) + "\n"
