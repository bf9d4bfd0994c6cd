"""Deterministic sample data: users and their course results.

One ``random.Random`` per dataset with a fixed seed and the name lists in ``fixtures/ihasco/names.json``, so
the same dataset name gives identical rows on every run. Rows are tuples in the column order of
``tables.TABLES``. User ids rise in user order with occasional gaps (users removed over the years), so a
cursor is an id, not a row count; results are numbered in the order they were logged, so one user's result ids
are scattered. Names carry accents, apostrophes and spaces; e-mail addresses are ASCII and unique;
``last_login``, ``phone`` and the optional fields are null in a share of the rows. Dates are written
``YYYY-MM-DD HH:MM:SS`` (assumed: the SDK only says they are strings).
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from conformance.paths import FIXTURES

SEED = "lmsconf-ihasco-20250101"
EPOCH = datetime(2019, 1, 1)
NOW = datetime(2024, 12, 1)      # every seeded date is before it
SPAN_S = int((NOW - EPOCH).total_seconds())
MAX_RESULTS = 6
Row = tuple[Any, ...]


@dataclass(frozen=True)
class DatasetSpec:
    users: int


DATASETS: dict[str, DatasetSpec] = {
    "default": DatasetSpec(users=1_650),
    "large": DatasetSpec(users=20_000),
}


@cache
def names() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / "ihasco" / "names.json").read_text(encoding="utf-8"))
    return loaded


def stamp(when: datetime) -> str:
    """How the API writes a date and time (assumed): ``2024-03-05 14:07:09``."""
    return when.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")


def _ascii(text: str) -> str:
    """``text`` as an e-mail address's local part: without accents, spaces or apostrophes (Łukasz -> lukasz)."""
    folded = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    kept = "".join(c for c in folded if not unicodedata.combining(c) and c.isascii())
    return "".join(c for c in kept.lower() if c.isalnum() or c in ".-")


def _maybe(rng: random.Random, share: float, value: Any) -> Any:
    return value if rng.random() < share else None


def _users(rng: random.Random, count: int) -> list[Row]:
    lists = names()
    rows: list[Row] = []
    uid = 0
    for _ in range(count):
        uid += 1 if rng.random() < 0.9 else rng.randrange(2, 6)
        first, last = rng.choice(lists["first_names"]), rng.choice(lists["last_names"])
        local = f"{_ascii(first)}.{_ascii(last)}"
        created = EPOCH + timedelta(seconds=rng.randrange(SPAN_S))
        login = _maybe(rng, 0.75, stamp(created + timedelta(seconds=rng.randrange(int((NOW - created)
                                                                                      .total_seconds()) + 1))))
        optional = [_maybe(rng, share, rng.choice(lists["optional_values"])) for share in
                    (0.6, 0.4, 0.3, 0.2, 0.1, 0.05)]
        rows.append((uid, uid, rng.random() < 0.9, rng.choice(lists["companies"]), stamp(created),
                     f"{local}.{uid}@example.org", first, last, rng.random() < 0.1, login,
                     f"{local}{uid}", _maybe(rng, 0.7, f"0{rng.randrange(1200000000, 1999999999)}"), *optional))
    return rows


def _results(rng: random.Random, users: Sequence[Row]) -> list[Row]:
    courses = names()["courses"]
    logged: list[tuple[str, int, bool, int, int]] = []
    for user in users:
        created = datetime.strptime(user[4], "%Y-%m-%d %H:%M:%S")
        span = int((NOW - created).total_seconds())
        for _ in range(rng.randrange(MAX_RESULTS + 1)):
            when = stamp(created + timedelta(seconds=rng.randrange(span + 1)))
            course = rng.randrange(len(courses))
            logged.append((when, user[0], rng.random() < 0.15, rng.randrange(40, 101), course))
    logged.sort()
    rows: list[Row] = []
    rid = 0
    for when, owner, archived, score, course in logged:
        rid += 1 if rng.random() < 0.95 else rng.randrange(2, 4)
        rows.append((rid, owner, rid, archived, when, score, course + 1, courses[course]))
    return rows


def generate(dataset: str = "default") -> Mapping[str, Sequence[Row]]:
    """The named dataset's rows per table (ValueError for an unknown name)."""
    spec = DATASETS.get(dataset)
    if spec is None:
        raise ValueError(f"unknown dataset {dataset!r} (known: {', '.join(DATASETS)})")
    rng = random.Random(f"{SEED}-{dataset}")
    users = _users(rng, spec.users)
    return {"users": users, "results": _results(rng, users)}
