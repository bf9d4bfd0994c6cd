"""Load and validate vendor profiles (TOML, checked against schemas/meta/profile.schema.json)."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from conformance.errors import ConfigError
from conformance.paths import SCHEMAS
from conformance.vendors import profile_files

META_SCHEMA = SCHEMAS / "meta" / "profile.schema.json"


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    schema: str
    id_field: str
    item_path: str | None = None
    collection_key: str | None = None
    paginated: bool = False
    sortable: tuple[str, ...] = ()
    filterable: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)
    parent_resource: str | None = None
    versioned: bool = False
    default_version: str | None = None
    appendix_c_rows: tuple[int, ...] = ()
    counterpart: str | None = None
    item_schema: str | None = None
    writable: bool = False
    user_context: bool = False
    id_kind: str = "guid"

    @property
    def nested(self) -> bool:
        return bool(self.parents)


@dataclass(frozen=True)
class Profile:
    """One vendor API as data. `raw` keeps every section for the parts that read it directly."""

    id: str
    vendor: str
    api: str
    seed: str
    source: Path
    raw: dict[str, Any]
    resources: tuple[Resource, ...]
    rules: tuple[str, ...]

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        return value if isinstance(value, dict) else {}

    @property
    def auth(self) -> dict[str, Any]:
        return self.section("auth")

    @property
    def status(self) -> dict[str, int]:
        return self.section("status")

    @property
    def pagination(self) -> dict[str, Any]:
        return self.section("pagination")

    @property
    def sorting(self) -> dict[str, Any]:
        return self.section("sorting")

    @property
    def filtering(self) -> dict[str, Any]:
        return self.section("filtering")

    @property
    def ratelimit(self) -> dict[str, Any]:
        return self.section("ratelimit")

    def ratelimit_headers(self, status: int) -> tuple[str, ...]:
        """The rate-limit headers documented on an answer with ``status``: on every answer, but a refused token's
        where the count is kept per token (no live token, nothing counted)."""
        section = self.ratelimit
        if section.get("key") == "token" and status == self.status.get("bad_token"):
            return ()
        return tuple(str(h) for h in section.get("headers", ()))

    @property
    def credentials(self) -> tuple[str, ...]:
        return tuple(self.auth.get("credentials", ()))

    def resource(self, name: str) -> Resource:
        for res in self.resources:
            if res.name == name:
                return res
        raise ConfigError(f"profile {self.id}: no resource named {name!r}")

    def applies(self, rule_id: str) -> bool:
        return rule_id in self.rules


def available() -> list[str]:
    """Names of the profiles shipped in conformance/vendors/<vendor>/profiles."""
    return sorted(profile_files())


def _meta_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(META_SCHEMA.read_text(encoding="utf-8")))


def _locate(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.is_file():
            raise ConfigError(f"{name_or_path}: profile file not found")
        return candidate
    path = profile_files().get(name_or_path)
    if path is None:
        known = ", ".join(available())
        raise ConfigError(f"unknown profile {name_or_path!r} (known: {known})")
    return path


def _key_of(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required" or error.validator == "additionalProperties":
        return ".".join(parts) or "(top level)"
    return ".".join(parts) or "(top level)"


def _resource(r: dict[str, Any]) -> Resource:
    return Resource(
        name=r["name"], path=r["path"], schema=r["schema"], id_field=r["id_field"],
        item_path=r.get("item_path"), collection_key=r.get("collection_key"),
        paginated=bool(r.get("paginated", False)), sortable=tuple(r.get("sortable", ())),
        filterable=dict(r.get("filterable", {})), parents=dict(r.get("parents", {})),
        parent_resource=r.get("parent_resource"), versioned=bool(r.get("versioned", False)),
        default_version=r.get("default_version"), appendix_c_rows=tuple(r.get("appendix_c_rows", ())),
        counterpart=r.get("counterpart"), item_schema=r.get("item_schema"),
        writable=bool(r.get("writable", False)), user_context=bool(r.get("user_context", False)),
        id_kind=str(r.get("id_kind", "guid")),
    )


def parse(path: Path) -> Profile:
    """Parse and validate one profile file; ConfigError names the file, the key and the reason."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    errors = sorted(_meta_validator().iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise ConfigError(f"{path}: key {_key_of(first)}: {first.message}")
    _known_rules(path, raw["rules"]["apply"])
    resources = tuple(_resource(r) for r in raw["resources"])
    return Profile(
        id=raw["id"], vendor=raw["vendor"], api=raw["api"], seed=raw["seed"], source=path,
        raw=raw, resources=resources, rules=tuple(raw["rules"]["apply"]),
    )


def _known_rules(path: Path, rule_ids: list[str]) -> None:
    """Every rule the profile applies must be registered: a typo would otherwise never be checked."""
    import conformance.rules  # noqa: F401  (registers every rule)
    from conformance.rules.registry import unknown

    missing = unknown(rule_ids)
    if missing:
        raise ConfigError(f"{path}: key rules.apply: unknown rule id {missing[0]!r}")


@cache
def load(name_or_path: str) -> Profile:
    """Load a profile by name (absorb-v1_5) or by path to a .toml file."""
    return parse(_locate(name_or_path))
