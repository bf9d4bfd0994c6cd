"""LearningStudio's tables, in the order seeded rows use.

Every kind of record draws its integer id from one sequence, so an id names one record of one kind (an exam id
of one course is never another course's, nor an announcement's). The owner columns (``course``, ``user``,
``exam``) and ``role``/``password`` are internal: the handlers build the served bodies. Nothing is stamped on a
write, so a dump taken after a POST undone by a DELETE equals the one before it.
"""

from __future__ import annotations

from conformance.simulator.tables import Column, Schema, columns

USERS = columns("id:int userName:string firstName:string lastName:string emailAddress:string role:string")
COURSES = columns("id:int title:string displayCourseCode:string callNumbers:json")
ENROLLMENTS = columns("id:int course:int user:int roleType:string")
EXAMS = columns("id:int course:int title:string description:string startDate:string endDate:string")
GRADES = columns("id:int user:int course:int exam:int points:number pointsPossible:number letterGrade:string")
ATTEMPTS = columns("id:int user:int course:int exam:int startDate:string isCompleted:bool pearsonExamToken:string")
ANNOUNCEMENTS = columns("id:int course:int subject:string text:string startDisplayDate:string endDisplayDate:string")

TABLES: dict[str, tuple[Column, ...]] = {
    "users": USERS, "courses": COURSES, "enrollments": ENROLLMENTS, "exams": EXAMS, "grades": GRADES,
    "attempts": ATTEMPTS, "announcements": ANNOUNCEMENTS,
}
INDEXES = (
    'CREATE INDEX enrollments_course ON enrollments ("course", "user")',
    'CREATE INDEX exams_course ON exams ("course", "id")',
    'CREATE INDEX announcements_course ON announcements ("course", "id")',
    'CREATE INDEX grades_user ON grades ("user", "course", "id")',
)
SCHEMA = Schema(TABLES, INDEXES, ())

INSTRUCTOR_ROLE, STUDENT_ROLE = "PROF", "STUD"      # assumed role names
