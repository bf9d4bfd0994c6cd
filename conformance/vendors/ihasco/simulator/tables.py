"""iHASCO's tables: the legacy SDK's snake_case fields, in the order seeded rows use.

VENDOR-FACTS (iHASCO, the legacy public SDK): a user has ``user_id`` (int), ``active``, ``company``,
``created_on``, ``email``, ``first_name``, ``last_name``, ``flag``, ``last_login``, ``username``, ``phone``,
``opt_field1..6`` and ``links``; a result ``result_id``, ``archived``, ``log_date``, ``test_score`` and
``links``. ``links`` are not stored: they are made from the request's base URL when a row is served.

Each table's key is kept in an internal ``id`` column equal to the served id (the store keys, dumps and
orders rows by ``id``); a result's owner is the internal ``user`` column. Nothing is stamped on a write, so
a dump taken after a PATCH undone by another equals the one before it.
"""

from __future__ import annotations

from conformance.simulator.tables import Column, Schema, columns

USER_COLUMNS = columns(
    "id:internal user_id:int active:bool company:string created_on:string email:string first_name:string "
    "last_name:string flag:bool last_login:string username:string phone:string opt_field1:string "
    "opt_field2:string opt_field3:string opt_field4:string opt_field5:string opt_field6:string"
)
RESULT_COLUMNS = columns(
    "id:internal user:internal result_id:int archived:bool log_date:string test_score:int course_id:int "
    "course_title:string"
)
TABLES: dict[str, tuple[Column, ...]] = {"users": USER_COLUMNS, "results": RESULT_COLUMNS}
INDEXES = (
    'CREATE INDEX users_email ON users ("email" COLLATE NOCASE)',
    'CREATE INDEX results_user ON results ("user", "id")',
)
SCHEMA = Schema(TABLES, INDEXES, ())

USER_ID, RESULT_ID, OWNER = "user_id", "result_id", "user"
BOOLEANS = ("active", "flag")
NAMES = ("first_name", "last_name")          # required text: never empty
EMAIL = "email"
READ_ONLY = ("user_id", "created_on", "last_login", "links")
NULLABLE = ("phone", "opt_field1", "opt_field2", "opt_field3", "opt_field4", "opt_field5", "opt_field6")
WRITABLE = tuple(c.name for c in USER_COLUMNS if c.served and c.name not in READ_ONLY)
