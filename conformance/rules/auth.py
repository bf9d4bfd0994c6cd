"""Authentication rules (seed 003 Step Two 3: x-api-key on every call, POST /authenticate)."""

from __future__ import annotations

from collections.abc import Iterable

from conformance.rules.common import Answer, describe, expect_json_matching, expect_status
from conformance.rules.registry import Violation, rule


@rule("auth.token-issued", cites="003_09d5ed03fea4db3d.txt Step Two 3 ('Post .../authenticate'); VENDOR-FACTS Absorb",
      summary="valid credentials are answered 200 with a token in the documented shape")
def token_issued(ex: Answer, token_schema: str) -> None:
    if ex.status != 200:
        raise Violation(f"expected HTTP 200 with a token; {describe(ex)}")
    expect_json_matching(ex, token_schema, "the token response")


@rule("auth.api-key-required", cites="003_09d5ed03fea4db3d.txt Step Two 3 ('Add x-api-key ... to the request header')",
      summary="a call without the API key, or with a wrong one, is refused with the documented status")
def api_key_required(exchanges: Iterable[Answer], expected: int = 403) -> None:
    expect_status(exchanges, expected, " without a valid API key")
