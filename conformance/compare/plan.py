"""Which requests ``lmsconf compare`` sends to both sides, and which differences the vendor documents for each.

Two profiles are related when one names the other as its older API (``[versions] counterpart``): the newer one's
resources name their older twin (``counterpart``), and both list the rows of the vendor's difference table they
answer for (``appendix_c_rows``). Unrelated profiles (one API against itself: a sandbox and production) pair their
resources by name and predict nothing. Each pair gives a collection operation (the first page) and, where both
sides have an item path, an item operation (one record by id).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from conformance import vendors
from conformance.profiles import Profile, Resource

OpKind = Literal["collection", "item"]


@dataclass(frozen=True)
class Prediction:
    """One documented difference row, oriented from side A to side B."""

    row: int
    method: str
    path: str
    text: str
    source: str
    added: tuple[str, ...]     # fields B has and A has not
    removed: tuple[str, ...]   # fields A has and B has not

    @property
    def label(self) -> str:
        return f"{self.source} row {self.row}"

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "source": self.source, "method": self.method, "path": self.path,
                "text": self.text, "added_in_b": list(self.added), "removed_in_b": list(self.removed)}


@dataclass(frozen=True)
class Operation:
    """One GET both sides answer: ``a`` and ``b`` are each side's resource."""

    kind: OpKind
    a: Resource
    b: Resource
    predictions: tuple[Prediction, ...]

    @property
    def name(self) -> str:
        pair = self.a.name if self.a.name == self.b.name else f"{self.a.name}~{self.b.name}"
        return f"{pair} ({self.kind})"

    def key(self, side: str) -> str:
        """The key of this operation in side ``side``'s capture (that side's resource name and the kind)."""
        return f"{(self.a if side == 'a' else self.b).name}:{self.kind}"


def _counterpart(profile: Profile) -> str | None:
    found = profile.section("versions").get("counterpart")
    return str(found) if found else None


def direction(a: Profile, b: Profile) -> int:
    """1 when B is the newer API of A (B names A as its counterpart), -1 when A is B's newer one, 0 otherwise."""
    if a.id == b.id:
        return 0
    if _counterpart(b) == a.id:
        return 1
    return -1 if _counterpart(a) == b.id else 0


def pairs(a: Profile, b: Profile) -> list[tuple[Resource, Resource]]:
    """The resource pairs compared, in the order of the newer profile (of A when unrelated)."""
    way = direction(a, b)
    if way == 0:
        names = {r.name: r for r in b.resources}
        return [(r, names[r.name]) for r in a.resources if r.name in names]
    newer, older = (b, a) if way == 1 else (a, b)
    by_name = {r.name: r for r in older.resources}
    found = [(by_name[r.counterpart], r) for r in newer.resources if r.counterpart and r.counterpart in by_name]
    return found if way == 1 else [(new, old) for old, new in found]


def _predictions(a: Profile, b: Profile, ra: Resource, rb: Resource, kind: OpKind) -> tuple[Prediction, ...]:
    way = direction(a, b)
    if way == 0:
        return ()
    numbers = set(ra.appendix_c_rows) & set(rb.appendix_c_rows)
    found = []
    for row in vendors.documented_differences(b.id if way == 1 else a.id):
        if row["row"] not in numbers or row["method"] != "GET" or bool(row["item"]) != (kind == "item"):
            continue
        added, removed = tuple(row["added"]), tuple(row["removed"])
        found.append(Prediction(int(row["row"]), str(row["method"]), str(row["path"]), str(row["text"]),
                                str(row["source"]), *((added, removed) if way == 1 else (removed, added))))
    return tuple(sorted(found, key=lambda p: p.row))


def operations(a: Profile, b: Profile) -> list[Operation]:
    """Every operation compared: per resource pair its collection, and its item where both sides have one."""
    ops: list[Operation] = []
    for ra, rb in pairs(a, b):
        ops.append(Operation("collection", ra, rb, _predictions(a, b, ra, rb, "collection")))
        if ra.item_path and rb.item_path:
            ops.append(Operation("item", ra, rb, _predictions(a, b, ra, rb, "item")))
    return ops


def rows_claimed(a: Profile, b: Profile) -> set[int]:
    """The numbers of every documented row some operation answers for (what a clean compare lists as expected)."""
    return {p.row for op in operations(a, b) for p in op.predictions}
