"""Deterministic sample data: three sites (two with an active subscription, then one without), their venues,
500 users, 2,000 games over the subscribed sites (a few more on the lapsed one), each game's assignments and
every user's availability.

One ``random.Random`` per dataset with a fixed seed, so the same dataset name gives identical rows on every run.
Rows are tuples in the column order of ``tables.TABLES``. Games are numbered in start-time order within the
season; times are written ISO 8601 with the site's UTC offset (``2025-09-06T09:00:00-04:00``), the localized
date ``YYYY-MM-DD`` and times ``9:00 AM`` (assumed: clients only read them as text).
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

SEED = "lmsconf-assignr-20250101"
STAMP = "2025-01-15T12:00:00Z"
SEASON_START = datetime(2025, 9, 6, 8, 0)
SEASON_DAYS = 120
Row = tuple[Any, ...]

SITES = (("Coastal Youth Soccer League", "Eastern Time (US & Canada)", "-04:00", True),
         ("Bay Area Referee Association", "Pacific Time (US & Canada)", "-07:00", True),
         ("Lakeside Lapsed League", "Central Time (US & Canada)", "-05:00", False))
FIRST = ("Ana", "Ben", "Chloé", "Dmitri", "Ebony", "Farid", "Grace", "Hiroshi", "Inés", "Jamal", "Kate", "Liam",
         "María", "Noah", "Olu", "Priya", "Quinn", "Rosa", "Sean", "Tomás", "Uma", "Viktor", "Wen", "Yusuf", "Zoë")
LAST = ("Abbott", "Brennan", "Castillo", "D'Angelo", "Eriksen", "Fitzgerald", "García", "Huang", "Ivanova",
        "Jackson", "Kowalski", "López", "McAllister", "Nguyen", "O'Brien", "Patel", "Quintero", "Rossi",
        "Schmidt", "Thompson", "Urbanski", "Van der Berg", "Williams", "Xu", "Young")
TOWNS = ("Marshfield", "Duxbury", "Plymouth", "Kingston", "Scituate", "Hanover", "Pembroke", "Norwell")
AGE_GROUPS = ("U8", "U10", "U12", "U14", "U16", "U19")
GENDERS = ("Boys", "Girls", "Coed")
LEAGUES = ("Coastal", "South Shore", "Bay State", "Cup")
GAME_TYPES = ("Coastal", "Tournament", "Scrimmage")
PATTERNS = ("Referee + 2 AR", "Referee Only", "Dual")
POSITIONS = ("Referee", "Asst. Referee", "Asst. Referee")


@dataclass(frozen=True)
class DatasetSpec:
    users: tuple[int, ...]          # per site
    games: tuple[int, ...]          # per site
    venues: tuple[int, ...]         # per site


DATASETS: dict[str, DatasetSpec] = {
    "default": DatasetSpec(users=(260, 210, 30), games=(1_150, 850, 24), venues=(8, 6, 2)),
}


def clock_text(when: datetime) -> str:
    """A localized time as the API writes it (assumed): ``9:00 AM``."""
    return when.strftime("%I:%M %p").lstrip("0")


def _sites() -> list[Row]:
    return [(sid, int(subscribed), name, zone, "Soccer", STAMP, STAMP)
            for sid, (name, zone, _offset, subscribed) in enumerate(SITES, start=1)]


def _venues(rng: random.Random, spec: DatasetSpec) -> list[Row]:
    rows: list[Row] = []
    for site, count in enumerate(spec.venues, start=1):
        for _ in range(count):
            town = rng.choice(TOWNS)
            vid = len(rows) + 1
            rows.append((vid, site, f"{town} Field {vid}", f"{rng.randrange(10, 999)} Main Street", town, "MA",
                         f"02{rng.randrange(100, 999)}"))
    return rows


def _users(rng: random.Random, spec: DatasetSpec) -> list[Row]:
    rows: list[Row] = []
    for site, count in enumerate(spec.users, start=1):
        for index in range(count):
            uid = len(rows) + 1
            first, last = rng.choice(FIRST), rng.choice(LAST)
            assignor = index < 4 or rng.random() < 0.03
            official = not assignor or rng.random() < 0.5
            local = "".join(c for c in f"{first}.{last}".lower() if c.isascii() and (c.isalnum() or c == "."))
            emails = [f"{local}.{uid}@example.org"] + ([f"{local}{uid}@example.net"] if rng.random() < 0.2 else [])
            phone = f"617-555-{rng.randrange(10000):04d}" if rng.random() < 0.8 else None
            rows.append((uid, site, first, last, phone, int(official), int(assignor), int(rng.random() < 0.05),
                         int(rng.random() < 0.9), json_list(emails), STAMP, STAMP))
    return rows


def json_list(values: Sequence[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def _games(rng: random.Random, spec: DatasetSpec, venues: Sequence[Row],
           users: Sequence[Row]) -> tuple[list[Row], list[Row]]:
    planned: list[tuple[datetime, int]] = []
    for site, count in enumerate(spec.games, start=1):
        for _ in range(count):
            day = SEASON_START + timedelta(days=rng.randrange(SEASON_DAYS))
            planned.append((day + timedelta(minutes=90 * rng.randrange(7)), site))
    planned.sort()
    site_venues = {s: [v[0] for v in venues if v[1] == s] for s in range(1, len(spec.games) + 1)}
    assignors = {s: [u[0] for u in users if u[1] == s and u[6]] for s in site_venues}
    officials = {s: [u[0] for u in users if u[1] == s and u[5]] for s in site_venues}
    games: list[Row] = []
    assignments: list[Row] = []
    for start, site in planned:
        gid = len(games) + 1
        offset = SITES[site - 1][2]
        end = start + timedelta(minutes=75)
        cancelled = rng.random() < 0.04
        pattern = rng.choice(PATTERNS)
        subvenue = f"Field {rng.randrange(1, 5)}" if rng.random() < 0.6 else None
        games.append((gid, site, rng.choice(site_venues[site]), rng.choice(assignors[site]),
                      start.isoformat() + offset, end.isoformat() + offset, start.date().isoformat(),
                      clock_text(start), clock_text(end), rng.choice(AGE_GROUPS), f"{rng.choice(TOWNS)} FC",
                      f"{rng.choice(TOWNS)} United", rng.choice(GENDERS), rng.choice(LEAGUES), pattern,
                      "cancelled" if cancelled else "normal", int(cancelled), int(rng.random() < 0.9),
                      f"G{gid:05d}", None, 0, None if rng.random() < 0.7 else "Bring both kits.",
                      rng.choice(GAME_TYPES), subvenue, STAMP, STAMP))
        crew = 1 if pattern == "Referee Only" else (2 if pattern == "Dual" else 3)
        for position, official in zip(POSITIONS[:crew], rng.sample(officials[site], crew), strict=True):
            accepted = rng.random() < 0.8
            assignments.append((len(assignments) + 1, gid, official, position, int(accepted),
                                int(not accepted and rng.random() < 0.3)))
    return games, assignments


def _availability(rng: random.Random, users: Sequence[Row]) -> list[Row]:
    rows: list[Row] = []
    for user in users:
        for day in sorted(rng.sample(range(SEASON_DAYS), rng.randrange(0, 7))):
            date = (SEASON_START + timedelta(days=day)).date().isoformat()
            all_day = rng.random() < 0.5
            start = None if all_day else f"{rng.randrange(8, 13)}:00 AM".replace("12:00 AM", "12:00 PM")
            end = None if all_day else f"{rng.randrange(2, 9)}:00 PM"
            rows.append((len(rows) + 1, user[0], date, "true" if all_day else "false", start, end,
                         None if rng.random() < 0.8 else "Travel in the evening"))
    return rows


def generate(dataset: str = "default") -> Mapping[str, Sequence[Row]]:
    """The named dataset's rows per table (ValueError for an unknown name)."""
    spec = DATASETS.get(dataset)
    if spec is None:
        raise ValueError(f"unknown dataset {dataset!r} (known: {', '.join(DATASETS)})")
    rng = random.Random(f"{SEED}-{dataset}")
    venues = _venues(rng, spec)
    users = _users(rng, spec)
    games, assignments = _games(rng, spec, venues, users)
    return {"sites": _sites(), "venues": venues, "users": users, "games": games, "assignments": assignments,
            "availability": _availability(rng, users)}
