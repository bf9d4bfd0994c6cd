"""A walk never trusts totalItems for its length: a hard page cap (profile or default) and max_offset bound it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest

from conformance import walk as walk_module
from conformance.errors import TargetError
from conformance.profiles import Profile
from conformance.rules import pagination
from conformance.walk import walk
from tests.fakes import absorb


class Endless:
    """Every page full, totalItems a billion: a target that would keep a walk busy for ever."""

    def __init__(self) -> None:
        self.calls = 0

    def get(self, path: str, *, params: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None) -> Any:
        self.calls += 1
        offset = int((params or {})["_offset"])
        rows = [{"id": f"{offset}-{n}"} for n in range(2)]
        return _Answer({"totalItems": 10**9, "limit": 2, "offset": offset, "returnedItems": 2, "users": rows})


@dataclasses.dataclass
class _Answer:
    body: Any
    status_code: int = 200

    def json(self) -> Any:
        return self.body

    @property
    def text(self) -> str:
        return str(self.body)


def with_pagination(profile: Profile, **values: Any) -> Profile:
    return dataclasses.replace(profile, raw={**profile.raw, "pagination": {**profile.pagination, **values}})


def test_a_lying_total_stops_at_the_profiles_page_cap() -> None:
    target = Endless()
    profile = with_pagination(absorb(), max_pages=50)
    result = walk(target, profile, profile.resource("users"), 2)
    assert target.calls == 50 and result.capped
    with pytest.raises(TargetError, match="50 pages"):
        pagination.terminates(result)


def test_a_lying_total_stops_at_the_default_page_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(walk_module, "MAX_PAGES", 300)
    target = Endless()
    result = walk(target, absorb(), absorb().resource("users"), 2)
    assert target.calls == 300 and result.capped


def test_max_offset_bounds_the_walk_too() -> None:
    target = Endless()
    profile = with_pagination(absorb(), max_offset=9)
    result = walk(target, profile, profile.resource("users"), 2)
    assert target.calls == 10 and result.capped
