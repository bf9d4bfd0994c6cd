"""The endpoints: the caller, their courses, a course's roster, exams, attempts, grades, announcements, the
server's time.

Paths are the libraries' (``/me``, ``/me/courses?expand=course``, ``/courses/{id}``,
``/courses/{courseId}/enrolledUsers``, ``/users/{userId}/courses/{courseId}/exams/{examId}/attempts``,
``/systemDateTime``); ``/courses/{courseId}/exams[/{id}]``, ``/users/{userId}/courses/{courseId}/grades`` and
``/courses/{courseId}/announcements[/{id}]`` are assumed from them (the libraries reach exams and grades under
the user and course). Record fields beyond the ones the sources name are assumed (see the schemas).

Statuses (seed 001's table): 404 for an id that names no record (fault ls-unknown-id-500: 500) and for a
child id under a parent it does not belong to - an exam or announcement of another course, a user not
enrolled in the course (fault wrong-parent-400: 400; wrong-parent-served: served as if it belonged); 403 when
a student reads a course they are not enrolled in, another student's grades or attempts, starts an exam
before it opens, or writes an announcement (only the instructor may). Writes: POST 201 + Location, PUT and
DELETE 204 with no body; a body starting with "<" (another format, XML) 406, malformed JSON 400 ("incorrect
syntax"), a POST without ``subject`` 400 (seed 400: "missing a required field during a POST or PUT").

Time: the simulated now is ``seed.NOW`` when the simulator starts, moving with the simulator's clock.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from conformance.simulator.context import SimContext
from conformance.vendors.learningstudio.simulator.auth import Caller
from conformance.vendors.learningstudio.simulator.envelopes import (
    FORBIDDEN,
    INVALID_REQUEST,
    NOT_ACCEPTABLE,
    NOT_FOUND,
    XML_TYPE,
    Denied,
    Writer,
    to_xml,
)
from conformance.vendors.learningstudio.simulator.seed import NOW, stamp
from conformance.vendors.learningstudio.simulator.tokens import INSTRUCTOR, OTHER_STUDENT, STUDENT

REL = "https://api.learningstudio.com/rels"
_ID = re.compile(r"[0-9]{1,18}")
ANNOUNCEMENT_FIELDS = ("subject", "text", "startDisplayDate", "endDisplayDate")
DISPLAY_DAYS = 30      # a created announcement shows for 30 days unless told otherwise (assumed)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


class Handlers:
    def __init__(self, ctx: SimContext, writer: Writer) -> None:
        self.ctx, self.writer, self.store, self.fault = ctx, writer, ctx.store, ctx.fault
        self.started = ctx.clock()
        users = self.store.select("users", where=None, order_by='"id"', limit=3, offset=0)
        self.user_of = {name: int(row["id"]) for name, row in zip((INSTRUCTOR, STUDENT, OTHER_STUDENT), users,
                                                                   strict=True)}
        self.lock = threading.Lock()
        tables = self.store.schema.tables
        self.last_id = max(int(self.store.scalar(f'SELECT MAX("id") FROM "{t}"') or 0) for t in tables)

    # -- helpers --------------------------------------------------------------------------------------------
    def now(self) -> str:
        return stamp(NOW + timedelta(seconds=self.ctx.clock() - self.started))

    def new_id(self) -> int:
        with self.lock:
            self.last_id += 1
            return self.last_id

    @staticmethod
    def caller(request: Request) -> Caller:
        caller: Caller = request.state.caller
        return caller

    def me(self, request: Request) -> int:
        return self.user_of[self.caller(request).account]

    def ok(self, request: Request, body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        """A successful answer: JSON, or XML for a ``.xml`` path; fault ls-read-202 answers a GET's 200 as 202."""
        if status == 200 and request.method in ("GET", "HEAD") and self.fault("ls-read-202"):
            status = 202
        if getattr(request.state, "xml", False):
            return Response(to_xml(body), status, headers=dict(headers or {}), media_type=XML_TYPE)
        return self.writer.json(body, status, headers)

    def forbidden(self, what: str) -> Denied:
        return self.writer.deny(403, FORBIDDEN, f"The user does not have access to {what}.")

    def unknown(self, kind: str, text: str) -> Denied:
        if self.fault("ls-unknown-id-500"):
            return self.writer.deny(500, "server_error", "An unexpected error occurred.")
        return self.writer.deny(404, NOT_FOUND, f"No {kind} has the id {text!r}.")

    def record(self, table: str, kind: str, text: str, parent: tuple[str, int] | None = None) -> sqlite3.Row:
        """The row an id in the path names, belonging to ``parent`` (column, id) when given."""
        row = self.store.get(table, text) if _ID.fullmatch(text) else None
        if row is None:
            raise self.unknown(kind, text)
        if parent is not None and int(row[parent[0]]) != parent[1]:
            raise self.wrong_parent(kind, text)
        return row

    def wrong_parent(self, kind: str, text: str) -> Denied:
        status = 400 if self.fault("wrong-parent-400") else 404
        return self.writer.deny(status, NOT_FOUND if status == 404 else INVALID_REQUEST,
                                f"The {kind} {text!r} does not belong to the parent in the path.")

    def role(self, course: int, user: int) -> str | None:
        found = self.store.scalar('SELECT "roleType" FROM enrollments WHERE "course" = ? AND "user" = ?',
                                  (course, user))
        return None if found is None else str(found)

    def course(self, request: Request) -> sqlite3.Row:
        """The path's course, which the caller must be enrolled in (403 otherwise)."""
        row = self.record("courses", "course", str(request.path_params["courseId"]))
        if self.role(int(row["id"]), self.me(request)) is None:
            raise self.forbidden("this course")
        return row

    def child(self, table: str, kind: str, text: str, course: int) -> sqlite3.Row:
        """A record under a course; under fault wrong-parent-served one of another course is served too."""
        return self.record(table, kind, text, None if self.fault("wrong-parent-served") else ("course", course))

    def user_course(self, request: Request) -> tuple[int, int]:
        """The path's user and course: the user enrolled in the course, and a student caller only asking about
        themselves."""
        user = int(self.record("users", "user", str(request.path_params["userId"]))["id"])
        course = int(self.record("courses", "course", str(request.path_params["courseId"]))["id"])
        caller = self.me(request)
        if self.caller(request).account != INSTRUCTOR and user != caller:
            raise self.forbidden("another user's records")
        if self.role(course, user) is None and not self.fault("wrong-parent-served"):
            raise self.wrong_parent("user", str(user))
        return user, course

    # -- bodies ---------------------------------------------------------------------------------------------
    @staticmethod
    def user_body(row: sqlite3.Row) -> dict[str, Any]:
        return {"id": row["id"], "userName": row["userName"], "firstName": row["firstName"],
                "lastName": row["lastName"], "emailAddress": row["emailAddress"]}

    @staticmethod
    def course_body(row: sqlite3.Row) -> dict[str, Any]:
        return {"id": row["id"], "title": row["title"], "displayCourseCode": row["displayCourseCode"],
                "callNumbers": json.loads(row["callNumbers"])}

    @staticmethod
    def exam_body(row: sqlite3.Row) -> dict[str, Any]:
        return {key: row[key] for key in ("id", "title", "description", "startDate", "endDate")}

    @staticmethod
    def announcement_body(row: sqlite3.Row) -> dict[str, Any]:
        return {key: row[key] for key in ("id", *ANNOUNCEMENT_FIELDS)}

    @staticmethod
    def grade_body(row: sqlite3.Row) -> dict[str, Any]:
        return {"id": row["id"], "gradebookItemId": row["exam"], "points": row["points"],
                "pointsPossible": row["pointsPossible"], "letterGrade": row["letterGrade"]}

    @staticmethod
    def attempt_body(row: sqlite3.Row) -> dict[str, Any]:
        return {"id": row["id"], "examId": row["exam"], "startDate": row["startDate"],
                "isCompleted": bool(row["isCompleted"]), "pearsonExamToken": row["pearsonExamToken"]}

    def rows(self, table: str, where: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        return self.store.select(table, where=where, order_by='"id"', limit=-1, offset=0, params=params)

    # -- reads ----------------------------------------------------------------------------------------------
    async def get_me(self, request: Request) -> Response:
        row = self.store.get("users", str(self.me(request)))
        assert row is not None
        return self.ok(request, {"me": self.user_body(row)})

    async def my_courses(self, request: Request) -> Response:
        """``{"courses": [{"id", "links": [{"href", "rel"}]}]}``; with ``expand=course`` each link carries the
        course itself (assumed: the libraries name the parameter, not the shape)."""
        expand = "course" in request.query_params.get("expand", "").split(",")
        rows = self.store.select("courses", where='"id" IN (SELECT "course" FROM enrollments WHERE "user" = ?)',
                                 order_by='"id"', limit=-1, offset=0, params=(self.me(request),))
        served = []
        for row in rows:
            link: dict[str, Any] = {"href": f"{base_url(request)}/courses/{row['id']}", "rel": f"{REL}/course"}
            if expand:
                link["course"] = self.course_body(row)
            served.append({"id": row["id"], "links": [link]})
        return self.ok(request, {"courses": served})

    async def get_course(self, request: Request) -> Response:
        return self.ok(request, {"courses": [self.course_body(self.course(request))]})

    async def enrolled_users(self, request: Request) -> Response:
        course = int(self.course(request)["id"])
        rows = self.store.select("users", where='"id" IN (SELECT "user" FROM enrollments WHERE "course" = ?)',
                                 order_by='"id"', limit=-1, offset=0, params=(course,))
        served = [{**self.user_body(row), "roleType": self.role(course, int(row["id"]))} for row in rows]
        return self.ok(request, {"enrolledUsers": served})

    async def list_exams(self, request: Request) -> Response:
        course = int(self.course(request)["id"])
        return self.ok(request, {"exams": [self.exam_body(r) for r in self.rows("exams", '"course" = ?', (course,))]})

    async def get_exam(self, request: Request) -> Response:
        course = int(self.course(request)["id"])
        row = self.child("exams", "exam", str(request.path_params["examId"]), course)
        return self.ok(request, {"exams": [self.exam_body(row)]})

    async def grades(self, request: Request) -> Response:
        user, course = self.user_course(request)
        rows = self.rows("grades", '"user" = ? AND "course" = ?', (user, course))
        return self.ok(request, {"grades": [self.grade_body(r) for r in rows]})

    async def system_date_time(self, request: Request) -> Response:
        return self.ok(request, {"systemDateTime": {"value": self.now()}})

    # -- exam attempts --------------------------------------------------------------------------------------
    def _exam_of(self, request: Request, course: int) -> sqlite3.Row:
        return self.child("exams", "exam", str(request.path_params["examId"]), course)

    async def start_attempt(self, request: Request) -> Response:
        user, course = self.user_course(request)
        exam = self._exam_of(request, course)
        if self.caller(request).account != INSTRUCTOR and str(exam["startDate"]) > self.now():
            raise self.forbidden("this exam before it is scheduled to start")
        aid = self.new_id()
        values = {"id": aid, "user": user, "course": course, "exam": int(exam["id"]), "startDate": self.now(),
                  "isCompleted": 0, "pearsonExamToken": f"exam-{aid}"}
        self.store.insert("attempts", values)
        row = self.store.get("attempts", str(aid))
        assert row is not None
        location = f"{base_url(request)}/users/{user}/courses/{course}/exams/{exam['id']}/attempts/{aid}"
        return self.created(request, {"attempt": self.attempt_body(row)}, location)

    async def list_attempts(self, request: Request) -> Response:
        user, course = self.user_course(request)
        exam = int(self._exam_of(request, course)["id"])
        rows = self.rows("attempts", '"user" = ? AND "exam" = ?', (user, exam))
        return self.ok(request, {"attempts": [self.attempt_body(r) for r in rows]})

    async def get_attempt(self, request: Request) -> Response:
        user, course = self.user_course(request)
        exam = int(self._exam_of(request, course)["id"])
        row = self.record("attempts", "attempt", str(request.path_params["attemptId"]),
                          None if self.fault("wrong-parent-served") else ("exam", exam))
        if int(row["user"]) != user and not self.fault("wrong-parent-served"):
            raise self.wrong_parent("attempt", str(row["id"]))
        return self.ok(request, {"attempt": self.attempt_body(row)})

    # -- announcements --------------------------------------------------------------------------------------
    async def list_announcements(self, request: Request) -> Response:
        course = int(self.course(request)["id"])
        rows = self.rows("announcements", '"course" = ?', (course,))
        return self.ok(request, {"announcements": [self.announcement_body(r) for r in rows]})

    def announcement(self, request: Request) -> tuple[int, sqlite3.Row]:
        course = int(self.course(request)["id"])
        return course, self.child("announcements", "announcement", str(request.path_params["announcementId"]),
                                  course)

    async def get_announcement(self, request: Request) -> Response:
        _, row = self.announcement(request)
        return self.ok(request, {"announcements": [self.announcement_body(row)]})

    def _instructor_only(self, request: Request) -> None:
        if self.caller(request).account != INSTRUCTOR:
            raise self.forbidden("write this course's announcements")

    async def _body(self, request: Request) -> dict[str, Any]:
        """The JSON object a write sends: 406 for another format (a body starting with "<"; fault
        invalid-format-400: 400), 400 for malformed JSON or a body that is not an object. A body wrapped as
        ``{"announcements": {...}}`` or ``{"announcements": [{...}]}`` is unwrapped (assumed)."""
        raw = (await request.body()).strip()
        if raw.startswith(b"<"):
            status = 400 if self.fault("invalid-format-400") else 406
            raise self.writer.deny(status, NOT_ACCEPTABLE if status == 406 else INVALID_REQUEST,
                                   "The request body had an invalid format: send JSON.")
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise self.writer.deny(400, INVALID_REQUEST, "The request had incorrect syntax.") from None
        for key in ("announcements", "announcement"):
            if isinstance(body, dict) and set(body) == {key}:
                body = body[key]
                if isinstance(body, list) and len(body) == 1:
                    body = body[0]
        if not isinstance(body, dict):
            raise self.writer.deny(400, INVALID_REQUEST, "The request body must be an announcement object.")
        return body

    def _fields(self, body: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in ANNOUNCEMENT_FIELDS:
            if name not in body:
                continue
            value = body[name]
            if not isinstance(value, str) or (name == "subject" and not value.strip()):
                raise self.writer.deny(400, INVALID_REQUEST, f"{name} must be a non-empty string.")
            values[name] = value
        return values

    def created(self, request: Request, body: Any, location: str) -> Response:
        headers = {} if self.fault("ls-created-without-location") else {"Location": location}
        return self.ok(request, body, 201, headers)

    async def create_announcement(self, request: Request) -> Response:
        course = int(self.course(request)["id"])
        self._instructor_only(request)
        values = self._fields(await self._body(request))
        if "subject" not in values:
            if not self.fault("missing-field-accepted"):
                raise self.writer.deny(400, INVALID_REQUEST, "subject is required.")
            values["subject"] = ""
        now = NOW + timedelta(seconds=self.ctx.clock() - self.started)
        aid = self.new_id()
        self.store.insert("announcements", {
            "id": aid, "course": course, "subject": values["subject"], "text": values.get("text", ""),
            "startDisplayDate": values.get("startDisplayDate", stamp(now)),
            "endDisplayDate": values.get("endDisplayDate", stamp(now + timedelta(days=DISPLAY_DAYS)))})
        row = self.store.get("announcements", str(aid))
        assert row is not None
        return self.created(request, {"announcements": [self.announcement_body(row)]},
                            f"{base_url(request)}/courses/{course}/announcements/{aid}")

    def _done(self, request: Request, row: sqlite3.Row | None) -> Response:
        """PUT and DELETE: 204 with no body (fault ls-no-content-200: 200 with the record)."""
        if self.fault("ls-no-content-200") and row is not None:
            return self.writer.json({"announcements": [self.announcement_body(row)]}, 200)
        return self.writer.empty(204)

    async def update_announcement(self, request: Request) -> Response:
        _, row = self.announcement(request)
        self._instructor_only(request)
        values = self._fields(await self._body(request))
        self.store.update("announcements", str(row["id"]), values)
        return self._done(request, self.store.get("announcements", str(row["id"])))

    async def delete_announcement(self, request: Request) -> Response:
        _, row = self.announcement(request)
        self._instructor_only(request)
        self.store.delete("announcements", str(row["id"]))
        return self._done(request, row)
