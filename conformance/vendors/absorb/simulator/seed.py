"""Deterministic sample data for the simulator: departments, courses, users, enrollments and the
rest of a portal (lessons, sessions, schedules, attendance, certificates, coupons, groups, roles,
tags, resources; see ``seed_portal``).

Everything comes from one ``random.Random`` with a fixed seed and the small name
lists in ``fixtures/absorb/``, so the same dataset name gives byte-identical rows
on every run. Rows are plain tuples in the column order of ``tables.SCHEMA``.

The data deliberately carries what makes sorting and filtering interesting:
shared last names (some lower-case, some with apostrophes or accents), many
users per department, bulk-imported users sharing one ``dateAdded``, ties and
nulls in ``customFields.decimal1``, and nulls in ``middleName``,
``lastLoginDate``, ``externalId`` and ``dateTerminated``.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from conformance.paths import FIXTURES

SEED = 20240501
EPOCH = datetime(2015, 1, 1)
NOW = datetime(2024, 6, 30)
SPAN_S = int((NOW - EPOCH).total_seconds())
Row = tuple[Any, ...]


@dataclass(frozen=True)
class DatasetSpec:
    users: int
    departments: int = 40
    courses: int = 300
    enrollments: int = 20_000
    lessons: int = 0          # at least this many lessons (a versioned endpoint): more are drawn after the rest


DATASETS: dict[str, DatasetSpec] = {
    "default": DatasetSpec(users=2_500),
    "large": DatasetSpec(users=60_000, lessons=60_000),   # 1.5.0 /lessons: the seed's "up to 55k rows"
}


@dataclass(frozen=True)
class Dataset:
    name: str
    departments: tuple[Row, ...]
    courses: tuple[Row, ...]
    users: tuple[Row, ...]
    enrollments: tuple[Row, ...]
    lessons: tuple[Row, ...] = ()
    lesson_enrollments: tuple[Row, ...] = ()
    sessions: tuple[Row, ...] = ()
    session_schedules: tuple[Row, ...] = ()
    attendance: tuple[Row, ...] = ()
    certificates: tuple[Row, ...] = ()
    coupons: tuple[Row, ...] = ()
    groups: tuple[Row, ...] = ()
    roles: tuple[Row, ...] = ()
    tags: tuple[Row, ...] = ()
    resources: tuple[Row, ...] = ()

    def rows(self) -> dict[str, tuple[Row, ...]]:
        """Table name -> rows, as ``Store.load`` takes them."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "name"}


@dataclass(frozen=True)
class Names:
    first: tuple[str, ...]
    last: tuple[str, ...]
    departments: tuple[str, ...]
    course_prefixes: tuple[str, ...]
    course_topics: tuple[str, ...]
    course_suffixes: tuple[str, ...]
    cities: tuple[str, ...]
    streets: tuple[str, ...]
    street_types: tuple[str, ...]
    job_titles: tuple[str, ...]


def _read(directory: Path, name: str) -> Any:
    return json.loads((directory / name).read_text(encoding="utf-8"))


def load_names(directory: Path = FIXTURES / "absorb") -> Names:
    words, places = _read(directory, "course_words.json"), _read(directory, "places.json")
    return Names(
        first=tuple(_read(directory, "first_names.json")), last=tuple(_read(directory, "last_names.json")),
        departments=tuple(_read(directory, "departments.json")),
        course_prefixes=tuple(words["prefixes"]), course_topics=tuple(words["topics"]),
        course_suffixes=tuple(words["suffixes"]), cities=tuple(places["cities"]),
        streets=tuple(places["streets"]), street_types=tuple(places["street_types"]),
        job_titles=tuple(places["job_titles"]),
    )


class Generator:
    """Draws every value from one seeded ``random.Random``; call order fixes the output."""

    def __init__(self, names: Names, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.names = names

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def when(self, start: int = 0, end: int = SPAN_S) -> str:
        return (EPOCH + timedelta(seconds=self.rng.randrange(start, end))).isoformat()

    def maybe(self, probability: float, value: Any) -> Any:
        return value if self.rng.random() < probability else None

    def departments(self, count: int) -> list[Row]:
        if count > len(self.names.departments):
            raise ValueError(f"only {len(self.names.departments)} department names in the fixtures")
        rows: list[Row] = []
        for index, name in enumerate(self.names.departments[:count]):
            parent = rows[self.rng.randrange(len(rows))][0] if rows and self.rng.random() < 0.5 else None
            rows.append((self.guid(), name, parent, f"DEPT-{index:03d}", self.when()))
        return rows

    def courses(self, count: int) -> list[Row]:
        rng, names, rows = self.rng, self.names, []
        types = ("OnlineCourse", "OnlineCourse", "InstructorLedCourse", "CourseBundle", "Curriculum")
        for index in range(count):
            title = f"{rng.choice(names.course_prefixes)} {rng.choice(names.course_topics)}"
            added = self.when()
            rows.append((
                self.guid(), f"{title}{rng.choice(names.course_suffixes)}", f"Course {index:04d}: {title}.",
                rng.choice(types), 0 if rng.random() < 0.9 else 1, round(rng.choice((0, 0, 0, 1.5, 2, 4)), 1),
                added, added if rng.random() < 0.3 else self.when(), self.maybe(0.6, f"CRS-{index:05d}"),
            ))
        return rows


def generate_with(names: Names, spec: DatasetSpec, name: str = "custom", seed: int = SEED) -> Dataset:
    """Generate one dataset; the same arguments always give identical rows.

    The portal tables are drawn after the people, from the same generator, so
    adding them left the departments, courses, users and enrollments unchanged.
    """
    from conformance.vendors.absorb.simulator.seed_people import enrollments, users
    from conformance.vendors.absorb.simulator.seed_portal import portal

    gen = Generator(names, seed)
    departments = gen.departments(spec.departments)
    courses = gen.courses(spec.courses)
    people = users(gen, spec.users, [d[0] for d in departments])
    taken = enrollments(gen, spec.enrollments, people, courses)
    rest = portal(gen, departments, courses, people, taken)
    if len(rest["lessons"]) < spec.lessons:
        from conformance.vendors.absorb.simulator.seed_portal import more_lessons

        rest["lessons"] += tuple(more_lessons(gen, courses, spec.lessons - len(rest["lessons"])))
    return Dataset(name, tuple(departments), tuple(courses), tuple(people), tuple(taken), **rest)


@cache
def generate(dataset: str = "default") -> Dataset:
    """The named dataset (cached per process: generation is deterministic, rows are immutable)."""
    try:
        spec = DATASETS[dataset]
    except KeyError:
        raise ValueError(f"unknown dataset {dataset!r} (known: {', '.join(sorted(DATASETS))})") from None
    return generate_with(load_names(), spec, dataset)
