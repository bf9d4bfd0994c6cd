"""Authentication rules: seed 003 Step Two 3 (x-api-key on every call, POST /authenticate); seed 002
'Authentication and Authorisation' (password grant, expiring tokens, per-endpoint authorisation, same origin)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from conformance.rules.common import Answer, describe, expect_json_matching, expect_status, json_body
from conformance.rules.registry import Violation, rule
from conformance.walk import dig


@rule("auth.token-issued", cites="003_09d5ed03fea4db3d.txt Step Two 3 ('Post .../authenticate'); VENDOR-FACTS Absorb; "
      "002_b0b03e2e2867055f.txt 'To get an Access Token'",
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


# ---- token lifecycle and access (seed 002 'Authentication and Authorisation', 'The Same Origin Policy') ----
QSES_AUTH = "002_b0b03e2e2867055f.txt 'Authentication and Authorisation'"
QSES_TOKENS = "002_b0b03e2e2867055f.txt 'How to use the Access Tokens'"
ORIGIN_HEADERS = ("access-control-allow-origin", "access-control-allow-credentials",
                  "access-control-allow-methods", "access-control-allow-headers")


@rule("auth.expired-token-refused", cites=QSES_TOKENS + " ('the access tokens are set to expire')",
      summary="a token used after the lifetime its reply states (expires_in) is refused with 401")
def expired_token_refused(before: Answer, after: Answer, bad_token: int = 401) -> None:
    if before.status is None or not 200 <= before.status < 300:
        raise Violation(f"the token was refused while still within its lifetime; {describe(before)}")
    if after.status != bad_token:
        raise Violation(f"the token still worked after its stated lifetime (expected {bad_token}); {describe(after)}")


@rule("auth.reauthentication-recovers", cites=QSES_TOKENS + " ('If a 401 HTTP status is returned ... get a new "
      "access token ... and try calling the same API endpoint again')",
      summary="after a 401 for an expired token, one new token makes the same call succeed")
def reauthentication_recovers(refused: Answer, token_answer: Answer, retried: Answer, old_token: str,
                              new_token: str | None, bad_token: int = 401) -> None:
    if refused.status != bad_token:
        raise Violation(f"the expired token was not refused with {bad_token}; {describe(refused)}")
    if token_answer.status is None or not 200 <= token_answer.status < 300 or not new_token:
        raise Violation(f"no new token was issued; {describe(token_answer)}")
    if new_token == old_token:
        raise Violation("the token endpoint handed back the expired token instead of a new one")
    if retried.status is None or not 200 <= retried.status < 300:
        raise Violation(f"the same call with the new token did not succeed; {describe(retried)}")


@rule("auth.no-refresh", cites=QSES_AUTH + " ('have limited expiry time and cannot be refreshed')",
      summary="the token reply carries no refresh_token and a refresh_token grant is refused with a 4xx")
def no_refresh(token_answer: Answer, refresh_answer: Answer) -> None:
    ok, body = json_body(token_answer)
    if ok and isinstance(body, dict) and body.get("refresh_token"):
        raise Violation("the token reply carries a refresh_token although tokens cannot be refreshed")
    if refresh_answer.status is None or not 400 <= refresh_answer.status < 500:
        raise Violation(f"a refresh_token grant was not refused; {describe(refresh_answer)}")


@rule("auth.bad-credentials-refused", cites=QSES_AUTH + " ('Error Response ... invalid_grant'); RFC 6749 5.2",
      summary="a token request with a wrong password is refused with the documented status and OAuth error body")
def bad_credentials_refused(exchanges: Iterable[Answer], expected: int, error_schema: str) -> None:
    for ex in exchanges:
        if ex.status != expected:
            raise Violation(f"wrong credentials were not refused with {expected}; {describe(ex)}")
        expect_json_matching(ex, error_schema, "the refusal body")


@rule("auth.username-case-insensitive", cites=QSES_AUTH + " ('the username is case-insensitive but the password "
      "is case-sensitive')",
      summary="the username is accepted in any letter case; the password with its case changed is refused")
def username_case_insensitive(other_case_user: Iterable[Answer], other_case_password: Answer) -> None:
    for ex in other_case_user:
        if ex.status is None or not 200 <= ex.status < 300:
            raise Violation(f"the username in another letter case was refused; {describe(ex)}")
    if other_case_password.status is not None and 200 <= other_case_password.status < 300:
        raise Violation(f"the password in another letter case was accepted; {describe(other_case_password)}")


@rule("auth.denied-endpoint-is-401", cites=QSES_AUTH + " ('each account has to be authorised ... Calling other "
      "endpoints will result in an unauthorized error'; Error Response)",
      summary="an account calling an endpoint it is not granted gets 401 with the documented denial body")
def denied_endpoint_is_401(exchanges: Iterable[Answer], expected: int, denial_schema: str) -> None:
    for ex in exchanges:
        if ex.status != expected:
            raise Violation(f"a call to an endpoint the account is not granted was not answered {expected}; "
                            f"{describe(ex)}")
        expect_json_matching(ex, denial_schema, "the denial body")


@rule("auth.open-paths-need-no-token", cites=QSES_AUTH + " ('With the exception of the endpoints under Diagnostics')",
      summary="the endpoints documented as open answer 2xx without any token")
def open_paths_need_no_token(exchanges: Iterable[Answer]) -> None:
    for ex in exchanges:
        if ex.status is None or not 200 <= ex.status < 300:
            raise Violation(f"an endpoint documented as open refused a call without a token; {describe(ex)}")


@rule("auth.same-origin-only", cites="002_b0b03e2e2867055f.txt 'The Same Origin Policy'",
      summary="no response grants cross-origin access to a foreign Origin, and a CORS preflight is not granted")
def same_origin_only(exchanges: Iterable[Answer]) -> None:
    for ex in exchanges:
        granted = [h for h in ORIGIN_HEADERS if h in {k.lower() for k in ex.response_headers}]
        if granted:
            what = "a CORS preflight" if ex.method == "OPTIONS" else "a call"
            raise Violation(f"{what} from a foreign Origin was granted cross-origin access ({', '.join(granted)}); "
                            f"{describe(ex)}")


@rule("auth.removed-token-refused", cites="000_c3b83b8f370189ea.txt 'Problem: 401 Unauthorized response' ('Check "
      "that API Access is enabled in your LMS and the token you are using has not been removed')",
      summary="a token that was removed is refused with 401 while the account's live token is served")
def removed_token_refused(removed: Answer, live: Answer, expected: int = 401) -> None:
    if live.status is None or not 200 <= live.status < 300:
        raise RuntimeError(f"the live token was not served ({describe(live)}): the comparison shows nothing")
    expect_status([removed], expected, " for a removed token")


LS_401 = ("001_fcef9f3b80b9eaba.txt '401 Unauthorized' ('The accompanying error message will provide an explanation to "
          "inform the caller if the authentication credentials were expired, but otherwise valid')")


@rule("auth.expired-distinguished", cites=LS_401 + "; 'the HTTP code is part of the API contract' (the code, not "
      "the words)",
      summary="an expired token and a wrong one are both 401, told apart by the error code their bodies carry")
def expired_distinguished(expired: Answer, wrong: Answer, error_field: str, expired_code: str, invalid_code: str,
                          expected: int = 401) -> None:
    expect_status([expired, wrong], expected)
    for ex, code, what in ((expired, expired_code, "an expired token"), (wrong, invalid_code, "a wrong token")):
        ok, body = json_body(ex)
        found = dig(body, error_field) if ok else None
        if found != code:
            raise Violation(f"the 401 for {what} carries {error_field}={found!r}, not {code!r}; {describe(ex)}")


@rule("auth.refresh-renews", cites="VENDOR-FACTS Pearson LearningStudio ('refresh with grant_type=refresh_token'); "
      "RFC 6749 section 6",
      summary="a refresh_token grant answers a new token in the documented shape, and the new token is served")
def refresh_renews(renewal: Answer, token_schema: str, served: Answer | None) -> None:
    if renewal.status != 200:
        raise Violation(f"the refresh_token grant was refused; {describe(renewal)}")
    expect_json_matching(renewal, token_schema, "the renewed token")
    if served is None or served.status is None or not 200 <= served.status < 300:
        raise Violation(f"the renewed token was not served; {describe(served) if served else 'no call made'}")



@rule("auth.https-only", cites="004_3a3088db9d5a175f.txt 'Requests' ('Requests must be made over HTTPS. Any "
      "non-secure requests are met with a redirect (HTTP 302) to the HTTPS equivalent URI')",
      summary="a request over plain HTTP is answered 302 to the same path on https://, and never served")
def https_only(answers: Iterable[Answer], expected: int = 302) -> None:
    for ex in answers:
        location = ex.response_headers.get("location", "")
        if ex.status != expected:
            raise Violation(f"a plain-HTTP request was not redirected with {expected}; {describe(ex)}")
        sent, went = urlsplit(ex.url), urlsplit(location)
        if went.scheme != "https" or (went.path, went.query) != (sent.path, sent.query):
            raise Violation(f"the redirect points to {location or 'nowhere'!r}, not to the same path on https; "
                            f"{describe(ex)}")


@rule("auth.scope-enforced", cites="004_3a3088db9d5a175f.txt '403 Forbidden' ('You have provided valid credentials "
      "but you don't have permission'); VENDOR-FACTS Assignr (scopes read, write)",
      summary="a write with a token granted only the read scope is refused with 403, a read with it is served")
def scope_enforced(read: Answer, write: Answer, expected: int = 403) -> None:
    if read.status is None or not 200 <= read.status < 300:
        raise RuntimeError(f"the read-only token could not read ({describe(read)}): the comparison shows nothing")
    expect_status([write], expected, " for a write with a read-only token")
