"""Authentication rules (seed 003 Step Two 3: x-api-key on every call, POST /authenticate)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from typing import Any

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


AUTH_DOCS = "VENDOR-FACTS Absorb 'Token' (docs.myabsorb.com, Authenticate page)"


@rule("auth.single-live-token", cites=AUTH_DOCS + " 'authenticating again invalidates the previous token'",
      summary="authenticating again ends the user's previous token (401) and the new one works")
def single_live_token(old: Answer, new: Answer, bad_token: int = 401) -> None:
    if old.status != bad_token:
        raise Violation(f"the first token, after authenticating again: expected HTTP {bad_token}; {describe(old)}")
    if new.status != 200:
        raise Violation(f"the newest token: expected HTTP 200; {describe(new)}")


CLAIM_SLACK_S = 60.0   # exp - iat may differ from the documented lifetime by this much (rounding, clock skew)


def jwt_claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT-shaped token (not verified: only what the token states), or None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return None
    return payload if isinstance(payload, dict) else None


@rule("auth.token-lifetime", cites=AUTH_DOCS + " 'valid 4 hours'",
      summary="a token works until just before its documented lifetime ends and is refused just after, "
              "and a JWT-shaped token states that lifetime (exp - iat)")
def token_lifetime(lifetime_s: float, *, before: Answer | None = None, after: Answer | None = None,
                   claims: Mapping[str, Any] | None = None, bad_token: int = 401) -> None:
    """Judge the lifetime from what there is: the token working just before it ends and refused just
    after (``before``/``after``), and the lifetime the token states (a JWT's ``exp`` - ``iat``)."""
    hours = lifetime_s / 3600
    if before is None and after is None and claims is None:
        raise ValueError("token_lifetime needs the token's behaviour or its claims")
    if before is not None and before.status != 200:
        raise Violation(f"a token not yet {hours:g} h old was refused: expected HTTP 200; {describe(before)}")
    if after is not None and after.status != bad_token:
        raise Violation(f"a token older than {hours:g} h still works: expected HTTP {bad_token}; {describe(after)}")
    if claims is not None:
        issued, expires = claims.get("iat"), claims.get("exp")
        if not isinstance(issued, int | float) or not isinstance(expires, int | float):
            raise Violation(f"the token states no numeric iat/exp: {sorted(claims)}")
        stated = float(expires) - float(issued)
        if abs(stated - lifetime_s) > CLAIM_SLACK_S:
            raise Violation(f"the token states a lifetime of {stated / 3600:g} h (exp - iat), not {hours:g} h")


@rule("auth.bare-token-accepted", cites="VENDOR-FACTS Absorb 'Token' (a real client, AbsorbSync, sends the bare token)",
      summary="the token sent without its prefix (no \"Bearer \") is accepted as well")
def bare_token_accepted(ex: Answer) -> None:
    if ex.status != 200:
        raise Violation(f"the bare token (no prefix) was refused: expected HTTP 200; {describe(ex)}")


@rule("auth.authenticate-missing-fields",
      cites="VENDOR-FACTS Absorb 'Authenticate' ('400 when body fields are missing')",
      summary="POST /authenticate with a credential field missing or empty is answered 400")
def authenticate_missing_fields(exchanges: Iterable[Answer], expected: int = 400) -> None:
    expect_status(exchanges, expected, " for an authenticate body with a field missing")
