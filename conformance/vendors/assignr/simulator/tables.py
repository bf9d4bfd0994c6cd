"""Assignr's tables: the fields real clients read (VENDOR-FACTS, Assignr), in the order seeded rows use.

A game: ``id``, ``start_time``, ``end_time``, ``localized_date``, ``localized_time``, ``localized_end_time``,
``age_group``, ``home_team``, ``away_team``, ``gender``, ``league``, ``pattern``, ``status``, ``cancelled``,
``published``, ``user_defined_id``, ``external_id``, ``lock_version``, ``public_note``, ``created``,
``updated``; ``game_type`` and ``subvenue`` are read by a public client. A user: ``id``, ``first_name``,
``last_name``, ``mobile_phone``, ``official``, ``assignor``, ``manager``, ``active``, ``email_addresses``,
``created``, ``updated``. Availability rows carry ``date``, ``all_day`` (the strings "true"/"false", as a
public client compares them), ``start_time`` and ``end_time``. Sites and venues beyond ``id`` and ``name`` are
assumed. The owning site, venue, assignor, game and user are internal columns; ``_links`` and ``_embedded``
are made when a row is served. ``created`` and ``updated`` are stamped on writes (the schema's audit columns).
"""

from __future__ import annotations

from conformance.simulator.tables import Column, Schema, columns

SITE_COLUMNS = columns("id:int subscribed:internal name:string time_zone:string sport:string created:string "
                       "updated:string")
VENUE_COLUMNS = columns("id:int site:internal name:string address:string city:string state:string "
                        "postal_code:string")
USER_COLUMNS = columns(
    "id:int site:internal first_name:string last_name:string mobile_phone:string official:bool assignor:bool "
    "manager:bool active:bool email_addresses:json created:string updated:string"
)
GAME_COLUMNS = columns(
    "id:int site:internal venue:internal assignor_id:internal start_time:string end_time:string "
    "localized_date:string localized_time:string localized_end_time:string age_group:string home_team:string "
    "away_team:string gender:string league:string pattern:string status:string cancelled:bool published:bool "
    "user_defined_id:string external_id:string lock_version:int public_note:string game_type:string "
    "subvenue:string created:string updated:string"
)
ASSIGNMENT_COLUMNS = columns("id:int game:internal official_id:internal position:string accepted:bool "
                             "declined:bool")
AVAILABILITY_COLUMNS = columns("id:int user:internal date:string all_day:string start_time:string "
                               "end_time:string description:string")

TABLES: dict[str, tuple[Column, ...]] = {
    "sites": SITE_COLUMNS, "venues": VENUE_COLUMNS, "users": USER_COLUMNS, "games": GAME_COLUMNS,
    "assignments": ASSIGNMENT_COLUMNS, "availability": AVAILABILITY_COLUMNS,
}
INDEXES = (
    'CREATE INDEX venues_site ON venues ("site", "id")',
    'CREATE INDEX users_site ON users ("site", "id")',
    'CREATE INDEX games_site ON games ("site", "id")',
    'CREATE INDEX games_date ON games ("site", "localized_date")',
    'CREATE INDEX assignments_game ON assignments ("game", "id")',
    'CREATE INDEX availability_user ON availability ("user", "id")',
)
SCHEMA = Schema(TABLES, INDEXES, ("created", "updated"))

GAME_STRINGS = ("age_group", "home_team", "away_team", "gender", "league", "pattern", "status", "user_defined_id",
                "external_id", "public_note", "game_type", "subvenue")
GAME_BOOLEANS = ("cancelled", "published")
USER_STRINGS = ("first_name", "last_name", "mobile_phone")
USER_BOOLEANS = ("official", "assignor", "manager", "active")
