"""A vendor is one folder: generic modules never import a vendor's folder, and vendors never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

from conformance.paths import PACKAGE
from conformance.vendors import HERE, vendors

VENDOR_PACKAGE = "conformance.vendors"


def imported(path: Path, package: str | None = None) -> set[str]:
    """Every module name a file imports (absolute names; relative imports resolved against its package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if package is None:
        package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def vendor_named(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] == ["conformance", "vendors"] and len(parts) > 2:
        return parts[2]
    return None


def test_generic_modules_import_no_vendor_folder() -> None:
    known = {v.name for v in vendors()}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if HERE in path.parents:
            continue
        for module in imported(path):
            if vendor_named(module) in known:
                offenders.append(f"{path.relative_to(PACKAGE.parent)} imports {module}")
    assert offenders == []


def test_vendors_import_no_other_vendor() -> None:
    offenders = []
    for vendor in vendors():
        for path in sorted(vendor.root.rglob("*.py")):
            for module in imported(path):
                other = vendor_named(module)
                if other is not None and other != vendor.name:
                    offenders.append(f"{path.relative_to(PACKAGE.parent)} imports {module}")
    assert offenders == []


def test_the_check_sees_an_offending_import(tmp_path: Path) -> None:
    """The boundary check is not vacuous: an import of a vendor module is found in every spelling."""
    probe = tmp_path / "probe.py"
    probe.write_text("from conformance.vendors.absorb import faults\n"
                     "import conformance.vendors.absorb.rules\n"
                     "from ..vendors import absorb\n", encoding="utf-8")
    found = [m for m in imported(probe, "conformance.simulator") if vendor_named(m) == "absorb"]
    assert {"conformance.vendors.absorb", "conformance.vendors.absorb.rules", "conformance.vendors.absorb.faults"} \
        <= set(found)


def test_every_profile_lives_in_its_vendors_folder() -> None:
    for vendor in vendors():
        assert vendor.profiles, f"{vendor.name} ships no profile"
        assert all(pid.startswith(vendor.name) for pid in vendor.profiles), vendor.profiles
