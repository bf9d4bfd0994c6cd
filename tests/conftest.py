"""Shared fixtures for the project's own tests."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.paths import FIXTURES


@pytest.fixture
def absorb_user() -> dict[str, Any]:
    """A valid v1.5 user, from the schema's data-driven cases."""
    case = json.loads((FIXTURES / "cases" / "absorb-user" / "valid" / "full-user.json").read_text())
    return dict(case["instance"])
