"""Status-code rules: the documented code for each situation, never the message text."""

from __future__ import annotations

from collections.abc import Iterable

from conformance.rules.common import Answer, expect_status
from conformance.rules.registry import rule


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
