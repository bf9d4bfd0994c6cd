"""Users and enrollments for the deterministic datasets (see ``seed``).

Row tuples follow ``store.USER_COLUMNS`` and ``store.ENROLLMENT_COLUMNS`` exactly.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from conformance.vendors.absorb.simulator.seed import SPAN_S, Row

if TYPE_CHECKING:
    from conformance.vendors.absorb.simulator.seed import Generator

BULK_IMPORTS = 12          # distinct "bulk import" instants shared by many users (ties on dateAdded)
BULK_SHARE = 0.15          # share of users added by a bulk import
DOMAINS = ("example.com", "example.org", "example.net")
_NOT_WORD = re.compile(r"[^a-z0-9]")


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_WORD.sub("", folded.lower())


def _shift(stamp: str, seconds: int) -> str:
    return (datetime.fromisoformat(stamp) + timedelta(seconds=seconds)).isoformat()


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _custom_fields(gen: Generator) -> str:
    rng = gen.rng
    fields: dict[str, Any] = {}
    fields["decimal1"] = None if rng.random() < 0.1 else round(rng.randrange(0, 101) / 10, 1)
    for n in range(2, 6):
        fields[f"decimal{n}"] = gen.maybe(0.2, round(rng.uniform(0, 1000), 2))
    fields["string1"] = gen.maybe(0.7, f"CC-{rng.randrange(100, 140)}")
    fields["string2"] = gen.maybe(0.3, rng.choice(("North", "South", "East", "West")))
    for n in range(3, 31):
        fields[f"string{n}"] = None
    for n in range(1, 6):
        fields[f"datetime{n}"] = gen.maybe(0.15, gen.when()) if n <= 2 else None
    for n in range(1, 6):
        fields[f"bool{n}"] = gen.maybe(0.5, rng.random() < 0.5) if n <= 2 else None
    return _json(fields)


class _Context:
    """The fixed pools users draw from: departments, countries, provinces, roles, bulk instants."""

    def __init__(self, gen: Generator, department_ids: list[str]) -> None:
        self.departments = department_ids
        self.countries = [gen.guid() for _ in range(5)]
        self.provinces = [gen.guid() for _ in range(12)]
        self.roles = [gen.guid() for _ in range(6)]
        self.bulk = [gen.when() for _ in range(BULK_IMPORTS)]


def _identity(gen: Generator, seq: int) -> tuple[str, str | None, str, str, str]:
    rng, names = gen.rng, gen.names
    first, last = rng.choice(names.first), rng.choice(names.last)
    middle = rng.choice(names.first) if rng.random() < 0.35 else None
    handle = _ascii(first[0] + last) or "user"
    username = f"{handle}{seq}"
    if rng.random() < 0.2:
        username = username.capitalize()
    email = f"{_ascii(first)}.{_ascii(last)}{rng.randrange(3)}@{rng.choice(DOMAINS)}"
    return first, middle, last, username, email


def _dates(gen: Generator, ctx: _Context, active: bool) -> tuple[str | None, str | None, str, str, str | None]:
    rng = gen.rng
    added = rng.choice(ctx.bulk) if rng.random() < BULK_SHARE else gen.when(0, SPAN_S - 86_400 * 30)
    edited = added if rng.random() < 0.25 else _shift(added, rng.randrange(60, 86_400 * 400))
    login = None if rng.random() < 0.22 else _shift(added, rng.randrange(3_600, 86_400 * 200))
    hired = gen.maybe(0.8, _shift(added, -rng.randrange(0, 86_400 * 900)))
    terminated = None if active or rng.random() < 0.3 else _shift(added, rng.randrange(86_400, 86_400 * 600))
    return hired, terminated, added, edited, login


def _address(gen: Generator, ctx: _Context) -> tuple[Any, ...]:
    rng, names = gen.rng, gen.names
    city = rng.choice(names.cities)
    street = f"{rng.randrange(1, 9999)} {rng.choice(names.streets)} {rng.choice(names.street_types)}"
    suite = gen.maybe(0.15, f"Suite {rng.randrange(100, 1999)}")
    province = gen.maybe(0.8, rng.choice(ctx.provinces))
    letters = "ABCEGHJKLMNPRSTVWXYZ"
    postal = (f"{rng.choice(letters)}{rng.randrange(10)}{rng.choice(letters)} "
              f"{rng.randrange(10)}{rng.choice(letters)}{rng.randrange(10)}")
    phone = gen.maybe(0.85, f"+1-{rng.randrange(200, 999)}-555-{rng.randrange(10_000):04d}")
    return street, suite, city, province, rng.choice(ctx.countries), postal, phone


def _user(gen: Generator, ctx: _Context, seq: int, supervisors: list[str]) -> Row:
    rng = gen.rng
    uid = gen.guid()
    first, middle, last, username, email = _identity(gen, seq)
    active = rng.random() < 0.85
    cc = _json([f"manager{rng.randrange(50)}@example.com"] if rng.random() < 0.1 else [])
    street, suite, city, province, country, postal, phone = _address(gen, ctx)
    hired, terminated, added, edited, login = _dates(gen, ctx, active)
    roles = _json(sorted(rng.sample(ctx.roles, rng.choice((0, 1, 1, 2)))))
    is_manager = rng.random() < 0.1
    supervisor = rng.choice(supervisors) if supervisors and rng.random() < 0.8 else None
    external = gen.maybe(0.7, f"HR-{rng.randrange(1_000_000):06d}")
    return (
        seq, uid, rng.choice(ctx.departments), first, middle, last, username, email, cc,
        rng.choice((1, 1, 1, 2, 3)), rng.choice((0, 1, 2)), street, suite, city, province, country, postal,
        phone, f"E{seq:06d}", city, rng.choice(gen.names.job_titles), gen.maybe(0.3, f"REF-{seq:05d}"),
        hired, terminated, added, edited, login, gen.maybe(0.1, f"Note {seq}: imported from HRIS."),
        _custom_fields(gen), roles, 0 if active else 1, int(rng.random() < 0.97), int(rng.random() < 0.03),
        int(rng.random() < 0.05), int(is_manager), supervisor, external, 1,
    )


def users(gen: Generator, count: int, department_ids: list[str]) -> list[Row]:
    ctx = _Context(gen, department_ids)
    rows: list[Row] = []
    supervisors: list[str] = []
    for seq in range(count):
        row = _user(gen, ctx, seq, supervisors)
        rows.append(row)
        if row[34] and len(supervisors) < 400:  # isManager
            supervisors.append(row[1])
    return rows


def _enrollment(gen: Generator, user: Row, course: Row) -> Row:
    rng = gen.rng
    status = rng.choice((0, 0, 1, 1, 2, 2, 2, 3, 4, 5, 6, 7, 12))
    started = _shift(user[24], rng.randrange(0, 86_400 * 300))
    done = status == 2
    completed = _shift(started, rng.randrange(600, 86_400 * 60)) if done else None
    progress = 100.0 if done else round(rng.uniform(0, 99), 1)
    score = round(rng.uniform(50, 100), 1) if done else None
    return (
        gen.guid(), user[1], course[0], course[1], gen.guid(), f"{user[3]} {user[5]}", progress, score,
        status, 0 if status == 12 else 1, started, completed, gen.maybe(0.2, _shift(started, 86_400 * 365)),
        gen.maybe(0.4, _shift(started, 86_400 * 30)), started, completed or started,
        f"{rng.randrange(0, 12):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}",
        gen.guid() if done and rng.random() < 0.5 else None, course[5],
    )


def enrollments(gen: Generator, count: int, people: list[Row], courses: list[Row]) -> list[Row]:
    if count > len(people) * len(courses):
        raise ValueError("more enrollments than distinct user/course pairs")
    rows: list[Row] = []
    seen: set[tuple[int, int]] = set()
    while len(rows) < count:
        pair = (gen.rng.randrange(len(people)), gen.rng.randrange(len(courses)))
        if pair in seen:
            continue
        seen.add(pair)
        rows.append(_enrollment(gen, people[pair[0]], courses[pair[1]]))
    return rows
