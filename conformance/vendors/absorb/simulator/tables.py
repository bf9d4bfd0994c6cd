"""Absorb's tables (the v1.5 camelCase field names, in the order the seeded row tuples use).

A table may hold fields that only the older API serves (``resources.moduleId``, Appendix C "Removed
field ModuleId in V1"); the dialect decides which fields each API version shows.
"""

from __future__ import annotations

from conformance.simulator.tables import Column, Schema, columns

DEPARTMENT_COLUMNS = columns("id:guid name:string parentId:guid externalId:string dateAdded:datetime")
COURSE_COLUMNS = columns(
    "id:guid name:string description:string courseType:string activeStatus:int credits:number "
    "dateAdded:datetime dateEdited:datetime externalId:string"
)
USER_COLUMNS = (*columns(
    "seq:internal id:guid departmentId:guid firstName:string middleName:string lastName:string "
    "username:string emailAddress:string ccEmailAddresses:json languageId:int gender:int address:string "
    "address2:string city:string provinceId:guid countryId:guid postalCode:string phone:string "
    "employeeNumber:string location:string jobTitle:string referenceNumber:string dateHired:datetime "
    "dateTerminated:datetime dateAdded:datetime dateEdited:datetime lastLoginDate:datetime notes:string "
    "customFields:json roleIds:json activeStatus:int isLearner:bool isAdmin:bool isInstructor:bool "
    "isManager:bool supervisorId:guid externalId:string hasUsername:bool"
), Column("cf_decimal1", "number", "json_extract(customFields, '$.decimal1')", "customFields/decimal1"))
ENROLLMENT_COLUMNS = columns(
    "id:guid userId:guid courseId:guid courseName:string courseVersionId:guid fullName:string "
    "progress:number score:number status:int isActive:bool dateStarted:datetime dateCompleted:datetime "
    "dateExpires:datetime dateDue:datetime dateAdded:datetime dateEdited:datetime timeSpent:string "
    "certificateId:guid credits:number"
)
LESSON_COLUMNS = columns(
    "id:guid courseId:guid chapterId:guid name:string description:string lessonType:string sortOrder:int "
    "isRequired:bool credits:number dateAdded:datetime"
)
LESSON_ENROLLMENT_COLUMNS = columns(
    "id:guid courseEnrollmentId:guid userId:guid courseId:guid lessonId:guid lessonName:string "
    "fullName:string status:int progress:number score:number attempts:int timeSpent:string "
    "dateStarted:datetime dateCompleted:datetime dateAdded:datetime dateEdited:datetime"
)
SESSION_COLUMNS = columns(
    "id:guid courseId:guid name:string description:string venueId:guid enrollmentLimit:int "
    "timeZoneId:string dateStart:datetime dateEnd:datetime dateAdded:datetime"
)
SCHEDULE_COLUMNS = columns(
    "id:guid sessionId:guid courseId:guid dateStart:datetime dateEnd:datetime location:string "
    "instructorId:guid dateAdded:datetime"
)
ATTENDANCE_COLUMNS = columns(
    "id:guid sessionId:guid scheduleId:guid userId:guid fullName:string attended:bool "
    "minutesAttended:int dateMarked:datetime"
)
CERTIFICATE_COLUMNS = columns(
    "id:guid userId:guid courseId:guid enrollmentId:guid courseName:string fullName:string "
    "acquiredDate:datetime expiryDate:datetime credits:number notes:string"
)
COUPON_COLUMNS = columns(
    "id:guid code:string name:string courseId:guid discountType:int discountAmount:number usesAllowed:int "
    "timesUsed:int isActive:bool startDate:datetime expiryDate:datetime dateAdded:datetime"
)
GROUP_COLUMNS = columns(
    "id:guid name:string description:string isAutomatic:bool departmentId:guid userIds:json dateAdded:datetime"
)
ROLE_COLUMNS = columns("id:guid name:string description:string isAdmin:bool dateAdded:datetime")
TAG_COLUMNS = columns("id:guid name:string dateAdded:datetime")
RESOURCE_COLUMNS = columns(
    "id:guid name:string description:string courseId:guid moduleId:guid resourceCategoryId:guid "
    "url:string isPrivate:bool dateAdded:datetime"
)

TABLES: dict[str, tuple[Column, ...]] = {
    "departments": DEPARTMENT_COLUMNS, "courses": COURSE_COLUMNS,
    "users": USER_COLUMNS, "enrollments": ENROLLMENT_COLUMNS,
    "lessons": LESSON_COLUMNS, "lesson_enrollments": LESSON_ENROLLMENT_COLUMNS,
    "sessions": SESSION_COLUMNS, "session_schedules": SCHEDULE_COLUMNS, "attendance": ATTENDANCE_COLUMNS,
    "certificates": CERTIFICATE_COLUMNS, "coupons": COUPON_COLUMNS, "groups": GROUP_COLUMNS,
    "roles": ROLE_COLUMNS, "tags": TAG_COLUMNS, "resources": RESOURCE_COLUMNS,
}
INDEXES = (
    'CREATE INDEX users_department ON users ("departmentId")',
    'CREATE INDEX users_last_name ON users ("lastName" COLLATE NOCASE, "id")',
    'CREATE INDEX users_added ON users ("dateAdded", "id")',
    'CREATE INDEX users_username ON users ("username" COLLATE NOCASE)',
    'CREATE INDEX enrollments_user ON enrollments ("userId")',
    'CREATE INDEX enrollments_course ON enrollments ("courseId")',
    'CREATE INDEX lessons_course ON lessons ("courseId")',
    'CREATE INDEX lesson_enrollments_lesson ON lesson_enrollments ("lessonId")',
    'CREATE INDEX sessions_course ON sessions ("courseId")',
    'CREATE INDEX schedules_session ON session_schedules ("sessionId")',
    'CREATE INDEX attendance_schedule ON attendance ("scheduleId")',
    'CREATE INDEX certificates_user ON certificates ("userId")',
    'CREATE INDEX certificates_course ON certificates ("courseId")',
)
AUDIT_COLUMNS = ("dateAdded", "dateEdited")   # stamped by the server's clock when a write adds or edits a row

SCHEMA = Schema(TABLES, INDEXES, AUDIT_COLUMNS)
