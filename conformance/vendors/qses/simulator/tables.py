"""QS Enrolment Solutions' tables: PascalCase DTO fields with integer ids, in the order seeded rows use.

The seed names only the fields a real client sends or reads (VENDOR-FACTS: ``Id``, ``Name``, ``Surname``,
``EmailAddress``, ``Mobile``, ``CrmNumber``); the rest are assumed. ``CreatedDate`` and ``ModifiedDate`` are
stamped by the server on writes (``AUDIT_COLUMNS``), so a dump without them compares across writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.simulator.tables import Column, Schema, columns

CONTACT_COLUMNS = columns(
    "Id:int Name:string Surname:string EmailAddress:string Mobile:string CrmNumber:string DateOfBirth:datetime "
    "Title:string Gender:string Nationality:string CreatedDate:datetime ModifiedDate:datetime"
)
APPLICATION_COLUMNS = columns(
    "Id:int ContactId:int CourseId:int Status:string StartDate:datetime CreatedDate:datetime ModifiedDate:datetime"
)
COURSE_COLUMNS = columns("Id:int Name:string Code:string Level:string StartDate:datetime")
CATEGORY_COLUMNS = columns("Id:int Name:string")

TABLES: dict[str, tuple[Column, ...]] = {
    "contacts": CONTACT_COLUMNS,
    "applications": APPLICATION_COLUMNS,
    "courses": COURSE_COLUMNS,
    "communication_categories": CATEGORY_COLUMNS,
}
INDEXES = (
    'CREATE UNIQUE INDEX contacts_id ON contacts ("Id")',
    'CREATE INDEX contacts_email ON contacts ("EmailAddress" COLLATE NOCASE)',
    'CREATE UNIQUE INDEX applications_id ON applications ("Id")',
    'CREATE UNIQUE INDEX courses_id ON courses ("Id")',
    'CREATE UNIQUE INDEX communication_categories_id ON communication_categories ("Id")',
    'CREATE INDEX communication_categories_name ON communication_categories ("Name" COLLATE NOCASE)',
)
ID = "Id"
AUDIT_COLUMNS = ("CreatedDate", "ModifiedDate")   # stamped by the server when a write adds or changes a row

SCHEMA = Schema(TABLES, INDEXES, AUDIT_COLUMNS)


@dataclass(frozen=True)
class Table:
    """What the API knows of one table beyond its columns: the DTO name its messages use, the fields a body
    must carry (not null), the foreign keys that must name existing rows, the query filters its collection
    takes (query parameter, lower-cased -> field, compared without regard to case) and the fields no two rows
    share (without regard to case)."""

    name: str
    dto: str
    required: tuple[str, ...] = ()
    references: tuple[tuple[str, str], ...] = ()
    filters: tuple[tuple[str, str], ...] = ()
    unique: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[Column, ...]:
        return TABLES[self.name]

    def has(self, field: str) -> bool:
        return any(c.name == field for c in self.columns)


# profile resource name -> table: the resources the simulator can serve
RESOURCE_TABLES: dict[str, Table] = {
    "contacts": Table("contacts", "Contact", required=("Name", "Surname", "EmailAddress"),
                      filters=(("emailaddress", "EmailAddress"),), unique=("EmailAddress",)),
    "applications": Table("applications", "Application", required=("ContactId", "CourseId", "Status"),
                          references=(("ContactId", "contacts"), ("CourseId", "courses"))),
    "courses": Table("courses", "Course", required=("Name", "Code", "Level")),
    "communication-categories": Table("communication_categories", "CommunicationCategory", required=("Name",),
                                      filters=(("name", "Name"),)),
}
