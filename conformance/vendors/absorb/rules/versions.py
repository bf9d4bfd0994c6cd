"""Version rules: v1 vs v1.5 field differences (seed 003 Appendix C) and the x-api-version contract (Step Two 5).

Field names are compared without regard to case: v1 answers PascalCase, v1.5 camelCase.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from conformance.rules.common import Answer, describe, json_body
from conformance.rules.registry import Violation, rule

APPENDIX_C = "003_09d5ed03fea4db3d.txt Appendix C"
VERSIONED = "003_09d5ed03fea4db3d.txt Step Two 5 ('versioned endpoints'); Appendix D"


def folded(names: Iterable[str]) -> set[str]:
    return {name.lower() for name in names}


def field_names(body: Any, collection_key: str | None = None) -> set[str] | None:
    """The union of the field names of every row in a body (a row, a list of rows, or a wrapper)."""
    rows: Any = body
    if isinstance(body, dict) and collection_key and isinstance(body.get(collection_key), list):
        rows = body[collection_key]
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        return None
    return {key for row in rows for key in row}


def _compare(v1: set[str], v1_5: set[str], added: Iterable[str], removed: Iterable[str], where: str) -> None:
    expected = (folded(v1) | folded(added)) - folded(removed)
    got = folded(v1_5)
    missing, extra = sorted(expected - got), sorted(got - expected)
    if missing or extra:
        raise Violation(f"{where}: v1.5 fields differ from v1 + added - removed: missing {missing}, unexpected {extra}")


@rule("versions.v1_5-adds-fields", cites=APPENDIX_C + " ('Added new field ... in v1.5')",
      summary="rows Appendix C marks 'added' answer in v1.5 with exactly v1's fields plus the added ones")
def v1_5_adds_fields(v1: set[str], v1_5: set[str], added: Iterable[str], where: str) -> None:
    _compare(v1, v1_5, added, (), where)


@rule("versions.v1_5-removes-fields", cites=APPENDIX_C + " ('Removed field ...')",
      summary="rows Appendix C marks 'removed' answer in v1.5 with exactly v1's fields less the removed ones")
def v1_5_removes_fields(v1: set[str], v1_5: set[str], removed: Iterable[str], where: str) -> None:
    _compare(v1, v1_5, (), removed, where)


@rule("versions.identical-rows-match", cites=APPENDIX_C + " ('Identical')",
      summary="rows Appendix C marks 'Identical' answer with the same field set in v1 and v1.5")
def identical_rows_match(v1: set[str], v1_5: set[str], where: str) -> None:
    _compare(v1, v1_5, (), (), where)


@rule("versions.no-longer-mandatory", cites=APPENDIX_C + " ('Field ... no longer mandatory'); Appendix A",
      summary="a write without a field v1.5 no longer requires is refused by v1 with 400 and accepted by v1.5")
def no_longer_mandatory(v1: Answer, v1_5: Answer, field: str, v1_refusal: int = 400) -> None:
    if v1.status != v1_refusal:
        raise Violation(f"v1 without {field}: expected HTTP {v1_refusal}; {describe(v1)}")
    if v1_5.status is None or not 200 <= v1_5.status < 300:
        raise Violation(f"v1.5 without {field}: expected success; {describe(v1_5)}")


def _served_version(ex: Answer, header: str) -> str | None:
    return ex.response_headers.get(header.lower())


@rule("versions.header-selects-shape", cites=VERSIONED + "; Step One ('called with the 1.5.1 version parameter')",
      summary="x-api-version 1.5.0 answers a versioned endpoint unpaginated, 1.5.1 with the pagination wrapper")
def header_selects_shape(answers: Mapping[str, Answer], paginated: str, wrapper_field: str) -> None:
    for version, ex in answers.items():
        ok, body = json_body(ex)
        if ex.status != 200 or not ok:
            raise Violation(f"x-api-version {version}: {describe(ex)}")
        wrapped = isinstance(body, dict) and wrapper_field in body
        if version == paginated and not wrapped:
            raise Violation(f"x-api-version {version} did not answer the pagination wrapper; {describe(ex)}")
        if version != paginated and not isinstance(body, list):
            raise Violation(f"x-api-version {version} did not answer an unpaginated list; {describe(ex)}")


@rule("versions.response-names-version", cites=VERSIONED + " ('each response ... will include a version header')",
      summary="every response names the version it serves, and it is the version asked for")
def response_names_version(answers: Mapping[str, Answer], header: str) -> None:
    for version, ex in answers.items():
        served = _served_version(ex, header)
        if served != version:
            raise Violation(f"asked x-api-version {version}, the {header} header says {served!r}; {describe(ex)}")


@rule("versions.default-version", cites=VERSIONED + " ('This header is not required')",
      summary="without x-api-version a versioned endpoint serves its documented default version")
def default_version(ex: Answer, header: str, expected: str, expect_wrapper: bool, wrapper_field: str) -> None:
    served = _served_version(ex, header)
    if served != expected:
        raise Violation(f"without x-api-version the {header} header says {served!r}, expected {expected}")
    ok, body = json_body(ex)
    wrapped = ok and isinstance(body, dict) and wrapper_field in body
    if wrapped != expect_wrapper:
        shape = "the pagination wrapper" if expect_wrapper else "an unpaginated list"
        raise Violation(f"without x-api-version expected {shape}; {describe(ex)}")


@rule("versions.compat-restricted-to-1_5_0", cites="003_09d5ed03fea4db3d.txt Step Two 5 ('while backwards "
      "compatibility is enabled, you will be restricted to version 1.5.0')",
      summary="with backward compatibility on, asking 1.5.1 is served as 1.5.0")
def compat_restricted(ex: Answer, header: str, only: str, wrapper_field: str) -> None:
    served = _served_version(ex, header)
    ok, body = json_body(ex)
    if served != only:
        raise Violation(f"asked 1.5.1 in compatibility mode; the {header} header says {served!r}, expected {only}")
    if ok and isinstance(body, dict) and wrapper_field.lower() in folded(body):
        raise Violation(f"asked 1.5.1 in compatibility mode and got the 1.5.1 pagination wrapper; {describe(ex)}")


@rule("versions.header-on-every-response", cites="003_09d5ed03fea4db3d.txt Step Two 5 and Appendix A 'Versioned "
      "APIs' ('each response from the API will include a version header')",
      summary="every response (errors and unversioned endpoints included) carries the version header")
def header_on_every_response(exchanges: Iterable[Answer], header: str) -> None:
    bare = [describe(ex) for ex in exchanges if ex.status is not None and not _served_version(ex, header)]
    if bare:
        raise Violation(f"no {header} header on: " + "; ".join(bare[:5]))


@rule("versions.invalid-version-refused", cites=VERSIONED + " (1.5.0 or 1.5.1); the refusal status is a profile "
      "guess",
      summary="an x-api-version the API does not offer is refused with the profile's status, not served")
def invalid_version_refused(ex: Answer, asked: str, expected: int) -> None:
    if ex.status != expected:
        raise Violation(f"x-api-version {asked!r}: expected HTTP {expected}; {describe(ex)}")
