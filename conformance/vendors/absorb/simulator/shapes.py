"""How a stored row looks on the wire: v1.5 camelCase, the backward-compatible PascalCase, and v1.

v1.5 (seed 003, Appendix A "Requests and responses in camel case") serves the
stored fields less the ones the catalogue hides. With backward compatibility on
every key is PascalCase. v1 serves the field set Appendix C gives for the
endpoint: v1 fields = v1.5 fields - the row's ``added`` + the row's ``removed``
(names compared without regard to case), PascalCase.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.profiles import Resource
from conformance.simulator.store import to_json
from conformance.vendors.absorb.appendix_c import AppendixCRow, get_rows
from conformance.vendors.absorb.simulator.tables import TABLES

TAG_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
_PARAM = re.compile(r"\{[^}]*\}")


def pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def pascal_keys(value: Any) -> Any:
    """Every object key PascalCase, at any depth (``customFields.decimal1`` -> ``CustomFields.Decimal1``)."""
    if isinstance(value, dict):
        return {pascal(k): pascal_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal_keys(v) for v in value]
    return value


def served_fields(table: str, hidden: Iterable[str] = ()) -> tuple[str, ...]:
    """The v1.5 field names of a table's rows, in column order."""
    skip = {h.lower() for h in hidden}
    return tuple(c.name for c in TABLES[table] if c.served and c.name.lower() not in skip)


@dataclass(frozen=True)
class V15Shape:
    """v1.5 rows: hidden fields left out; PascalCase in compatibility mode; faults applied."""

    compat: bool
    faults: frozenset[str]

    def row(self, table: str, hidden: Sequence[str], stored: sqlite3.Row) -> dict[str, Any]:
        body = to_json(TABLES[table], stored) or {}
        if "v1_5-keeps-moduleid" not in self.faults:
            for name in hidden:
                body.pop(name, None)
        if "v1_5-without-dateedited" in self.faults:
            body.pop("dateEdited", None)
        if table == "tags" and "identical-row-differs" in self.faults:
            body["color"] = TAG_COLORS[int(body["id"][:2], 16) % len(TAG_COLORS)]
        if table == "users" and "user-field-wrong-type" in self.faults and stored["seq"] % 97 == 0:
            body["activeStatus"] = "Active" if body["activeStatus"] == 0 else "Inactive"
        return pascal_keys(body) if self.compat else body

    def wrap(self, body: Any) -> Any:
        return pascal_keys(body) if self.compat else body


# --------------------------------------------------------------------------- v1 (Appendix C)
def _shape(path: str) -> str:
    return _PARAM.sub("{}", path.partition("?")[0]).lower().rstrip("/")


def appendix_rows(resource: Resource, path: str) -> list[AppendixCRow]:
    """The resource's Appendix C GET rows for ``path`` (its collection or item path).

    A path no listed row names (v1 ``/users/{userId}/certificates``: the seed lists only the
    item) takes the resource's other rows.
    """
    rows = [r for r in get_rows() if r.row in resource.appendix_c_rows and r.method == "GET"]
    matching = [r for r in rows if _shape(r.path) == _shape(path)]
    return matching or rows


def v1_fields(table: str, hidden: Sequence[str], rows: Sequence[AppendixCRow]) -> tuple[str, ...]:
    """The stored field names v1 serves for an endpoint: v1.5 fields - added + removed (any case).

    ValueError when the rows disagree, name an added field v1.5 lacks, or a removed field the
    store does not hold: each would make the simulator contradict the seed.
    """
    kinds = {(frozenset(f.lower() for f in r.added), frozenset(f.lower() for f in r.removed)) for r in rows}
    if len(kinds) > 1:
        raise ValueError(f"Appendix C rows {[r.row for r in rows]} disagree for one {table} endpoint")
    added, removed = kinds.pop() if kinds else (frozenset(), frozenset())
    v15 = served_fields(table, hidden)
    missing = added - {f.lower() for f in v15}
    stored = {c.name.lower(): c.name for c in TABLES[table] if c.served}
    if missing or not removed <= stored.keys():
        raise ValueError(f"{table}: Appendix C fields {sorted(missing | (removed - stored.keys()))} do not fit")
    keep = [f for f in v15 if f.lower() not in added]
    return tuple(keep + [stored[r] for r in sorted(removed) if stored[r] not in keep])


def v1_row(table: str, fields: Sequence[str], stored: sqlite3.Row | None) -> dict[str, Any]:
    body = to_json(TABLES[table], stored) or {}
    return {pascal(name): pascal_keys(body[name]) for name in fields}
