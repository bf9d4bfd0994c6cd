"""Absorb v1 -> v1.5 endpoint differences (upgrade guide, Appendices C and D) as data.

The fixture ``fixtures/absorb/appendix-c.json`` holds one entry per row of Appendix C
("List of v1 vs. v1.5 Endpoint Differences") of seed 003_09d5ed03fea4db3d.txt and is
validated against ``schemas/absorb/appendix-c.schema.json`` on load.
``fixtures/absorb/appendix-d.json`` holds the versioned endpoints of Appendix D.

:func:`parse_seed` and :func:`parse_seed_appendix_d` read the same tables straight out of
the seed text, so the project's tests can check the fixtures against the document they
encode.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast, get_args

import jsonschema

from conformance.errors import ConfigError
from conformance.paths import FIXTURES, SCHEMAS, SEEDS

SEED_NAME = "003_09d5ed03fea4db3d.txt"
SEED_PATH = SEEDS / SEED_NAME
FIXTURE_PATH = FIXTURES / "absorb" / "appendix-c.json"
SCHEMA_PATH = SCHEMAS / "absorb" / "appendix-c.schema.json"
APPENDIX_D_PATH = FIXTURES / "absorb" / "appendix-d.json"

Difference = Literal[
    "identical",
    "fields-added",
    "fields-removed",
    "fields-added-and-removed",
    "no-longer-mandatory",
]
DIFFERENCES: tuple[Difference, ...] = get_args(Difference)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class AppendixCRow:
    """One row of Appendix C: a v1 endpoint and how v1.5 differs from it."""

    row: int
    method: str
    v1_path: str
    v1_5_path: str | None
    difference: Difference
    added: tuple[str, ...]
    removed: tuple[str, ...]
    no_longer_mandatory: tuple[str, ...]
    seed_text: str

    @property
    def path(self) -> str:
        """The v1 path without its query string: ``/coupons?offset={offset}`` -> ``/coupons``."""
        return self.v1_path.partition("?")[0]

    @property
    def query_parameters(self) -> tuple[str, ...]:
        """Names of the query parameters the seed lists for the v1 path, in order."""
        query = self.v1_path.partition("?")[2]
        return tuple(pair.partition("=")[0] for pair in query.split("&")) if query else ()

    @property
    def identical(self) -> bool:
        return self.difference == "identical"

    def to_json(self) -> dict[str, Any]:
        """The fixture's representation of this row."""
        return {
            "row": self.row,
            "method": self.method,
            "v1_path": self.v1_path,
            "v1_5_path": self.v1_5_path,
            "difference": self.difference,
            "added": list(self.added),
            "removed": list(self.removed),
            "no_longer_mandatory": list(self.no_longer_mandatory),
            "seed_text": self.seed_text,
        }


@dataclass(frozen=True)
class VersionedEndpoint:
    """One path of the Appendix D list; ``item`` is the 1-based bullet it appears in."""

    item: int
    path: str


@dataclass(frozen=True)
class ApiVersion:
    """One row of the Appendix D table "Versioned Endpoints (x-api-version) Response Differences"."""

    version: str
    seed_text: str


@dataclass(frozen=True)
class AppendixD:
    """Appendix D: the GET endpoints that accept the ``x-api-version`` header, and its values."""

    method: str
    header: str
    versions: tuple[ApiVersion, ...]
    endpoints: tuple[VersionedEndpoint, ...]

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(e.path for e in self.endpoints)

    @property
    def version_numbers(self) -> tuple[str, ...]:
        return tuple(v.version for v in self.versions)


# --------------------------------------------------------------------------- fixture


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None


@cache
def _validator(schema_path: Path) -> jsonschema.Draft202012Validator:
    schema = _read_json(schema_path)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(f"{schema_path}: not a valid JSON Schema: {exc.message}") from None
    return jsonschema.Draft202012Validator(schema)


def schema_validator(schema_path: Path = SCHEMA_PATH) -> jsonschema.Draft202012Validator:
    """The draft 2020-12 validator for the Appendix C fixture format."""
    return _validator(schema_path)


def _where(error: jsonschema.ValidationError) -> str:
    return "/" + "/".join(str(p) for p in error.absolute_path)


def load_rows(path: Path = FIXTURE_PATH, schema_path: Path = SCHEMA_PATH) -> list[AppendixCRow]:
    """Read and validate the Appendix C fixture.

    Raises ConfigError naming the file and the reason when the file cannot be read, is not
    JSON, does not match the schema, or numbers its rows other than 1, 2, 3, ...
    """
    document = _read_json(path)
    errors = sorted(schema_validator(schema_path).iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise ConfigError(f"{path}: at {_where(first)}: {first.message}")
    rows = [_row_from_json(entry) for entry in document["rows"]]
    for index, row in enumerate(rows, start=1):
        if row.row != index:
            where = f"/rows/{index - 1}/row"
            raise ConfigError(f"{path}: at {where}: expected row number {index}, found {row.row}")
    return rows


def _row_from_json(entry: dict[str, Any]) -> AppendixCRow:
    return AppendixCRow(
        row=entry["row"],
        method=entry["method"],
        v1_path=entry["v1_path"],
        v1_5_path=entry["v1_5_path"],
        difference=cast(Difference, entry["difference"]),
        added=tuple(entry["added"]),
        removed=tuple(entry["removed"]),
        no_longer_mandatory=tuple(entry["no_longer_mandatory"]),
        seed_text=entry["seed_text"],
    )


@cache
def get_rows() -> tuple[AppendixCRow, ...]:
    """The shipped Appendix C rows, loaded and validated once per process."""
    return tuple(load_rows())


def rows_for(method: str, difference: Difference | None = None) -> list[AppendixCRow]:
    """Rows for one HTTP method (any case), optionally only those of one difference kind."""
    wanted = method.upper()
    return [
        r for r in get_rows() if r.method == wanted and (difference is None or r.difference == difference)
    ]


def load_appendix_d(path: Path = APPENDIX_D_PATH) -> AppendixD:
    """Read the Appendix D fixture; ConfigError names the file and the reason if it is malformed."""
    document = _read_json(path)
    try:
        return AppendixD(
            method=_str(document["method"]),
            header=_str(document["header"]),
            versions=tuple(
                ApiVersion(version=_str(v["version"]), seed_text=_str(v["seed_text"]))
                for v in document["versions"]
            ),
            endpoints=tuple(
                VersionedEndpoint(item=_int(e["item"]), path=_str(e["path"])) for e in document["endpoints"]
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: malformed Appendix D fixture: {exc!r}") from None


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, found {value!r}")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected an integer, found {value!r}")
    return value


# --------------------------------------------------------------------------- seed parser


class SeedFormatError(ValueError):
    """The seed text does not have the layout the parser expects; names the line."""


_NBSP = "\u00a0"
_QUOTED = r"[\"\u201c][^\"\u201c\u201d]+[\"\u201d]"
_NAMES = rf"(?P<names>{_QUOTED}(?:(?:\s*,\s*|\s*,?\s+and\s+){_QUOTED})*)"
_ENDPOINT = re.compile(rf"(?P<method>{'|'.join(METHODS)}) (?P<path>/\S*)(?:\s+(?P<rest>.+))?")
_IDENTICAL = re.compile(r"Identical")
_ADDED = re.compile(rf"Added new fields? {_NAMES} in v1\.5", re.IGNORECASE)
_REMOVED = re.compile(rf"Removed fields? {_NAMES} in v1(?:\.5)?", re.IGNORECASE)
_NOT_MANDATORY = re.compile(rf"{_NAMES} (?:is|are) not (?:a )?mandatory fields? in v1\.5", re.IGNORECASE)
_HEADER_CELLS = ("List of v1 vs. v1.5 Endpoint Differences", "v1 Endpoint", "v1.5 Differences")


def _clean(line: str) -> str:
    return line.replace(_NBSP, " ").strip()


def _cells(text: str, start: str, end: str | None) -> Iterator[tuple[int, str]]:
    """(1-based line number, cleaned text) of each non-blank line after heading ``start``.

    Stops before heading ``end``, or at the end of the text when ``end`` is None.
    """
    lines = text.splitlines()
    cleaned = [_clean(line) for line in lines]
    try:
        first = cleaned.index(start)
    except ValueError:
        raise SeedFormatError(f"no heading line {start!r} in the seed") from None
    if end is None:
        last = len(cleaned)
    else:
        try:
            last = cleaned.index(end, first + 1)
        except ValueError:
            raise SeedFormatError(f"no heading line {end!r} after {start!r} in the seed") from None
    for number in range(first + 1, last):
        if cleaned[number]:
            yield number + 1, cleaned[number]


def _names(match: re.Match[str]) -> tuple[str, ...]:
    return tuple(re.findall(r"[\"\u201c]([^\"\u201c\u201d]+)[\"\u201d]", match.group("names")))


def classify(seed_text: str) -> tuple[Difference, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Difference kind and (added, removed, no longer mandatory) field names of one cell text."""
    if _IDENTICAL.fullmatch(seed_text):
        return "identical", (), (), ()
    if match := _ADDED.fullmatch(seed_text):
        return "fields-added", _names(match), (), ()
    if match := _REMOVED.fullmatch(seed_text):
        return "fields-removed", (), _names(match), ()
    if match := _NOT_MANDATORY.fullmatch(seed_text):
        return "no-longer-mandatory", (), (), _names(match)
    raise SeedFormatError(f"unrecognised v1.5 difference text {seed_text!r}")


def parse_seed(text: str) -> list[AppendixCRow]:
    """Parse the Appendix C table out of the upgrade guide's text.

    The table is laid out one cell per paragraph: a title, the two header cells
    ("v1 Endpoint", "v1.5 Differences"), then for each row a ``METHOD /path`` cell followed
    by its difference cell. A row whose two cells were run together on one line
    (``GET /SessionSchedules Identical``) is split after the path. Non-breaking spaces are
    padding and are trimmed; any cell the parser does not understand raises SeedFormatError.
    """
    cells = list(_cells(text, "Appendix C", "Appendix D"))
    header = tuple(cell for _, cell in cells[: len(_HEADER_CELLS)])
    if header != _HEADER_CELLS:
        raise SeedFormatError(f"Appendix C: expected the header cells {_HEADER_CELLS}, found {header}")
    rows: list[AppendixCRow] = []
    pending = iter(cells[len(_HEADER_CELLS) :])
    for number, cell in pending:
        endpoint = _ENDPOINT.fullmatch(cell)
        if endpoint is None:
            raise SeedFormatError(f"line {number}: expected a 'METHOD /path' cell, found {cell!r}")
        difference_text = endpoint.group("rest")
        if difference_text is None:
            following = next(pending, None)
            if following is None:
                raise SeedFormatError(f"line {number}: endpoint {cell!r} has no difference cell")
            difference_number, difference_text = following
            if _ENDPOINT.fullmatch(difference_text):
                raise SeedFormatError(f"line {difference_number}: endpoint where a difference was expected")
        kind, added, removed, not_mandatory = classify(difference_text)
        rows.append(
            AppendixCRow(
                row=len(rows) + 1,
                method=endpoint.group("method"),
                v1_path=endpoint.group("path"),
                v1_5_path=None,
                difference=kind,
                added=added,
                removed=removed,
                no_longer_mandatory=not_mandatory,
                seed_text=difference_text,
            )
        )
    if not rows:
        raise SeedFormatError("Appendix C has no rows")
    return rows


_BULLET = re.compile(r"[\u2022\u2023\u25e6*-]\s*(?P<body>.+)")
_VERSION_ROW = re.compile(r"(?P<version>\d+\.\d+\.\d+)\s+(?P<text>.+)")
_HEADER_NAME = re.compile(r"\"(?P<header>[A-Za-z0-9-]+)\" header")
_VERSIONS_IN_PROSE = re.compile(r"of (?P<versions>\d+\.\d+\.\d+(?: or \d+\.\d+\.\d+)*)")
_METHOD_IN_PROSE = re.compile(rf"following (?P<method>{'|'.join(METHODS)}) endpoints")


def bullet_paths(lines: Sequence[str]) -> list[VersionedEndpoint]:
    """Paths of a bullet list; one bullet may list several comma-separated paths."""
    endpoints: list[VersionedEndpoint] = []
    item = 0
    for line in lines:
        bullet = _BULLET.fullmatch(_clean(line))
        if bullet is None:
            continue
        item += 1
        for part in bullet.group("body").split(","):
            if part.strip():
                endpoints.append(VersionedEndpoint(item=item, path=part.strip()))
    return endpoints


def parse_seed_appendix_d(text: str) -> AppendixD:
    """Parse Appendix D (versioned endpoints and the x-api-version values) out of the seed text."""
    cells = [cell for _, cell in _cells(text, "Appendix D", None)]
    intro = next((c for c in cells if "x-api-version" in c), None)
    if intro is None:
        raise SeedFormatError("Appendix D: no sentence naming the x-api-version header")
    method = _METHOD_IN_PROSE.search(intro)
    header = _HEADER_NAME.search(intro)
    prose_versions = _VERSIONS_IN_PROSE.search(intro)
    if method is None or header is None or prose_versions is None:
        raise SeedFormatError(f"Appendix D: cannot read method, header and versions from {intro!r}")
    table_at = next((i for i, c in enumerate(cells) if c.startswith("Versioned Endpoints (")), None)
    if table_at is None:
        raise SeedFormatError("Appendix D: no 'Versioned Endpoints (x-api-version) ...' table")
    versions: list[ApiVersion] = []
    for cell in cells[table_at + 1 :]:
        row = _VERSION_ROW.fullmatch(cell)
        if row is None:
            break
        versions.append(ApiVersion(version=row.group("version"), seed_text=row.group("text")))
    if tuple(v.version for v in versions) != tuple(prose_versions.group("versions").split(" or ")):
        raise SeedFormatError("Appendix D: the version table disagrees with the versions named in the prose")
    endpoints = bullet_paths(cells[:table_at])
    if not endpoints:
        raise SeedFormatError("Appendix D: no versioned endpoints listed")
    return AppendixD(
        method=method.group("method"),
        header=header.group("header"),
        versions=tuple(versions),
        endpoints=tuple(endpoints),
    )


def read_seed(path: Path = SEED_PATH) -> str:
    """The seed's text; ConfigError if it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
