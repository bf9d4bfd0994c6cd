"""Which stored rows each Absorb resource shows: its table, the rows of it, the fields v1.5 hides.

The profiles say where a resource lives and how it pages, sorts and filters;
this catalogue says what data answers for it. It is keyed by the v1.5
profile's resource names; a v1 resource reaches it through its
``counterpart``. Several resources show one table: online courses, instructor-led
courses, curriculums and course bundles are the courses of one ``courseType``;
course and user enrollments are one enrollment table seen from either side.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.simulator.store import Store


@dataclass(frozen=True)
class Source:
    """``table``; ``where``: the SQL condition selecting this resource's rows (``{me}`` stands for
    the authenticated user's id); ``hidden``: stored fields the v1.5 API does not serve."""

    table: str
    where: str | None = None
    hidden: tuple[str, ...] = ()

    def condition(self, me: str) -> str | None:
        return self.where.replace("{me}", me) if self.where else None


def _course_type(name: str) -> Source:
    return Source("courses", f"\"courseType\" = '{name}'")


SOURCES: dict[str, Source] = {
    "users": Source("users"),
    "departments": Source("departments"),
    "courses": Source("courses"),
    "online-courses": _course_type("OnlineCourse"),
    "instructor-led-courses": _course_type("InstructorLedCourse"),
    "curriculums": _course_type("Curriculum"),
    "course-bundles": _course_type("CourseBundle"),
    # assumed: "my courses" are the courses the user is enrolled in, "my catalog" the active courses
    "my-courses": Source("courses", "\"id\" IN (SELECT \"courseId\" FROM \"enrollments\" WHERE \"userId\" = '{me}')"),
    "my-catalog": Source("courses", "\"activeStatus\" = 0"),
    "course-enrollments": Source("enrollments"),
    "user-enrollments": Source("enrollments"),
    "lesson-enrollments": Source("lesson_enrollments"),
    "lessons": Source("lessons"),
    "sessions": Source("sessions"),
    "session-schedules": Source("session_schedules"),
    "attendance": Source("attendance"),
    "course-certificates": Source("certificates"),
    "user-certificates": Source("certificates"),
    "coupons": Source("coupons"),
    "groups": Source("groups"),
    "roles": Source("roles"),
    "tags": Source("tags"),
    # seed Appendix C rows 75-76: "GET /Resources: Removed field "ModuleId" in V1"
    "resources": Source("resources", hidden=("moduleId",)),
}


def source_for(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise ValueError(f"the Absorb simulator has no data for a resource named {name!r} (known: {known})") from None


def me(store: Store) -> str:
    """The user the sandbox credentials stand for: the one with the most enrollments (ties: lowest id)."""
    found = store.scalar('SELECT "userId" FROM "enrollments" GROUP BY "userId" '
                         'ORDER BY COUNT(*) DESC, "userId" LIMIT 1')
    if found is None:
        found = store.scalar('SELECT "id" FROM "users" ORDER BY "id" LIMIT 1')
    return str(found or "")
