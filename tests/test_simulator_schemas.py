"""The row schemas the Absorb profiles name: valid draft 2020-12 with a stable $id quoting the seed, and
the three families (v1.5, compatibility mode, v1) telling the same story field by field."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conformance.paths import SCHEMAS
from conformance.profiles import load

PROFILES = ("absorb-v1_5", "absorb-v1_5-compat", "absorb-v1", "qses")
OTHER_SCHEMAS = (("auth", "token_error_schema"), ("auth", "denial_schema"), ("media", "unsupported_schema"),
                 ("pagination", "envelope_schema"), ("pagination", "item_envelope_schema"))
NAMED = sorted({name for p in PROFILES for r in load(p).resources for name in (r.schema, r.item_schema) if name}
               | {load(p).raw["errors"]["schema"] for p in PROFILES} | {load(p).auth["token_schema"] for p in PROFILES}
               | {load(p).section(part)[key] for p in PROFILES for part, key in OTHER_SCHEMAS
                  if key in load(p).section(part)})


def document(name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("name", NAMED)
def test_schema_is_draft_2020_12_with_a_stable_id_quoting_the_seed(name: str) -> None:
    schema = document(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == f"https://lms-conformance.dev/schemas/{name}"
    assert ".txt" in str(schema["description"])    # quotes the seed it encodes


def properties(name: str) -> dict[str, object]:
    found = document(name)["properties"]
    assert isinstance(found, dict)
    return found


@pytest.mark.parametrize("name", sorted({r.schema for r in load("absorb-v1_5").resources}))
def test_compatibility_schemas_are_the_v1_5_ones_in_pascal_case(name: str) -> None:
    compat = properties(name.replace(".v1_5.json", ".v1_5-compat.json"))
    assert compat == {k[:1].upper() + k[1:]: v for k, v in properties(name).items()}


def test_v1_schemas_mark_what_appendix_c_says_v1_5_added_or_removed() -> None:
    assert properties("absorb/user.v1.json")["DateEdited"] is False
    assert properties("absorb/user.v1.json")["LastLoginDate"] is False
    assert properties("absorb/course.v1.json")["DateEdited"] is False and "CourseType" in properties(
        "absorb/course.v1.json")
    assert properties("absorb/course-untyped.v1.json")["CourseType"] is False
    assert properties("absorb/resource.v1_5.json")["moduleId"] is False
    assert properties("absorb/resource.v1.json")["ModuleId"] is not False
    assert {k.lower() for k in properties("absorb/tag.v1.json")} == {k.lower() for k in properties(
        "absorb/tag.v1_5.json")}
