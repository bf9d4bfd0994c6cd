"""Deterministic sample data: contacts, applications (enrolments), courses and communication categories.

One ``random.Random`` per dataset with a fixed seed and the name lists in ``fixtures/qses/names.json``, so
the same dataset name gives identical rows on every run. Rows are tuples in the column order of
``tables.TABLES``. Nullable fields are null in a share of the rows (Mobile, CrmNumber, DateOfBirth, Title,
Gender, Nationality, StartDate), names carry accents, apostrophes and spaces, e-mail addresses are ASCII and
unique, and ids run from 1.
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

SEED = "lmsconf-qses-20250101"
EPOCH = datetime(2020, 1, 1)
NOW = datetime(2024, 12, 1)      # every seeded date is before it; writes stamp later dates
SPAN_S = int((NOW - EPOCH).total_seconds())
Row = tuple[Any, ...]


@dataclass(frozen=True)
class DatasetSpec:
    contacts: int
    applications: int
    courses: int = 40
    categories: int = 12


DATASETS: dict[str, DatasetSpec] = {
    "default": DatasetSpec(contacts=2_100, applications=400),
    "large": DatasetSpec(contacts=60_000, applications=12_000),
}


@cache
def names() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / "qses" / "names.json").read_text(encoding="utf-8"))
    return loaded


def stamp(when: datetime) -> str:
    """How the API writes a datetime: ISO 8601 to the second, no offset (as Json.NET writes a DateTime)."""
    return when.replace(microsecond=0).isoformat()


def _ascii(text: str) -> str:
    """``text`` without accents (an e-mail address's local part): Tomás -> Tomas, Zoë -> Zoe."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _maybe(rng: random.Random, share: float, value: Any) -> Any:
    return value if rng.random() < share else None


def _created(rng: random.Random) -> tuple[str, str]:
    created = EPOCH + timedelta(seconds=rng.randrange(SPAN_S))
    modified = min(created + timedelta(seconds=rng.randrange(200 * 86400)), NOW)
    return stamp(created), stamp(modified)


def _courses(rng: random.Random, count: int) -> list[Row]:
    lists = names()
    rows: list[Row] = []
    for index in range(count):
        subject, code = lists["subjects"][index % len(lists["subjects"])]
        level, prefix = lists["levels"][(index // len(lists["subjects"]) + index) % len(lists["levels"])]
        start = _maybe(rng, 0.8, stamp(datetime(2024 + rng.randrange(2), rng.choice((1, 9)), 1)))
        rows.append((index + 1, f"{prefix} {subject}", f"{code}{100 + index}", level, start))
    return rows


def _contacts(rng: random.Random, count: int) -> list[Row]:
    lists = names()
    rows: list[Row] = []
    for cid in range(1, count + 1):
        first, last = rng.choice(lists["first_names"]), rng.choice(lists["surnames"])
        local = _ascii(f"{first}.{last}".lower()).replace(" ", "").replace("'", "")
        email = f"{local}.{cid}@example.org"
        mobile = _maybe(rng, 0.85, f"07700{rng.randrange(900000, 1000000)}")
        crm = _maybe(rng, 0.8, f"CRM{cid:07d}")
        born = _maybe(rng, 0.7, stamp(datetime(1970, 1, 1) + timedelta(days=rng.randrange(36 * 365))))
        title = _maybe(rng, 0.8, rng.choice(lists["titles"]))
        gender = _maybe(rng, 0.75, rng.choice(lists["genders"]))
        nationality = _maybe(rng, 0.9, rng.choice(lists["nationalities"]))
        rows.append((cid, first, last, email, mobile, crm, born, title, gender, nationality, *_created(rng)))
    return rows


def _applications(rng: random.Random, count: int, contacts: int, courses: Sequence[Row]) -> list[Row]:
    statuses = names()["statuses"]
    rows: list[Row] = []
    for aid in range(1, count + 1):
        course = rng.choice(courses)
        start = course[4] if rng.random() < 0.9 else None
        rows.append((aid, rng.randrange(1, contacts + 1), course[0], rng.choice(statuses), start, *_created(rng)))
    return rows


def generate(dataset: str = "default") -> Mapping[str, Sequence[Row]]:
    """The named dataset's rows per table (ValueError for an unknown name)."""
    spec = DATASETS.get(dataset)
    if spec is None:
        raise ValueError(f"unknown dataset {dataset!r} (known: {', '.join(DATASETS)})")
    rng = random.Random(f"{SEED}-{dataset}")
    courses = _courses(rng, spec.courses)
    contacts = _contacts(rng, spec.contacts)
    applications = _applications(rng, spec.applications, spec.contacts, courses)
    categories = [(i + 1, name) for i, name in enumerate(names()["categories"][:spec.categories])]
    return {"contacts": contacts, "applications": applications, "courses": courses,
            "communication_categories": categories}
