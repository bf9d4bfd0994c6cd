"""Write a document as YAML, and make it self-contained (every referenced rule schema copied in)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

from conformance import schemas
from conformance.paths import SCHEMAS

OPENAPI_DIR = SCHEMAS / "openapi"
HEADER = ("# Generated from the conformance profile {profile} by `lmsconf openapi --profile {profile} --refs`;\n"
          "# `lmsconf openapi --write` rewrites it after a profile edit, tests/test_openapi.py keeps it equal to the\n"
          "# profile. Schemas are $refs to the rule schemas, relative to this file.\n")
BUNDLED_HEADER = ("# Generated from the conformance profile {profile} by `lmsconf openapi --profile {profile}`;\n"
                  "# self-contained: every rule schema it uses is copied under components/schemas.\n")


def shipped_path(profile_id: str) -> Path:
    return OPENAPI_DIR / f"{profile_id}.yaml"


def dump(doc: dict[str, Any], profile_id: str | None = None, *, header: str = HEADER) -> str:
    """The document as YAML, after the header comment naming the profile (none without ``profile_id``)."""
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
    return (header.format(profile=profile_id) if profile_id else "") + text


def component_name(rel: str) -> str:
    """schemas/absorb/user.v1_5.json -> absorb.user.v1_5"""
    return re.sub(r"[^A-Za-z0-9._-]+", ".", rel.removesuffix(".json"))


def _load(rel: str) -> dict[str, Any]:
    """A rule schema; ConfigError (exit 2) naming it when the profile names one that is missing or broken."""
    return schemas.load(rel)


def _rebase(node: Any, name: str) -> Any:
    """Internal refs of a copied schema (#/$defs/x) now point inside its component."""
    if isinstance(node, dict):
        out = {k: _rebase(v, name) for k, v in node.items() if k not in ("$id", "$schema")}
        target = node.get("$ref")
        if isinstance(target, str) and target.startswith("#"):
            out["$ref"] = f"#/components/schemas/{name}{target[1:]}"
        return out
    if isinstance(node, list):
        return [_rebase(v, name) for v in node]
    return node


def bundled(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with every ``../<vendor>/<file>.json`` ref replaced by one under components/schemas."""
    out = copy.deepcopy(doc)
    schemas: dict[str, Any] = out.setdefault("components", {}).setdefault("schemas", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            target = node.get("$ref")
            if isinstance(target, str) and target.startswith("../"):
                rel = target[3:]
                name = component_name(rel)
                if name not in schemas:
                    schemas[name] = _rebase(_load(rel), name)
                return {**{k: walk(v) for k, v in node.items() if k != "$ref"},
                        "$ref": f"#/components/schemas/{name}"}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out["paths"] = walk(out["paths"])
    out["components"]["schemas"] = {k: schemas[k] for k in sorted(schemas)}
    return out
