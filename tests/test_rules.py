"""Each rule passes on evidence that keeps its contract and fails on evidence that breaks it."""

from __future__ import annotations

import pytest

from conformance.rules import REGISTRY, RuleViolation, auth, envelopes, pagination, status
from conformance.rules.registry import AREAS, rule
from tests.fakes import Answer, absorb, page, walk_of

ROWS = [{"id": f"00000000-0000-0000-0000-{n:012d}"} for n in range(10)]
ERROR = {"validations": [], "code": 404, "message": "User not found", "term": "", "_meta": {}}


def test_every_profile_rule_is_registered_with_a_known_area() -> None:
    for rule_id in absorb().rules:
        assert rule_id in REGISTRY, rule_id
        assert REGISTRY[rule_id].area in AREAS


def test_rule_ids_must_name_a_known_area() -> None:
    with pytest.raises(ValueError, match="area"):
        rule("nonsense.thing", cites="x", summary="y")


def test_violation_carries_rule_id_and_contract() -> None:
    with pytest.raises(RuleViolation) as caught:
        status.unknown_id_is_404([Answer(500, ERROR)], 404)
    assert caught.value.rule.id == "status.unknown-id-is-404"
    assert "003_09d5ed03fea4db3d.txt" in str(caught.value)


@pytest.mark.parametrize("check", [status.bad_token_is_401, status.unknown_id_is_404, status.invalid_paging_is_4xx,
                                   auth.api_key_required])
def test_status_rules_compare_codes_only(check) -> None:  # type: ignore[no-untyped-def]
    expected = {"status.bad-token-is-401": 401, "status.unknown-id-is-404": 404,
                "status.invalid-paging-is-4xx": 422, "auth.api-key-required": 403}[check.rule.id]
    check([Answer(expected, {"message": "any text at all"}), Answer(expected, "")], expected)
    with pytest.raises(RuleViolation):
        check([Answer(expected, ERROR), Answer(200, ERROR)], expected)


def test_token_is_a_json_string() -> None:
    auth.token_issued(Answer(200, "eyJhbGciOiJIUzI1NiJ9.payload.signature"), "absorb/token.v1_5.json")
    with pytest.raises(RuleViolation, match="does not match"):
        auth.token_issued(Answer(200, {"token": "eyJhbGciOiJIUzI1NiJ9.payload"}), "absorb/token.v1_5.json")
    with pytest.raises(RuleViolation, match="200"):
        auth.token_issued(Answer(401, ERROR), "absorb/token.v1_5.json")


def test_error_body_structure_not_text() -> None:
    other_text = {**ERROR, "message": "Something else entirely", "validations": ["x"]}
    envelopes.error_body([Answer(404, ERROR), Answer(422, other_text), Answer(200, [])], "absorb/error.v1_5.json")
    with pytest.raises(RuleViolation, match="not application/json"):
        envelopes.error_body([Answer(404, "error", content_type="text/plain", raw=True)], "absorb/error.v1_5.json")
    with pytest.raises(RuleViolation, match="does not match"):
        envelopes.error_body([Answer(404, {"error": "x"})], "absorb/error.v1_5.json")


def test_walk_that_ends_with_an_empty_page_passes_every_pagination_rule() -> None:
    result = walk_of(ROWS, 3)
    pagination.terminates(result)
    pagination.ids_unique(result, "id")
    pagination.returned_items_matches(result)
    pagination.echoes_request(result)


def test_walk_without_an_empty_page_does_not_terminate() -> None:
    pages = [page(n, 3, ROWS[n * 3:n * 3 + 3] or ROWS[9:], 10) for n in range(7)]
    with pytest.raises(RuleViolation, match="did not end with an empty page"):
        pagination.terminates(walk_of(ROWS, 3, pages=pages))


def test_overlapping_pages_repeat_ids() -> None:
    pages = [page(n, 3, ROWS[n:n + 3], 10) for n in range(8)] + [page(8, 3, [], 10)]
    with pytest.raises(RuleViolation, match="more than one page"):
        pagination.ids_unique(walk_of(ROWS, 3, pages=pages), "id")


def test_missing_rows_are_caught() -> None:
    pages = [page(0, 5, ROWS[:5], 10), page(1, 5, [], 10)]
    with pytest.raises(RuleViolation, match="totalItems says 10"):
        pagination.ids_unique(walk_of(ROWS, 5, pages=pages), "id")


def test_returned_items_and_echo() -> None:
    bad_count = [page(0, 5, ROWS[:5], 10, returnedItems=4), page(1, 5, ROWS[5:], 10), page(2, 5, [], 10)]
    with pytest.raises(RuleViolation, match="returnedItems"):
        pagination.returned_items_matches(walk_of(ROWS, 5, pages=bad_count))
    bad_echo = [page(0, 5, ROWS[:5], 10), page(1, 5, ROWS[5:], 10, offset=5), page(2, 5, [], 10)]
    with pytest.raises(RuleViolation, match="offset=5"):
        pagination.echoes_request(walk_of(ROWS, 5, pages=bad_echo))


def test_rows_validate_against_the_resource_schema(absorb_user: dict) -> None:  # type: ignore[type-arg]
    body = {"totalItems": 1, "limit": 20, "offset": 0, "returnedItems": 1, "users": [absorb_user]}
    envelopes.rows_validate([("GET /users", body)], "absorb/page.v1_5.json", "absorb/user.v1_5.json", "users")
    broken = {**body, "users": [{**absorb_user, "activeStatus": "Active"}]}
    with pytest.raises(RuleViolation, match="activeStatus"):
        envelopes.rows_validate([("GET /users", broken)], "absorb/page.v1_5.json", "absorb/user.v1_5.json", "users")
    no_wrapper = {"users": [absorb_user]}
    with pytest.raises(RuleViolation, match="wrapper"):
        envelopes.rows_validate([("GET /users", no_wrapper)], "absorb/page.v1_5.json", "absorb/user.v1_5.json",
                                "users")
