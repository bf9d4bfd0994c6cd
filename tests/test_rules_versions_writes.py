"""Version and write rules on hand-made evidence: each passes when the contract holds and fails when not."""

from __future__ import annotations

import pytest

from conformance.rules import RuleViolation
from conformance.vendors.absorb.rules import versions, writes
from tests.fakes import Answer

V1 = {"Id", "FirstName", "EmailAddress"}


def test_added_fields_compare_without_case() -> None:
    versions.v1_5_adds_fields(V1, {"id", "firstName", "emailAddress", "dateEdited"}, ["DateEdited"], "row 85")
    with pytest.raises(RuleViolation, match="missing \\['dateedited'\\]"):
        versions.v1_5_adds_fields(V1, {"id", "firstName", "emailAddress"}, ["DateEdited"], "row 85")


def test_removed_fields() -> None:
    versions.v1_5_removes_fields(V1 | {"ModuleId"}, {"id", "firstName", "emailAddress"}, ["ModuleId"], "row 75")
    with pytest.raises(RuleViolation, match="unexpected \\['moduleid'\\]"):
        versions.v1_5_removes_fields(V1 | {"ModuleId"}, {"id", "firstName", "emailAddress", "moduleId"},
                                     ["ModuleId"], "row 75")


def test_identical_rows() -> None:
    versions.identical_rows_match({"Id", "Name"}, {"id", "name"}, "row 83")
    with pytest.raises(RuleViolation, match="color"):
        versions.identical_rows_match({"Id", "Name"}, {"id", "name", "color"}, "row 83")


def test_field_names_from_wrapper_list_or_row() -> None:
    assert versions.field_names({"totalItems": 1, "tags": [{"id": 1}, {"name": "x"}]}, "tags") == {"id", "name"}
    assert versions.field_names([{"Id": 1}], None) == {"Id"}
    assert versions.field_names({"Id": 1}, None) == {"Id"}
    assert versions.field_names([], None) is None


def test_no_longer_mandatory() -> None:
    versions.no_longer_mandatory(Answer(400, {"Message": "x"}), Answer(200, []), "EmailAddress")
    with pytest.raises(RuleViolation, match=r"v1\.5 without"):
        versions.no_longer_mandatory(Answer(400, {}), Answer(400, {}), "EmailAddress")
    with pytest.raises(RuleViolation, match="v1 without"):
        versions.no_longer_mandatory(Answer(200, {}), Answer(200, {}), "EmailAddress")


def headers(version: str | None) -> dict[str, str]:
    return {"x-api-version": version} if version else {}


def test_version_shapes_and_header() -> None:
    good = {"1.5.0": Answer(200, [{"id": 1}], response_headers=headers("1.5.0")),
            "1.5.1": Answer(200, {"totalItems": 1, "tags": []}, response_headers=headers("1.5.1"))}
    versions.header_selects_shape(good, "1.5.1", "totalItems")
    versions.response_names_version(good, "x-api-version")
    bare = {**good, "1.5.1": Answer(200, [{"id": 1}], response_headers=headers("1.5.1"))}
    with pytest.raises(RuleViolation, match="wrapper"):
        versions.header_selects_shape(bare, "1.5.1", "totalItems")
    unnamed = {**good, "1.5.0": Answer(200, [], response_headers={})}
    with pytest.raises(RuleViolation, match="None"):
        versions.response_names_version(unnamed, "x-api-version")


def test_default_version_and_compat() -> None:
    versions.default_version(Answer(200, [], response_headers=headers("1.5.0")), "x-api-version", "1.5.0",
                             False, "totalItems")
    with pytest.raises(RuleViolation, match="unpaginated"):
        versions.default_version(Answer(200, {"totalItems": 0}, response_headers=headers("1.5.0")),
                                 "x-api-version", "1.5.0", False, "totalItems")
    versions.compat_restricted(Answer(200, [], response_headers=headers("1.5.0")), "x-api-version", "1.5.0",
                               "totalItems")
    with pytest.raises(RuleViolation, match=r"1\.5\.1"):
        versions.compat_restricted(Answer(200, {"TotalItems": 0}, response_headers=headers("1.5.1")),
                                   "x-api-version", "1.5.0", "totalItems")


def test_write_rules() -> None:
    writes.put_without_email_accepted(Answer(200, {}))
    with pytest.raises(RuleViolation):
        writes.put_without_email_accepted(Answer(400, {}))
    pairs = [{"key": "a1", "value": "lmsconf-x-1"}, {"key": "a2", "value": "lmsconf-x-2"}]
    writes.upload_answers_key_value(Answer(200, pairs), ["lmsconf-x-2", "lmsconf-x-1"])
    with pytest.raises(RuleViolation, match="not a list"):
        writes.upload_answers_key_value(Answer(200, [{"id": "a1", "username": "lmsconf-x-1"}]), ["lmsconf-x-1"])
    with pytest.raises(RuleViolation, match="values"):
        writes.upload_answers_key_value(Answer(200, pairs[:1]), ["lmsconf-x-2", "lmsconf-x-1"])
    writes.upload_limit_enforced(Answer(400, {}), 200)
    with pytest.raises(RuleViolation, match="201"):
        writes.upload_limit_enforced(Answer(200, pairs), 200)
