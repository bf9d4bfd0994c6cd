"""The rest of a portal, drawn after the people (see ``seed``): everything hangs off the courses,
users and enrollments already generated, so the references hold.

- lessons for each online course, and lesson enrollments for the lessons an enrollment reached;
- sessions for each instructor-led course, schedules per session, attendance per schedule taken
  from the users enrolled in that course;
- a certificate for each completed enrollment that names one (same id as its ``certificateId``);
- coupons, groups, roles (first the role ids users already carry), tags and resources.

Row tuples follow ``tables.SCHEMA`` exactly. The values carry ties (shared dates, types,
amounts, names differing only in case) and nulls for sorting and filtering to bite on.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from conformance.vendors.absorb.simulator.seed import Row

if TYPE_CHECKING:
    from conformance.vendors.absorb.simulator.seed import Generator

LESSON_TYPES = ("Video", "Assessment", "Object", "Assignment", "Survey", "Task")
TIME_ZONES = ("America/Edmonton", "America/Toronto", "Europe/London", "Australia/Sydney")
ROLE_NAMES = ("Learner", "Administrator", "Instructor", "Manager", "Reporter", "Content Author",
              "Department Admin", "Ecommerce Admin", "Supervisor", "Auditor", "Guest", "Support Agent",
              "Course Reviewer", "Observer")
TAG_EXTRAS = ("Mandatory", "Optional", "New Hire", "Annual", "Compliance", "compliance", "Safety", "safety",
              "Leadership", "Soft Skills", "Technical", "Onboarding", "onboarding", "Regulatory", "Sales")
GROUP_KINDS = ("Team", "Cohort", "Champions", "Leads", "New Starters")
COUPON_WORDS = ("SPRING", "SUMMER", "AUTUMN", "WINTER", "WELCOME", "LOYALTY", "PARTNER", "STAFF")
RESOURCE_KINDS = ("Handbook", "Checklist", "Policy", "Quick Reference", "Template", "Slide Deck")


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _shift(stamp: str, seconds: int) -> str:
    return (datetime.fromisoformat(stamp) + timedelta(seconds=seconds)).isoformat()


def _of_type(courses: list[Row], course_type: str) -> list[Row]:
    return [c for c in courses if c[3] == course_type]


def lessons(gen: Generator, courses: list[Row]) -> list[Row]:
    """Two to six lessons per online course, in one to three chapters."""
    rng, rows = gen.rng, []
    for course in _of_type(courses, "OnlineCourse"):
        chapters = [gen.guid() for _ in range(rng.randrange(1, 4))]
        for order in range(rng.randrange(2, 7)):
            kind = rng.choice(LESSON_TYPES)
            rows.append((
                gen.guid(), course[0], chapters[order * len(chapters) // 6], f"{order + 1}. {kind}: {course[1]}",
                gen.maybe(0.6, f"{kind} for {course[1]}."), kind, order, rng.random() < 0.8,
                gen.maybe(0.3, rng.choice((0.5, 1.0, 1.0, 2.0))), _shift(course[6], rng.randrange(0, 86_400 * 3)),
            ))
    return rows


def more_lessons(gen: Generator, courses: list[Row], count: int) -> list[Row]:
    """``count`` further lessons spread over the online courses (the large dataset's versioned collection),
    drawn after every other table so the rest of the data stays as it is."""
    rng, rows = gen.rng, []
    online = _of_type(courses, "OnlineCourse")
    for index in range(count):
        course = online[index % len(online)]
        kind = rng.choice(LESSON_TYPES)
        order = 6 + index // len(online)
        rows.append((
            gen.guid(), course[0], gen.guid(), f"{order + 1}. {kind}: {course[1]}", None, kind, order,
            rng.random() < 0.8, gen.maybe(0.3, 1.0), _shift(course[6], rng.randrange(0, 86_400 * 30)),
        ))
    return rows


def _grouped(rows: list[Row], column: int) -> dict[str, list[Row]]:
    """Rows by the value of one column, in their original order."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row[column], []).append(row)
    return groups


def lesson_enrollments(gen: Generator, lesson_rows: list[Row], taken: list[Row]) -> list[Row]:
    """For each started enrollment in an online course, one row per lesson its progress reached."""
    rng, rows = gen.rng, []
    by_course = _grouped(lesson_rows, 1)
    for enrollment in taken:
        course_lessons = by_course.get(enrollment[2], [])
        if not course_lessons or enrollment[8] == 0:
            continue
        reached = max(1, math.ceil(enrollment[6] / 100 * len(course_lessons)))
        for lesson in course_lessons[:reached]:
            done = enrollment[8] == 2 or rng.random() < 0.5
            started = _shift(enrollment[10], rng.randrange(0, 86_400 * 10))
            completed = _shift(started, rng.randrange(300, 86_400 * 5)) if done else None
            rows.append((
                gen.guid(), enrollment[0], enrollment[1], enrollment[2], lesson[0], lesson[3], enrollment[5],
                2 if done else 1, 100.0 if done else round(rng.uniform(0, 99), 1),
                gen.maybe(0.5, round(rng.uniform(40, 100), 1)) if done else None, rng.randrange(1, 4),
                f"00:{rng.randrange(60):02d}:{rng.randrange(60):02d}", started, completed, started,
                completed or started,
            ))
    return rows


def sessions(gen: Generator, courses: list[Row]) -> list[Row]:
    """Two to five sessions per instructor-led course."""
    rng, rows = gen.rng, []
    venues = [gen.guid() for _ in range(8)]
    for course in _of_type(courses, "InstructorLedCourse"):
        for number in range(rng.randrange(2, 6)):
            start = _shift(course[6], rng.randrange(86_400, 86_400 * 700))
            rows.append((
                gen.guid(), course[0], f"{course[1]} - Session {number + 1}",
                gen.maybe(0.4, f"Session {number + 1} of {course[1]}."), gen.maybe(0.7, rng.choice(venues)),
                gen.maybe(0.6, rng.choice((10, 20, 20, 25, 30))), rng.choice(TIME_ZONES), start,
                _shift(start, 86_400 * rng.randrange(1, 4)), _shift(course[6], rng.randrange(0, 86_400)),
            ))
    return rows


def schedules(gen: Generator, session_rows: list[Row], instructors: list[str]) -> list[Row]:
    """One to three day schedules per session, each on its own day from the session start."""
    rng, rows = gen.rng, []
    for session in session_rows:
        for day in range(rng.randrange(1, 4)):
            start = _shift(session[7], 86_400 * day + 3_600 * rng.choice((0, 0, 1)))
            rows.append((
                gen.guid(), session[0], session[1], start, _shift(start, 3_600 * rng.choice((2, 4, 7))),
                gen.maybe(0.7, rng.choice(gen.names.cities)), gen.maybe(0.8, rng.choice(instructors)),
                session[9],
            ))
    return rows


def attendance(gen: Generator, schedule_rows: list[Row], taken: list[Row]) -> list[Row]:
    """For each schedule, three to twelve of the users enrolled in its course."""
    rng, rows = gen.rng, []
    enrolled = _grouped(taken, 2)
    for schedule in schedule_rows:
        pool = enrolled.get(schedule[2], [])
        for enrollment in rng.sample(pool, min(len(pool), rng.randrange(3, 13))):
            attended = rng.random() < 0.75
            rows.append((
                gen.guid(), schedule[1], schedule[0], enrollment[1], enrollment[5], attended,
                gen.maybe(0.6, rng.choice((60, 90, 120, 120, 240))) if attended else None,
                gen.maybe(0.85, _shift(schedule[4], rng.randrange(0, 86_400 * 2))),
            ))
    return rows


def certificates(gen: Generator, taken: list[Row]) -> list[Row]:
    """One certificate per enrollment that names a certificateId (completed ones only)."""
    rng, rows = gen.rng, []
    for enrollment in taken:
        if enrollment[17] is None:
            continue
        acquired = enrollment[11] or enrollment[10]
        rows.append((
            enrollment[17], enrollment[1], enrollment[2], enrollment[0], enrollment[3], enrollment[5], acquired,
            gen.maybe(0.4, _shift(acquired, 86_400 * rng.choice((365, 730, 1095)))), enrollment[18],
            gen.maybe(0.1, "Issued on completion."),
        ))
    return rows


def coupons(gen: Generator, courses: list[Row], count: int = 120) -> list[Row]:
    rng, rows = gen.rng, []
    launches = [gen.when() for _ in range(6)]
    for index in range(count):
        start = rng.choice(launches)
        kind = rng.choice((0, 0, 1))
        amount = rng.choice((5, 10, 10, 15, 20, 25, 50)) if kind == 0 else rng.choice((25.0, 50.0, 99.99))
        rows.append((
            gen.guid(), f"{rng.choice(COUPON_WORDS)}-{index:03d}", f"{rng.choice(COUPON_WORDS).title()} offer",
            gen.maybe(0.7, rng.choice(courses)[0]), kind, float(amount), gen.maybe(0.6, rng.choice((10, 50, 100))),
            rng.randrange(0, 40), rng.random() < 0.8, start, gen.maybe(0.5, _shift(start, 86_400 * 90)),
            _shift(start, -86_400),
        ))
    return rows


def groups(gen: Generator, departments: list[Row], people: list[Row], count: int = 60) -> list[Row]:
    rng, rows = gen.rng, []
    for index in range(count):
        department = gen.maybe(0.5, rng.choice(departments))
        base = department[1] if department else rng.choice(departments)[1]
        members = sorted(p[1] for p in rng.sample(people, rng.randrange(0, 26)))
        rows.append((
            gen.guid(), f"{base} {rng.choice(GROUP_KINDS)}", gen.maybe(0.4, f"Group {index:02d} of {base}."),
            department is not None, department[0] if department else None, _json(members), gen.when(),
        ))
    return rows


def roles(gen: Generator, people: list[Row]) -> list[Row]:
    """The role ids users already carry (sorted), then new ones, up to one per role name."""
    known = sorted({role for person in people for role in json.loads(person[29])})
    ids = known + [gen.guid() for _ in range(len(ROLE_NAMES) - len(known))]
    setup = gen.when(0, 86_400 * 30)
    rng = gen.rng
    return [
        (role_id, name, gen.maybe(0.5, f"{name} permissions."), name in ("Administrator", "Department Admin"),
         setup if rng.random() < 0.5 else gen.when())
        for role_id, name in zip(ids, ROLE_NAMES, strict=True)
    ]


def tags(gen: Generator) -> list[Row]:
    """Course topics and common labels; some names differ only in case, half share one import instant."""
    names = [*gen.names.course_topics, *TAG_EXTRAS]
    imported = gen.when()
    return [(gen.guid(), name, imported if gen.rng.random() < 0.5 else gen.when()) for name in names]


def resources(gen: Generator, courses: list[Row], count: int = 50) -> list[Row]:
    rng, rows = gen.rng, []
    categories = [gen.guid() for _ in range(5)]
    for index in range(count):
        kind = rng.choice(RESOURCE_KINDS)
        course = gen.maybe(0.6, rng.choice(courses))
        title = f"{kind}: {course[1]}" if course else f"{kind} {index:02d}"
        rows.append((
            gen.guid(), title, gen.maybe(0.5, f"{kind} for learners."), course[0] if course else None,
            gen.maybe(0.9, gen.guid()), gen.maybe(0.8, rng.choice(categories)),
            f"https://files.example.com/resources/{index:03d}.pdf", rng.random() < 0.2, gen.when(),
        ))
    return rows


def portal(gen: Generator, departments: list[Row], courses: list[Row], people: list[Row],
           taken: list[Row]) -> dict[str, tuple[Row, ...]]:
    """Every portal table, keyed by table name; the draw order is fixed (it fixes the values)."""
    lesson_rows = lessons(gen, courses)
    session_rows = sessions(gen, courses)
    instructors = [p[1] for p in people if p[33]] or [p[1] for p in people[:10]]
    schedule_rows = schedules(gen, session_rows, instructors)
    tables: dict[str, list[Row]] = {
        "lessons": lesson_rows,
        "lesson_enrollments": lesson_enrollments(gen, lesson_rows, taken),
        "sessions": session_rows,
        "session_schedules": schedule_rows,
        "attendance": attendance(gen, schedule_rows, taken),
        "certificates": certificates(gen, taken),
        "coupons": coupons(gen, courses),
        "groups": groups(gen, departments, people),
        "roles": roles(gen, people),
        "tags": tags(gen),
        "resources": resources(gen, courses),
    }
    return {name: tuple(rows) for name, rows in tables.items()}
