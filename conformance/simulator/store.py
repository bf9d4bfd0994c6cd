"""SQLite store behind the simulator: every table of a vendor's ``Schema``, loaded from a seeded dataset.

One ``sqlite3`` connection (":memory:" by default, or a file given as ``db``),
opened with ``check_same_thread=False`` because the server runs on its own
thread; the handlers are async and run on one event loop, so access is
serialised there, and a lock guards the few calls made from other threads
(``dump`` from a test, ``load`` at start-up).

Datetimes are stored and served as ``YYYY-MM-DDTHH:MM:SS`` (UTC, no offset), so
text comparison is time order. Lists and ``customFields`` are stored as JSON
text; a generated column (Absorb's ``customFields.decimal1``) can be sorted and filtered like any other
field.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance.simulator.tables import Column, Schema

__all__ = ["LOWER", "UPPER", "Column", "Schema", "Store", "to_json"]


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


def to_json(columns: Sequence[Column], row: sqlite3.Row | None) -> dict[str, Any] | None:
    """One stored row of a table with ``columns``, as the API serves it (internal and generated columns
    left out)."""
    if row is None:
        return None
    body: dict[str, Any] = {}
    for col in columns:
        if col.served:
            value = row[col.name]
            convert = _CONVERT.get(col.kind)
            body[col.name] = value if value is None or convert is None else convert(value)
    return body


class Store:
    """The simulator's data: create, load, query and dump."""

    def __init__(self, schema: Schema, db: str | Path | None = None) -> None:
        self.schema = schema
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

    def load(self, data: Mapping[str, Sequence[Sequence[Any]]]) -> None:
        """Replace every table with the dataset's rows, table name -> row tuples in column order (a file
        database is rebuilt, never merged)."""
        with self.lock:
            cur = self.conn.cursor()
            cur.execute("BEGIN")
            for table, columns in self.schema.tables.items():
                cur.execute(f'DROP TABLE IF EXISTS "{table}"')
                cur.execute(_ddl(table, columns))
                stored = [c.name for c in columns if not c.expression]
                marks = ", ".join("?" * len(stored))
                names = ", ".join(f'"{n}"' for n in stored)
                cur.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', data.get(table, ()))
            for statement in self.schema.indexes:
                cur.execute(statement)
            cur.execute("COMMIT")

    def save(self, path: Path) -> None:
        """Write the whole database to ``path`` (atomically: a reader sees the old file or the new one)."""
        partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
        with self.lock:
            target = sqlite3.connect(partial)
            try:
                self.conn.backup(target)
            finally:
                target.close()
        os.replace(partial, path)

    def restore(self, path: Path) -> None:
        """Replace the whole database with the one saved at ``path``."""
        with self.lock:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                source.backup(self.conn)
            finally:
                source.close()

    def fields(self, table: str) -> dict[str, Column]:
        """API field path (lower-cased) -> column, for sorting and filtering."""
        return {(c.path or c.name).lower(): c for c in self.schema.tables[table] if c.kind != "internal"}

    def count(self, table: str, where: str | None = None, params: Sequence[Any] = ()) -> int:
        sql = f'SELECT COUNT(*) FROM "{table}"' + (f" WHERE {where}" if where else "")
        with self.lock:
            return int(self.conn.execute(sql, tuple(params)).fetchone()[0])

    def select(self, table: str, *, where: str | None, order_by: str, limit: int, offset: int,
               params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Rows of ``table`` matching ``where`` (SQL, ``?`` bound to ``params``), ordered and sliced."""
        sql = f'SELECT * FROM "{table}"' + (f" WHERE {where}" if where else "")
        sql += f" ORDER BY {order_by} LIMIT ? OFFSET ?"
        with self.lock:
            return self.conn.execute(sql, (*params, limit, offset)).fetchall()

    def get(self, table: str, key: str, where: str | None = None) -> sqlite3.Row | None:
        """The row with id ``key``, if it also matches ``where`` (an SQL condition without parameters)."""
        extra = f" AND ({where})" if where else ""
        with self.lock:
            row: sqlite3.Row | None = self.conn.execute(
                f'SELECT * FROM "{table}" WHERE "id" = ?{extra}', (key,)).fetchone()
            return row

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row of a query (None when there is no row)."""
        with self.lock:
            row = self.conn.execute(sql, tuple(params)).fetchone()
        return None if row is None else row[0]

    # -- writes ---------------------------------------------------------------------------------
    def insert(self, table: str, values: Mapping[str, Any]) -> None:
        """Add one row; ``values`` are stored forms (JSON text, 0/1) keyed by column name."""
        names = ", ".join(f'"{n}"' for n in values)
        marks = ", ".join("?" * len(values))
        with self.lock:
            self.conn.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', tuple(values.values()))

    def update(self, table: str, key: str, values: Mapping[str, Any]) -> bool:
        """Change the named columns of the row with id ``key``; False when there is no such row."""
        if not values:
            return self.get(table, key) is not None
        assignments = ", ".join(f'"{n}" = ?' for n in values)
        with self.lock:
            cursor = self.conn.execute(f'UPDATE "{table}" SET {assignments} WHERE "id" = ?', (*values.values(), key))
            return cursor.rowcount > 0

    def serve(self, table: str, row: sqlite3.Row | None) -> dict[str, Any] | None:
        """One stored row of ``table`` as the API serves it."""
        return to_json(self.schema.tables[table], row)

    def delete(self, table: str, key: str) -> bool:
        with self.lock:
            return self.conn.execute(f'DELETE FROM "{table}" WHERE "id" = ?', (key,)).rowcount > 0

    # -- dumps ----------------------------------------------------------------------------------
    def dump(self, *, audit: bool = True) -> str:
        """Every table, rows ordered by id, one JSON array per line: equal data gives an equal text.

        ``audit=False`` leaves out the timestamps the server stamps on writes
        (the schema's ``audit`` columns, Absorb's dateAdded and dateEdited), so a dump taken before a
        write compares with one taken after it field by field, and the same writes
        on two simulators give the same dump.
        """
        lines: list[str] = []
        with self.lock:
            for table, columns in self.schema.tables.items():
                names = [c.name for c in columns if audit or c.name not in self.schema.audit]
                selected = ", ".join(f'"{n}"' for n in names)
                lines.append(f"# {table} {json.dumps(names)}")
                for row in self.conn.execute(f'SELECT {selected} FROM "{table}" ORDER BY "id"'):
                    lines.append(json.dumps(list(row), ensure_ascii=False, separators=(",", ":")))
        return "\n".join(lines) + "\n"
