"""JSON Schemas of the contracts, compiled once (jsonschema-rs for speed on large bodies)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema_rs

from conformance.errors import ConfigError
from conformance.paths import SCHEMAS


@cache
def load(name: str) -> dict[str, Any]:
    """Load schemas/<name> (e.g. 'absorb/user.v1_5.json')."""
    path = SCHEMAS / name
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"schema {name!r} not found under {SCHEMAS}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}") from None
    return data


@cache
def validator(name: str) -> Any:
    """A compiled jsonschema-rs validator for schemas/<name>."""
    return jsonschema_rs.validator_for(load(name))


def errors(name: str, instance: Any, *, limit: int = 5) -> list[str]:
    """Up to ``limit`` readable errors ('<json pointer>: <message>'); empty when valid."""
    compiled = validator(name)
    if compiled.is_valid(instance):
        return []
    found: list[str] = []
    for error in compiled.iter_errors(instance):
        pointer = "/" + "/".join(str(p) for p in error.instance_path)
        found.append(f"{pointer}: {error.message}")
        if len(found) >= limit:
            break
    return found
