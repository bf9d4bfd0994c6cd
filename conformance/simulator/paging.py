"""Page-index pagination read from the query string, per the profile's [pagination] section."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_INTEGER = re.compile(r"-?\d{1,12}")


class PagingError(ValueError):
    """Paging parameters the API rejects; ``validations`` says which and why."""

    def __init__(self, validations: list[str]) -> None:
        super().__init__("; ".join(validations))
        self.validations = validations


@dataclass(frozen=True)
class PageRequest:
    """``offset`` as requested (the page number), ``index`` the page counted from 0, ``limit`` the size."""

    offset: int
    limit: int
    index: int

    @property
    def first_row(self) -> int:
        return self.index * self.limit


@dataclass(frozen=True)
class PagingPolicy:
    offset_param: str = "_offset"
    limit_param: str = "_limit"
    default_limit: int = 20
    max_limit: int = 1000
    max_offset: int = 65535
    first_offset: int = 0

    @classmethod
    def from_profile(cls, pagination: Mapping[str, Any]) -> PagingPolicy:
        names = ("offset_param", "limit_param", "default_limit", "max_limit", "max_offset", "first_offset")
        return cls(**{n: pagination[n] for n in names if n in pagination})


def _read(params: Mapping[str, str], name: str, default: int, low: int, high: int,
          lenient: bool, problems: list[str]) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw.strip() if lenient else raw):
        if not lenient:
            problems.append(f"{name} must be an integer from {low} to {high}; got {raw!r}")
        return default
    value = int(raw)
    if low <= value <= high:
        return value
    if not lenient:
        problems.append(f"{name} must be an integer from {low} to {high}; got {value}")
    return min(max(value, low), high)


def page_request(params: Mapping[str, str], policy: PagingPolicy, *, lenient: bool = False) -> PageRequest:
    """The requested page; PagingError unless ``lenient``, which clamps and defaults instead."""
    problems: list[str] = []
    offset = _read(params, policy.offset_param, policy.first_offset, policy.first_offset, policy.max_offset,
                   lenient, problems)
    limit = _read(params, policy.limit_param, policy.default_limit, 1, policy.max_limit, lenient, problems)
    if problems:
        raise PagingError(problems)
    return PageRequest(offset, limit, offset - policy.first_offset)
