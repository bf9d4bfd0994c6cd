"""Deterministic sample data: a small campus.

Six courses, all taught by the instructor; eight students, each enrolled in some (the first student in courses
1-4, the other student in 3-6, so each has a course the other shares and one the other does not); two exams per
course (one opened in the past, one opening after the simulated "now", ``NOW``); a grade per enrolled student
per exam (null points for the exam not yet open); two announcements per course. Every record's id comes from
one rising sequence (``FIRST_ID`` on), in the order the records are made. No randomness: the same dataset name
gives the same rows on every run.

Dates are written ``YYYY-MM-DDTHH:MM:SSZ`` (UTC), the form the Java library parses for ``/systemDateTime``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.vendors.learningstudio.simulator.tables import INSTRUCTOR_ROLE, STUDENT_ROLE

DATASETS = ("default",)
FIRST_ID = 10001
NOW = datetime(2025, 3, 3, 9, 0, 0, tzinfo=UTC)     # the simulated "now" when a simulator starts (assumed)
PAST_OPEN = NOW - timedelta(days=30)
FUTURE_OPEN = NOW + timedelta(days=60)
INSTRUCTOR, STUDENT, OTHER_STUDENT = 0, 1, 2          # indexes into PEOPLE
PEOPLE = (
    ("Ada", "Okonkwo", INSTRUCTOR_ROLE), ("Siobhán", "Ní Bhriain", STUDENT_ROLE), ("Łukasz", "Kowalski", STUDENT_ROLE),
    ("Zoë", "D'Arcy", STUDENT_ROLE), ("Mateo", "García", STUDENT_ROLE), ("Aiko", "Tanaka", STUDENT_ROLE),
    ("Oluwaseun", "Adeyemi", STUDENT_ROLE), ("Freya", "Lindqvist", STUDENT_ROLE), ("Ravi", "Iyer", STUDENT_ROLE),
)
COURSES = (
    ("Introduction to Statistics", "STAT-101"), ("Academic Writing", "ENGL-110"), ("Organic Chemistry I", "CHEM-231"),
    ("Principles of Microeconomics", "ECON-201"), ("World History since 1500", "HIST-152"),
    ("Data Structures", "CSCI-220"),
)
# which students (indexes into PEOPLE) each course has
ROSTERS = ((1, 3, 4), (1, 5, 6), (1, 2, 7), (1, 2, 8), (2, 3, 5), (2, 4, 6, 7, 8))
Row = tuple[Any, ...]


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ids() -> Iterator[int]:
    value = FIRST_ID
    while True:
        yield value
        value += 1


def generate(dataset: str = "default") -> Mapping[str, Sequence[Row]]:
    """The named dataset's rows per table (ValueError for an unknown name)."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r} (known: {', '.join(DATASETS)})")
    ids = _ids()
    users: list[Row] = []
    for first, last, role in PEOPLE:
        uid = next(ids)
        local = f"{first[0]}{last}".lower().replace("'", "").replace(" ", "")
        users.append((uid, f"user{uid}", first, last, f"{local.encode('ascii', 'ignore').decode()}.{uid}@example.edu",
                      role))
    courses: list[Row] = []
    enrollments: list[Row] = []
    exams: list[Row] = []
    grades: list[Row] = []
    announcements: list[Row] = []
    for number, ((title, code), roster) in enumerate(zip(COURSES, ROSTERS, strict=True)):
        cid = next(ids)
        courses.append((cid, title, code, json.dumps([f"{code}-{number + 1:02d}"])))
        enrollments.append((next(ids), cid, users[INSTRUCTOR][0], INSTRUCTOR_ROLE))
        students = [users[i][0] for i in roster]
        enrollments += [(next(ids), cid, uid, STUDENT_ROLE) for uid in students]
        opened = (next(ids), cid, f"{code} Midterm Exam", "Chapters 1-6.", stamp(PAST_OPEN + timedelta(hours=number)),
                  stamp(PAST_OPEN + timedelta(days=90)))
        later = (next(ids), cid, f"{code} Final Exam", "The whole course.",
                 stamp(FUTURE_OPEN + timedelta(hours=number)), stamp(FUTURE_OPEN + timedelta(days=7)))
        exams += [opened, later]
        for position, uid in enumerate(students):
            points = float(60 + (number * 7 + position * 11) % 41)
            grades.append((next(ids), uid, cid, opened[0], points, 100.0, _letter(points)))
            grades.append((next(ids), uid, cid, later[0], None, 100.0, None))
        for which in (1, 2):
            announcements.append((next(ids), cid, f"Welcome to {code}" if which == 1 else f"{code}: office hours",
                                  f"Announcement {which} of {title}.", stamp(PAST_OPEN - timedelta(days=which)),
                                  stamp(FUTURE_OPEN + timedelta(days=which))))
    return {"users": users, "courses": courses, "enrollments": enrollments, "exams": exams, "grades": grades,
            "attempts": [], "announcements": announcements}


def _letter(points: float) -> str:
    for bound, letter in ((90, "A"), (80, "B"), (70, "C"), (60, "D")):
        if points >= bound:
            return letter
    return "F"
