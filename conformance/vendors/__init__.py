"""The vendors: one folder each, found by convention. Generic code reaches a vendor only through here.

A vendor is a package ``conformance/vendors/<name>/`` holding everything that knows that vendor:

- ``profiles/*.toml``: its API profiles (validated against ``schemas/meta/profile.schema.json``);
- ``simulator``: a module (or package) with ``PROFILES`` (the profile ids it serves, one app for all),
  ``SCHEMA`` (its tables, a ``conformance.simulator.tables.Schema``), ``DATASETS`` (dataset names),
  ``generate(dataset)`` (rows per table) and ``build(ctx) -> Starlette``;
- ``faults``: ``FAULTS``, the named contract violations its simulator can commit;
- ``rules``: a module or package registering the rules only this vendor has (imported for its effect);
- ``suites/``: pytest modules run, beside the generic suites, for this vendor's profiles;
- ``plugin``: a pytest plugin (options, fixtures) loaded for this vendor's profiles;
- ``differences``: ``rows()``, its documented differences between API versions (for ``lmsconf compare``).

Every part is optional but the profiles. Its JSON Schemas stay in ``schemas/<vendor>/`` and its data in
``fixtures/<vendor>/``. Nothing outside a vendor's folder imports from it by name; a test keeps it so.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Vendor:
    name: str
    root: Path

    @property
    def package(self) -> str:
        return f"{__name__}.{self.name}"

    @property
    def profiles(self) -> dict[str, Path]:
        return {p.stem: p for p in sorted((self.root / "profiles").glob("*.toml"))}

    @property
    def suites(self) -> Path | None:
        folder = self.root / "suites"
        return folder if folder.is_dir() else None

    def module(self, part: str) -> ModuleType | None:
        """The vendor's ``part`` module (simulator, faults, rules, plugin), or None when it has none."""
        if not ((self.root / f"{part}.py").is_file() or (self.root / part / "__init__.py").is_file()):
            return None
        return importlib.import_module(f"{self.package}.{part}")

    def plugin_name(self) -> str | None:
        return f"{self.package}.plugin" if self.module("plugin") is not None else None


@cache
def vendors() -> tuple[Vendor, ...]:
    return tuple(Vendor(info.name, HERE / info.name) for info in pkgutil.iter_modules([str(HERE)]) if info.ispkg)


@cache
def profile_files() -> dict[str, Path]:
    """Every shipped profile id -> its file."""
    return {pid: path for v in vendors() for pid, path in v.profiles.items()}


def vendor_of(profile_id: str) -> Vendor | None:
    """The vendor that ships the profile (None for a profile file from elsewhere)."""
    for vendor in vendors():
        if profile_id in vendor.profiles:
            return vendor
    return None


def vendor_serving(profile_id: str) -> Vendor | None:
    """The vendor whose simulator serves ``profile_id`` (the one that ships it, or one naming it in PROFILES)."""
    for vendor in vendors():
        sim = vendor.module("simulator")
        if sim is not None and profile_id in getattr(sim, "PROFILES", ()):
            return vendor
    return None


def load_rules() -> None:
    """Register every vendor's own rules."""
    for vendor in vendors():
        vendor.module("rules")


def all_faults() -> list[object]:
    """Every vendor's faults (``conformance.simulator.faults.Fault``), vendor by vendor."""
    found: list[object] = []
    for vendor in vendors():
        module = vendor.module("faults")
        if module is not None:
            found += list(module.FAULTS)
    return found


def documented_differences(profile_id: str) -> list[dict[str, Any]]:
    """The rows of the table in which the profile's vendor documents how its API versions differ (Absorb: seed
    003 Appendix C), each a plain dict (``row``, ``method``, ``path``, ``item``, ``added``, ``removed``,
    ``text``, ``source``); empty when the vendor documents none."""
    vendor = vendor_of(profile_id)
    module = vendor.module("differences") if vendor is not None else None
    return list(module.rows()) if module is not None else []
