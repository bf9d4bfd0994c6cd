"""Packaging beyond pyproject.toml: the repository keeps ``schemas/`` and ``fixtures/`` at its root (DESIGN.md), and
the wheel ships them inside the package as ``conformance/_data/schemas`` and ``conformance/_data/fixtures``, so an
installed ``lmsconf`` needs no checkout (``conformance.paths`` finds either place)."""

from __future__ import annotations

from setuptools import find_packages, setup

DATA = {"conformance._data.schemas": "schemas", "conformance._data.fixtures": "fixtures"}

setup(
    packages=[*find_packages(include=["conformance", "conformance.*"]), *DATA],
    package_dir=DATA,
    package_data={
        "conformance.suites": ["pytest.ini"],
        "conformance.vendors": ["*/profiles/*.toml"],   # every vendor's profiles
        **{name: ["**/*"] for name in DATA},            # every schema, OpenAPI document and fixture
    },
    include_package_data=False,
)
