"""Absorb v1 -> v1.5 upgrade guide, Appendices C and D: schema, cases, and agreement with the seed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conformance.errors import ConfigError
from conformance.paths import FIXTURES
from conformance.vendors.absorb import appendix_c as appc

CASES = FIXTURES / "cases" / "appendix-c"
VALID_CASES = sorted((CASES / "valid").glob("*.json"))
INVALID_CASES = sorted((CASES / "invalid").glob("*.json"))


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _pointer(error: Any) -> str:
    return "".join(f"/{part}" for part in error.absolute_path)


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not appc.SEED_PATH.is_file():
        pytest.skip(
            f"seed {appc.SEED_NAME} not found at {appc.SEED_PATH} "
            "(it lives outside the repository, in ../shared/seeds)"
        )
    return appc.read_seed()


@pytest.fixture(scope="module")
def rows() -> list[appc.AppendixCRow]:
    return appc.load_rows()


# --------------------------------------------------------------------------- schema and fixture


def test_schema_is_valid_draft_2020_12() -> None:
    schema = _json(appc.SCHEMA_PATH)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://lms-conformance.dev/schemas/absorb/appendix-c.schema.json"
    assert appc.SEED_NAME in schema["description"]
    appc.schema_validator().check_schema(schema)


def test_fixture_validates_against_schema() -> None:
    document = _json(appc.FIXTURE_PATH)
    errors = [f"{_pointer(e)}: {e.message}" for e in appc.schema_validator().iter_errors(document)]
    assert errors == []
    assert document["$schema"] == _json(appc.SCHEMA_PATH)["$id"]


def test_fixture_has_138_rows_numbered_in_order(rows: list[appc.AppendixCRow]) -> None:
    assert len(rows) == 138
    assert [r.row for r in rows] == list(range(1, 139))


def test_fixture_counts_per_kind_and_method(rows: list[appc.AppendixCRow]) -> None:
    assert Counter(r.difference for r in rows) == {
        "identical": 87,
        "fields-added": 40,
        "fields-removed": 8,
        "no-longer-mandatory": 3,
    }
    assert Counter(r.method for r in rows) == {"GET": 109, "POST": 23, "PUT": 6}


def test_no_row_names_a_v1_5_path(rows: list[appc.AppendixCRow]) -> None:
    assert all(r.v1_5_path is None for r in rows)


@pytest.mark.parametrize("case", VALID_CASES, ids=lambda p: p.stem)
def test_schema_accepts_valid_case(case: Path) -> None:
    data = _json(case)
    assert data["description"]
    errors = [f"{_pointer(e)}: {e.message}" for e in appc.schema_validator().iter_errors(data["instance"])]
    assert errors == [], data["description"]


@pytest.mark.parametrize("case", INVALID_CASES, ids=lambda p: p.stem)
def test_schema_rejects_invalid_case(case: Path) -> None:
    data = _json(case)
    assert data["description"]
    errors = list(appc.schema_validator().iter_errors(data["instance"]))
    assert errors, f"accepted: {data['description']}"
    assert data["error_at"] in {_pointer(e) for e in errors}, [(_pointer(e), e.message) for e in errors]


def test_cases_cover_the_required_rejections() -> None:
    names = {p.stem for p in INVALID_CASES}
    assert {"missing-method", "unknown-difference-kind", "identical-with-added-fields"} <= names
    assert len(VALID_CASES) >= 4


def test_load_rows_names_file_and_reason_when_invalid(tmp_path: Path) -> None:
    document = _json(appc.FIXTURE_PATH)
    document["rows"][5]["difference"] = "renamed"
    broken = tmp_path / "appendix-c.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        appc.load_rows(broken)
    message = str(excinfo.value)
    assert str(broken) in message
    assert "/rows/5/difference" in message and "renamed" in message


def test_load_rows_rejects_misnumbered_rows(tmp_path: Path) -> None:
    document = _json(appc.FIXTURE_PATH)
    document["rows"][0], document["rows"][1] = document["rows"][1], document["rows"][0]
    broken = tmp_path / "appendix-c.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"/rows/0/row: expected row number 1, found 2"):
        appc.load_rows(broken)


def test_load_rows_rejects_non_json(tmp_path: Path) -> None:
    broken = tmp_path / "appendix-c.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid JSON"):
        appc.load_rows(broken)


def test_helpers() -> None:
    assert appc.get_rows() is appc.get_rows()
    assert list(appc.get_rows()) == appc.load_rows()
    puts = appc.rows_for("put")
    assert [r.path for r in puts] == [
        "/instructor-led-course-sessions/{sessionid}/session-schedules/{sessionscheduleid}/attendance/{id}",
        "/ResourceCategories/{id}",
        "/Tags/{id}",
        "/Users/{id}",
        "/users/{userid}/user-management-settings",
        "/Venues/{id}",
    ]
    optional = appc.rows_for("POST", "no-longer-mandatory")
    assert [r.v1_path for r in optional] == [
        "/createabsorbaccount?key={key}",
        "/users/upload?key={key}",
        "/users?key={key}",
    ]
    assert all(r.no_longer_mandatory == ("EmailAddress",) for r in optional)
    assert appc.rows_for("DELETE") == []


# --------------------------------------------------------------------------- spot checks (read in the seed)


def _by_endpoint(rows: list[appc.AppendixCRow], method: str, v1_path: str) -> appc.AppendixCRow:
    matches = [r for r in rows if r.method == method and r.v1_path == v1_path]
    assert len(matches) == 1, (method, v1_path)
    return matches[0]


def test_spot_check_first_and_last_rows(rows: list[appc.AppendixCRow]) -> None:
    first = rows[0]
    assert (first.method, first.difference, first.added) == ("GET", "fields-added", ("DateEdited",))
    assert first.v1_path == (
        "/bulk/studentcourses?userids[0]={userids[0]}&userids[1]={userids[1]}"
        "&courseids[0]={courseids[0]}&courseids[1]={courseids[1]}"
    )
    assert first.path == "/bulk/studentcourses"
    assert first.query_parameters == ("userids[0]", "userids[1]", "courseids[0]", "courseids[1]")
    last = rows[-1]
    assert (last.row, last.method, last.v1_path, last.difference) == (138, "PUT", "/Venues/{id}", "identical")


def test_spot_check_two_fields_added(rows: list[appc.AppendixCRow]) -> None:
    row = _by_endpoint(rows, "GET", "/CourseBundles")
    assert row.row == 13
    assert row.added == ("DateEdited", "CourseType")
    assert row.seed_text == 'Added new field "DateEdited" and "CourseType" in v1.5'
    assert _by_endpoint(rows, "GET", "/mydetails").added == ("DateEdited", "LastLoginDate")


def test_spot_check_removed_module_id(rows: list[appc.AppendixCRow]) -> None:
    row = _by_endpoint(rows, "GET", "/courses/{courseid}/resources")
    assert (row.difference, row.removed, row.added) == ("fields-removed", ("ModuleId",), ())
    assert row.seed_text == 'Removed field "ModuleId" in V1'
    assert all(r.removed == ("ModuleId",) for r in rows if r.difference == "fields-removed")


def test_spot_check_email_no_longer_mandatory(rows: list[appc.AppendixCRow]) -> None:
    row = _by_endpoint(rows, "POST", "/createabsorbaccount?key={key}")
    assert (row.difference, row.no_longer_mandatory) == ("no-longer-mandatory", ("EmailAddress",))
    assert row.seed_text == '"EmailAddress" is not a mandatory field in v1.5'


def test_spot_check_run_together_row(rows: list[appc.AppendixCRow]) -> None:
    # The seed writes "GET /SessionSchedules Identical" on one line; it is still its own row.
    row = _by_endpoint(rows, "GET", "/SessionSchedules")
    assert (row.row, row.difference, row.seed_text) == (81, "identical", "Identical")
    assert rows[row.row].v1_path == "/SessionSchedules/{id}"


def test_spot_check_case_variant_rows_are_distinct(rows: list[appc.AppendixCRow]) -> None:
    upper = _by_endpoint(
        rows, "GET",
        "/courses/{CourseId}/certificates?IncludeExpired={IncludeExpired}&AcquiredDate={AcquiredDate}"
        "&ExpiryDate={ExpiryDate}",
    )
    lower = _by_endpoint(
        rows, "GET",
        "/courses/{courseid}/certificates?includeexpired={includeexpired}&acquireddate={acquireddate}"
        "&expirydate={expirydate}",
    )
    assert (upper.row, lower.row) == (17, 18)
    assert upper.difference == lower.difference == "identical"


# --------------------------------------------------------------------------- agreement with the seed


def test_seed_parses_to_the_fixture(seed_text: str, rows: list[appc.AppendixCRow]) -> None:
    parsed = appc.parse_seed(seed_text)
    assert len(parsed) == 138
    for expected, got in zip(rows, parsed, strict=True):
        assert got == expected, f"row {expected.row}"


def test_every_row_is_verbatim_in_appendix_c(seed_text: str, rows: list[appc.AppendixCRow]) -> None:
    section = seed_text[seed_text.index("\nAppendix C\n") : seed_text.index("\nAppendix D\n")]
    for row in rows:
        assert f"{row.method} {row.v1_path}" in section, row.row
        assert row.seed_text in section, row.row


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Identical", ("identical", (), (), ())),
        ('Added new field "DateEdited" in v1.5', ("fields-added", ("DateEdited",), (), ())),
        (
            'Added new field "DateEdited" and "LastLoginDate" in v1.5',
            ("fields-added", ("DateEdited", "LastLoginDate"), (), ()),
        ),
        ('Removed field "ModuleId" in V1', ("fields-removed", (), ("ModuleId",), ())),
        (
            '"EmailAddress" is not a mandatory field in v1.5',
            ("no-longer-mandatory", (), (), ("EmailAddress",)),
        ),
    ],
)
def test_classify(text: str, expected: tuple[Any, ...]) -> None:
    assert appc.classify(text) == expected


def test_parser_rejects_unknown_difference_text() -> None:
    with pytest.raises(appc.SeedFormatError, match="unrecognised"):
        appc.classify("Renamed field \"Foo\" in v1.5")


def test_parser_reads_the_table_layout() -> None:
    text = "\n".join(
        [
            "Intro mentioning Appendix C in passing.",
            "Appendix C",
            "",
            "List of v1 vs. v1.5 Endpoint Differences",
            "",
            "v1 Endpoint",
            "",
            "v1.5 Differences",
            "",
            "GET /a?x={x}",
            "",
            'Added new field "B" in v1.5\u00a0 ',
            "",
            "PUT /c Identical\u00a0 ",
            "",
            "POST /d",
            "",
            '"E" is not a mandatory field in v1.5',
            "",
            "Appendix D",
        ]
    )
    parsed = appc.parse_seed(text)
    assert [(r.row, r.method, r.v1_path, r.difference, r.seed_text) for r in parsed] == [
        (1, "GET", "/a?x={x}", "fields-added", 'Added new field "B" in v1.5'),
        (2, "PUT", "/c", "identical", "Identical"),
        (3, "POST", "/d", "no-longer-mandatory", '"E" is not a mandatory field in v1.5'),
    ]


def test_parser_rejects_a_row_without_difference_cell() -> None:
    text = "Appendix C\nList of v1 vs. v1.5 Endpoint Differences\nv1 Endpoint\nv1.5 Differences\n"
    with pytest.raises(appc.SeedFormatError, match="where a difference was expected"):
        appc.parse_seed(text + "GET /a\n\nGET /b\n\nIdentical\nAppendix D\n")
    with pytest.raises(appc.SeedFormatError, match="no difference cell"):
        appc.parse_seed(text + "GET /a\nAppendix D\n")


# --------------------------------------------------------------------------- Appendix D


def test_appendix_d_fixture() -> None:
    d = appc.load_appendix_d()
    assert (d.method, d.header) == ("GET", "x-api-version")
    assert d.version_numbers == ("1.5.0", "1.5.1")
    assert len(d.endpoints) == 9
    assert max(e.item for e in d.endpoints) == 8  # one bullet lists my-courses and my-catalog together
    assert len(set(d.paths)) == 9
    assert all(p.startswith("/api/rest/v1_5/") for p in d.paths)
    assert "/api/rest/v1_5/my-catalog" in d.paths


def test_appendix_d_matches_seed(seed_text: str) -> None:
    assert appc.parse_seed_appendix_d(seed_text) == appc.load_appendix_d()


def test_appendix_d_list_repeats_the_step_one_pagination_list(seed_text: str) -> None:
    start = seed_text.index("List of pagination endpoints when called with the 1.5.1 version parameter")
    end = seed_text.index("Even though a highly filtered GET", start)
    step_one = appc.bullet_paths(seed_text[start:end].splitlines())
    assert step_one == list(appc.load_appendix_d().endpoints)


def test_load_appendix_d_names_file_when_malformed(tmp_path: Path) -> None:
    broken = tmp_path / "appendix-d.json"
    broken.write_text(json.dumps({"method": "GET"}), encoding="utf-8")
    with pytest.raises(ConfigError, match=str(broken).replace("\\", "\\\\")):
        appc.load_appendix_d(broken)
