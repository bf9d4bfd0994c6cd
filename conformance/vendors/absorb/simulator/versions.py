"""Which version a v1.5 request is served, and what shape that gives a collection.

Seed 003, Step Two 5 and Appendix D: requests may send ``x-api-version``
(1.5.0 or 1.5.1); every response names the version served. A collection asked
for 1.5.0 answers unpaginated (a bare array, "up to 55k rows") and for 1.5.1
with the pagination wrapper; the classic paginated endpoints (/users, ...) are not versioned and page
whatever is asked. Without the header a route serves its profile
``default_version``: 1.5.1 for the classic paginated endpoints (Step Two 4:
they "will now return a default of 20 records"), the base version 1.5.0 for the
versioned ones (Appendix D). "While backward compatibility is enabled, you will
be restricted to version 1.5.0": a compatibility-mode portal serves 1.5.0
whatever is asked; its classic paginated endpoints still page, as bare arrays
(no wrapper). Any other header value is refused (the profile's ``invalid_version``
status, a guess). Collections the seed does not paginate (/resources) are bare
arrays whatever is asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from conformance.profiles import Profile, Resource

Shape = Literal["page", "array", "bare-page"]
UNPAGINATED_MAX_ROWS = 55_000   # Appendix D "Returns up to 55k rows", when the profile does not say


@dataclass(frozen=True)
class Versioning:
    request_header: str
    response_header: str
    accepted: tuple[str, ...]
    default: str
    paginated: str
    compat_only: str | None
    max_rows: int
    faults: frozenset[str]

    @classmethod
    def from_profile(cls, profile: Profile, faults: frozenset[str]) -> Versioning:
        section = profile.section("versions")
        accepted = tuple(section.get("accepted", ("1.5.0", "1.5.1")))
        compat = bool(profile.section("simulator").get("compat", False))
        return cls(
            request_header=section.get("request_header", "x-api-version"),
            response_header=section.get("response_header", "x-api-version"),
            accepted=accepted, default=str(profile.raw.get("default_version", accepted[-1])),
            paginated=section.get("paginated_version", accepted[-1]),
            compat_only=section.get("compat_only", accepted[0]) if compat else None,
            max_rows=int(section.get("unpaginated_max_rows", UNPAGINATED_MAX_ROWS)), faults=faults,
        )

    def fault(self, name: str) -> bool:
        return name in self.faults

    def asked(self, headers: Mapping[str, Any]) -> str | None:
        value = headers.get(self.request_header)
        return None if value is None else str(value).strip()

    def invalid(self, headers: Mapping[str, Any]) -> str | None:
        """The header value when one is sent and is not a version the API accepts."""
        asked = self.asked(headers)
        if self.fault("invalid-version-served"):
            return None
        return asked if asked is not None and asked not in self.accepted else None

    def served(self, headers: Mapping[str, Any], resource: Resource | None = None) -> str:
        """The version a request is answered with (the route's base version when none is asked)."""
        if self.compat_only and not self.fault("compat-serves-1_5_1"):
            return self.compat_only
        asked = self.asked(headers)
        if asked in self.accepted:
            return str(asked)
        if resource is None:
            return self.default
        if resource.versioned and self.fault("version-default-wrong"):
            return self.paginated
        return resource.default_version or self.default

    def stamp(self, served: str) -> dict[str, str]:
        """The response header naming the served version (none when that fault is on)."""
        return {} if self.fault("version-header-missing") else {self.response_header: served}

    def shape(self, resource: Resource, served: str) -> Shape:
        """How a collection answers: wrapped page, page rows as a bare array, or every row bare.

        Only the versioned endpoints (Appendix D) answer 1.5.0 unpaginated; the classic paginated
        endpoints (Step One's list, /users among them) always page (Appendix B "non-optional
        pagination"), with the wrapper unless backward compatibility is on (Appendix A lists the wrapper
        among the features for clients not using the setting)."""
        if resource.versioned:
            if served != self.paginated:
                return "array"
            return "bare-page" if self.fault("v1_5_1-without-wrapper") else "page"
        if not resource.paginated:
            return "array"
        return "bare-page" if self.compat_only else "page"
