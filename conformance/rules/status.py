"""Status-code rules: the documented code for each situation, never the message text."""

from __future__ import annotations

from collections.abc import Iterable

from conformance.rules.common import Answer, describe, expect_status
from conformance.rules.registry import Violation, rule


@rule("status.bad-token-is-401", cites="003_09d5ed03fea4db3d.txt Step Two 3; VENDOR-FACTS Absorb 'bad token: 401'; "
      "002_b0b03e2e2867055f.txt 'How to use the Access Tokens' ('If a 401 HTTP status is returned'); "
      "000_c3b83b8f370189ea.txt 'Problem: 401 Unauthorized response'",
      summary="a request with an invalid or missing token is answered 401")
def bad_token_is_401(exchanges: Iterable[Answer], expected: int = 401) -> None:
    expect_status(exchanges, expected)


@rule("status.unknown-id-is-404", cites="003_09d5ed03fea4db3d.txt; VENDOR-FACTS Absorb '404 not found'; "
      "002_b0b03e2e2867055f.txt (Example 3 - GET a single resource by id); VENDOR-FACTS iHASCO (404 NotFoundError)",
      summary="a GET of an id that does not exist is answered 404")
def unknown_id_is_404(exchanges: Iterable[Answer], expected: int = 404) -> None:
    expect_status(exchanges, expected)


@rule("status.invalid-paging-is-4xx",
      cites="003_09d5ed03fea4db3d.txt Step Two 4 ('_limit ... as high as 1000'); VENDOR-FACTS Absorb 422",
      summary="a page size or page index outside the documented range is refused with the documented 4xx")
def invalid_paging_is_4xx(exchanges: Iterable[Answer], expected: int = 422) -> None:
    expect_status(exchanges, expected)


LS_TABLE = "001_fcef9f3b80b9eaba.txt (status table)"


@rule("status.read-is-200", cites=LS_TABLE + " '200 OK Request was successful.'",
      summary="a GET of a resource that exists is answered 200")
def read_is_200(exchanges: Iterable[Answer], expected: int = 200) -> None:
    expect_status(exchanges, expected, " for a record that exists")


@rule("status.no-content-is-204", cites=LS_TABLE + " '204 No Content ... a value was updated during a PUT or a "
      "deletion was successful during a DELETE'",
      summary="a PUT that updates and a DELETE that deletes are answered 204 with an empty body")
def no_content_is_204(exchanges: Iterable[Answer], expected: int = 204) -> None:
    seen = list(exchanges)
    expect_status(seen, expected)
    filled = [describe(ex) for ex in seen if ex.response_body.strip()]
    if filled:
        raise Violation(f"a {expected} carried a body: " + "; ".join(filled[:3]))


@rule("status.missing-field-is-400", cites=LS_TABLE + " '400 Bad Request ... missing a required field during a POST "
      "or PUT'",
      summary="a POST missing a required field, or with badly formed syntax, is answered 400")
def missing_field_is_400(exchanges: Iterable[Answer], expected: int = 400) -> None:
    expect_status(exchanges, expected)


@rule("status.forbidden-is-403", cites=LS_TABLE + " '403 Forbidden ... a student is trying to access grades for "
      "another student or a student is trying to start an exam before it is scheduled to start'",
      summary="a student reading another student's grades, or starting an exam before it opens, is answered 403")
def forbidden_is_403(exchanges: Iterable[Answer], expected: int = 403) -> None:
    expect_status(exchanges, expected)


@rule("status.unknown-path-is-404", cites=LS_TABLE + " '404 Not Found URI path is invalid.'",
      summary="a path the API does not have is answered 404")
def unknown_path_is_404(exchanges: Iterable[Answer], expected: int = 404) -> None:
    expect_status(exchanges, expected)


@rule("status.wrong-parent-is-404", cites=LS_TABLE + " '404 ... Child ID does not match a provided parent ID. For "
      "example, the requested exam ID may be valid, but not in the provided course ID.'",
      summary="a child id that exists under another parent is answered 404 on every nested path")
def wrong_parent_is_404(exchanges: Iterable[Answer], expected: int = 404) -> None:
    expect_status(exchanges, expected, " for a child id under another parent")


@rule("status.invalid-format-is-406", cites=LS_TABLE + " '406 Not Acceptable The request body had an invalid format.'",
      summary="a body in another format than its Content-Type says (XML sent as JSON) is answered 406")
def invalid_format_is_406(exchanges: Iterable[Answer], expected: int = 406) -> None:
    expect_status(exchanges, expected)


def _transient(answers: list[Answer], status: int) -> None:
    """``answers``: the attempts of one request the target was switched to fail with ``status``, retried as the
    seed advises: the failure must clear within them."""
    if not answers or answers[0].status != status:
        raise RuntimeError(f"the request was not answered {status} first: the switch did not take")
    last = answers[-1]
    if last.status is None or not 200 <= last.status < 300:
        raise Violation(f"{status} persisted through {len(answers)} attempts (the seed: retry the request); "
                        f"{describe(last)}")


@rule("status.server-error-is-transient", cites=LS_TABLE + " '500 Internal Server Error ... Retry the request.'",
      summary="a 500 clears when the request is retried as advised (bounded, with backoff)")
def server_error_is_transient(answers: list[Answer]) -> None:
    _transient(answers, 500)


@rule("status.bad-gateway-is-transient", cites=LS_TABLE + " '502 Bad Gateway ... Retry the request.'",
      summary="a 502 clears when the request is retried as advised (bounded, with backoff)")
def bad_gateway_is_transient(answers: list[Answer]) -> None:
    _transient(answers, 502)


@rule("status.unavailable-is-transient", cites=LS_TABLE + " '503 Service Unavailable ... Try again later.'",
      summary="a 503 clears when the request is retried as advised (bounded, with backoff)")
def unavailable_is_transient(answers: list[Answer]) -> None:
    _transient(answers, 503)


AS_CODES = "004_3a3088db9d5a175f.txt 'Response Codes'"


@rule("status.payment-required-is-402", cites=AS_CODES + " '402 Payment Required ... a site that does not have an "
      "active subscription'",
      summary="a request for a site without an active subscription is answered 402")
def payment_required_is_402(exchanges: Iterable[Answer], expected: int = 402) -> None:
    expect_status(exchanges, expected, " for a site without a subscription")


@rule("status.validation-is-422", cites=AS_CODES + " '422 Unprocessable Entity ... creating a game without a date or "
      "time, or creating a new user without a first and last name'",
      summary="a create failing validation (a game without a date or time, a user without a name) is answered 422")
def validation_is_422(exchanges: Iterable[Answer], expected: int = 422) -> None:
    expect_status(exchanges, expected)

