"""Data-driven schema cases (fixtures/cases/<name>/{valid,invalid}/*.json), like the JSON-Schema-Test-Suite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance import schemas
from conformance.paths import FIXTURES, SCHEMAS

CASES = FIXTURES / "cases"
INDEX: dict[str, str] = json.loads((CASES / "index.json").read_text(encoding="utf-8"))


def all_cases() -> list[tuple[str, bool, Path]]:
    found = []
    for name in sorted(INDEX):
        for kind in ("valid", "invalid"):
            found += [(name, kind == "valid", p) for p in sorted((CASES / name / kind).glob("*.json"))]
    return found


def test_every_case_directory_is_indexed() -> None:
    assert {p.name for p in CASES.iterdir() if p.is_dir()} == set(INDEX)


@pytest.mark.parametrize("name", sorted(INDEX))
def test_each_schema_is_draft_2020_12_with_id_and_description(name: str) -> None:
    schema = json.loads((SCHEMAS / INDEX[name]).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(INDEX[name].rsplit("/", 1)[-1])
    assert ".txt" in schema["description"]  # quotes the seed it encodes


@pytest.mark.parametrize(("name", "valid", "path"), all_cases(), ids=lambda v: getattr(v, "stem", str(v)))
def test_case(name: str, valid: bool, path: Path) -> None:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert case["description"] and "should" not in case["description"]
    problems = schemas.errors(INDEX[name], case["instance"], limit=50)
    reference = list(jsonschema.Draft202012Validator(schemas.load(INDEX[name])).iter_errors(case["instance"]))
    assert (not problems) == (not reference), "jsonschema-rs and jsonschema disagree"
    if valid:
        assert problems == []
    else:
        assert problems, f"{path.name} should be rejected"
        where = case.get("error_at")
        if where:
            assert any(p.startswith(where + ":") or p.startswith(where + "/") for p in problems), problems
