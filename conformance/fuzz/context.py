"""What the fuzz checks know about the run: the profile and its OpenAPI document."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from conformance.http.retry import parse_retry_after
from conformance.openapi.operations import error_schema_name
from conformance.profiles import Profile
from conformance.walk import record_of

T = TypeVar("T")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass
class FuzzContext:
    profile: Profile
    document: dict[str, Any]
    _ops: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        for path, item in self.document.get("paths", {}).items():
            for method, op in item.items():
                if method in METHODS:
                    self._ops[(method, path)] = op

    def first_time(self, what: str, label: str) -> bool:
        """True the first time ``what`` is asked for ``label`` (an operation), then False."""
        key = (what, label)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        return self._ops.get((method.lower(), path))

    def has_path(self, path: str) -> bool:
        return path in self.document.get("paths", {})

    def documented_statuses(self, method: str, path: str) -> set[int]:
        op = self.operation(method, path) or {}
        return {int(code) for code in op.get("responses", {}) if code.isdigit()}

    @property
    def changed_field(self) -> str | None:
        value = self.profile.section("writes").get("changed_field")
        return str(value) if value else None

    def record_of(self, response: Any) -> dict[str, Any] | None:
        """The record a single-record answer holds (inside the profile's item envelope, if it has one)."""
        return record_of(self.profile, response)

    @property
    def response_content_type(self) -> str:
        return str(self.profile.section("media").get("response_content_type", "application/json"))

    def error_schema(self, status: int, *, token: bool = False) -> str | None:
        return error_schema_name(self.profile, status, token=token)

    def ratelimit_headers_apply(self, status: int) -> bool:
        limits = self.profile.ratelimit
        if self.profile.ratelimit_headers(status):
            return True
        return status == self.profile.status.get("rate_limited") and limits.get("retry_after") == "required"

    def ratelimit_header_problems(self, status: int, headers: Mapping[str, Any]) -> dict[str, str]:
        lowered = {str(k).lower(): _first(v) for k, v in headers.items()}
        problems: dict[str, str] = {}
        for name in self.profile.ratelimit_headers(status):
            value = lowered.get(name.lower())
            if value is None:
                problems[name] = "missing"
            elif not value.strip().isdigit():
                problems[name] = f"{value!r} is not a non-negative integer"
        required = self.profile.ratelimit.get("retry_after") == "required"
        if status == self.profile.status.get("rate_limited") and required:
            value = lowered.get("retry-after")
            if value is None:
                problems["Retry-After"] = "missing on a 429"
            elif parse_retry_after(value) is None:
                problems["Retry-After"] = f"{value!r} is neither delay-seconds nor an HTTP-date"
        return problems


def _first(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value)


class Holder(Generic[T]):
    """One value for the run, for code Schemathesis calls without it (checks, the auth provider)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: T | None = None

    def get(self) -> T | None:
        with self._lock:
            return self._value

    def set(self, value: T | None) -> None:
        with self._lock:
            self._value = value


ACTIVE: Holder[FuzzContext] = Holder()
SESSION: Holder[Any] = Holder()   # the run's ClientSession (conformance.fuzz.session), set by the fuzz suite
