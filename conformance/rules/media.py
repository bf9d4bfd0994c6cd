"""Media-type rules (seed 002 'Content Type'): JSON only, the documented Content-Type on every response
whatever Accept says, and 415 for request bodies that are not JSON."""

from __future__ import annotations

from collections.abc import Iterable

from conformance.rules.common import Answer, describe, expect_json_matching, media_type
from conformance.rules.registry import Violation, rule

CITE = "002_b0b03e2e2867055f.txt 'Content Type'"


def _params(value: str) -> tuple[str, dict[str, str]]:
    kind, _, rest = value.partition(";")
    params = {}
    for part in rest.split(";"):
        name, _, val = part.partition("=")
        if name.strip():
            params[name.strip().lower()] = val.strip().strip('"').lower()
    return kind.strip().lower(), params


def same_content_type(actual: str, documented: str) -> bool:
    """Media types equal (case-insensitive) and every documented parameter present with its value."""
    kind, params = _params(actual)
    want_kind, want_params = _params(documented)
    return kind == want_kind and all(params.get(k) == v for k, v in want_params.items())


@rule("media.charset-on-every-response", cites=CITE + " ('Response Headers Content-Type: application/json; "
      "charset=utf-8')",
      summary="every response with content carries the documented Content-Type, charset included")
def charset_on_every_response(exchanges: Iterable[Answer], documented: str) -> None:
    for ex in exchanges:
        if ex.status is None or not ex.response_body:
            continue   # "Whenever the API responds with some content": a body-less answer has no Content-Type
        actual = ex.response_headers.get("content-type", "")
        if not same_content_type(actual, documented):
            raise Violation(f"Content-Type is {actual or 'missing'!r}, not {documented!r}; {describe(ex)}")


@rule("media.accept-ignored", cites=CITE + " ('any Accept header value will be ignored and always JSON returned')",
      summary="a request asking for another media type in Accept is still answered with JSON")
def accept_ignored(exchanges: Iterable[Answer], documented: str) -> None:
    for ex in exchanges:
        if ex.status is None or not 200 <= ex.status < 300:
            raise Violation(f"a request with a non-JSON Accept was not answered with success; {describe(ex)}")
        if media_type(ex) != _params(documented)[0]:
            raise Violation(f"a request with a non-JSON Accept was answered {media_type(ex) or 'without a type'}; "
                            f"{describe(ex)}")


@rule("media.non-json-body-refused", cites=CITE + " ('you must always include ... Content-Type: application/json'; "
      "Error Response)",
      summary="a POST or PUT whose body is not application/json is refused with 415 and the documented body")
def non_json_body_refused(exchanges: Iterable[Answer], expected: int, body_schema: str | None) -> None:
    for ex in exchanges:
        if ex.status != expected:
            raise Violation(f"a body that is not JSON was not refused with {expected}; {describe(ex)}")
        if body_schema:
            expect_json_matching(ex, body_schema, "the 415 body")


AS_REQUESTS = "004_3a3088db9d5a175f.txt 'Requests'"


@rule("media.hal-content-type", cites=AS_REQUESTS + " ('All requests should supply the Accept: "
      "application/vnd.assignr.v2.hal+json header')",
      summary="every response with content is of the documented HAL media type, also to a client asking for JSON")
def hal_content_type(exchanges: Iterable[Answer], documented: str) -> None:
    for ex in exchanges:
        if ex.status is None or not ex.response_body:
            continue
        actual = ex.response_headers.get("content-type", "")
        if media_type(ex) != _params(documented)[0]:
            raise Violation(f"Content-Type is {actual or 'missing'!r}, not {documented!r}; {describe(ex)}")


@rule("media.hal-request-required", cites=AS_REQUESTS + " ('POST requests must specify the Content-Type: "
      "application/vnd.assignr.v2.hal+json header')",
      summary="a POST whose Content-Type is not the HAL media type is refused with the profile's status (415)")
def hal_request_required(exchanges: Iterable[Answer], expected: int) -> None:
    for ex in exchanges:
        if ex.status != expected:
            raise Violation(f"a POST without the HAL Content-Type was not refused with {expected}; {describe(ex)}")
