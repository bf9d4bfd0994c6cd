"""The rules added for seed 003 fidelity, on hand-made evidence: each passes on the documented behaviour and
fails on the violation; the walk ends at a null page and reads the profile's total field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import requests

from conformance.profiles import load
from conformance.rules import RuleViolation, auth, pagination
from conformance.vendors.absorb.rules import versions
from conformance.walk import walk
from tests.fakes import Answer

ROWS = [{"id": f"{n:04d}"} for n in range(45)]


def test_single_live_token() -> None:
    auth.single_live_token(Answer(401), Answer(200), 401)
    for old, new in ((200, 200), (401, 401)):
        with pytest.raises(RuleViolation, match=r"\[auth.single-live-token\]"):
            auth.single_live_token(Answer(old), Answer(new), 401)


def test_token_lifetime() -> None:
    auth.token_lifetime(14_400, before=Answer(200), after=Answer(401), bad_token=401)
    for before, after in ((401, 401), (200, 200)):
        with pytest.raises(RuleViolation, match=r"\[auth.token-lifetime\]"):
            auth.token_lifetime(14_400, before=Answer(before), after=Answer(after), bad_token=401)


def test_token_lifetime_from_what_a_jwt_states() -> None:
    auth.token_lifetime(14_400, claims={"iat": 1_700_000_000, "exp": 1_700_014_400})
    for claims in ({"iat": 1_700_000_000, "exp": 1_700_003_600}, {"sub": "x"}, {"iat": "now", "exp": 3}):
        with pytest.raises(RuleViolation, match=r"\[auth.token-lifetime\]"):
            auth.token_lifetime(14_400, claims=claims)


def test_jwt_claims_read_only_jwt_shaped_tokens() -> None:
    import time

    from conformance.simulator.sessions import Sessions

    issued = Sessions(14_400.0, time.monotonic).issue("someone")
    claims = auth.jwt_claims(issued)
    assert claims is not None and claims["exp"] - claims["iat"] == 14_400 and claims["sub"] == "someone"
    assert auth.jwt_claims("opaque-token") is None
    assert auth.jwt_claims("a.!!!.c") is None


def test_bare_token_and_missing_fields() -> None:
    auth.bare_token_accepted(Answer(200))
    with pytest.raises(RuleViolation, match=r"\[auth.bare-token-accepted\]"):
        auth.bare_token_accepted(Answer(401))
    auth.authenticate_missing_fields([Answer(400), Answer(400)], 400)
    with pytest.raises(RuleViolation, match=r"\[auth.authenticate-missing-fields\]"):
        auth.authenticate_missing_fields([Answer(400), Answer(401)], 400)


def test_default_limit() -> None:
    ids = [r["id"] for r in ROWS]
    pagination.default_limit("GET /users", 200, ROWS[:20], ids, 20, 45, "id")
    pagination.default_limit("GET /users", 200, ROWS[:3], ids[:3], 20, 3, "id")
    for status, rows in ((200, ROWS[:45]), (200, ROWS[1:21]), (422, None)):
        with pytest.raises(RuleViolation, match=r"\[pagination.default-limit\]"):
            pagination.default_limit("GET /users", status, rows, ids, 20, 45, "id")


def test_version_header_on_every_response() -> None:
    named = {"x-api-version": "1.5.1"}
    versions.header_on_every_response([Answer(200, response_headers=dict(named)),
                                       Answer(404, response_headers=dict(named))], "x-api-version")
    with pytest.raises(RuleViolation, match=r"\[versions.header-on-every-response\]"):
        versions.header_on_every_response([Answer(200, response_headers=dict(named)), Answer(404)], "x-api-version")


def test_invalid_version_refused() -> None:
    versions.invalid_version_refused(Answer(422), "9.9.9", 422)
    with pytest.raises(RuleViolation, match=r"\[versions.invalid-version-refused\]"):
        versions.invalid_version_refused(Answer(200), "9.9.9", 422)


class Pages:
    """A getter answering pages of ROWS; ``last`` is what the page past the end holds."""

    def __init__(self, wrap: str | None, last: Any, key: str = "users") -> None:
        self.wrap, self.last, self.key = wrap, last, key

    def get(self, path: str, *, params: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None) -> requests.Response:
        params = params or {}
        offset, limit = int(params.get("_offset", 0)), int(params.get("_limit", 20))
        rows = ROWS[offset * limit:(offset + 1) * limit]
        body: Any = rows
        if not rows:
            body = self.last
        if self.wrap is not None:
            body = {self.wrap: len(ROWS), "limit": limit, "offset": offset, "returnedItems": len(rows)}
            if rows or self.last != "absent":
                body[self.key] = rows or self.last
        response = requests.Response()
        response.status_code = 200
        response._content = requests.compat.json.dumps(body).encode()
        return response


@pytest.mark.parametrize("last", [None, "absent"])
def test_a_null_or_absent_collection_ends_the_walk(last: Any) -> None:
    profile = load("absorb-v1_5")
    result = walk(Pages("totalItems", last), profile, profile.resource("users"), 20)
    assert result.requests == 4 and result.ended_empty and result.total == 45
    pagination.terminates(result)
    pagination.ids_unique(result, "id")
    pagination.returned_items_matches(result)


def test_the_walk_reads_the_profiles_total_field() -> None:
    profile = load("absorb-v1_5-compat")
    users = profile.resource("users")
    result = walk(Pages("TotalItems", [], key="Users"), profile, users, 20)
    assert result.total == 45


def test_bare_pages_walk_on_until_empty_or_null() -> None:
    profile = load("absorb-v1_5-compat")
    users = profile.resource("users")
    for last in ([], None):
        result = walk(Pages(None, last, key="Users"), profile, users, 20)
        assert result.requests == 4 and result.ended_empty and len(result.rows) == 45
        pagination.terminates(result)
        pagination.ids_unique(result, "id")
