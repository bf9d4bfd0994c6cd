"""The rules and walks of the generic contracts (row offsets with HasMore, total counts on request, whole-record
PUT, media types, fixed rate-limit windows, creates by POST, token lifecycles): each passes on evidence that keeps
its contract and fails on evidence that breaks it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from conformance.profiles import load
from conformance.rules import RuleViolation, auth, envelopes, media, pagination, put, ratelimit, writes
from conformance.rules.ratelimit import Window
from conformance.walk import total_params, walk
from tests.fakes import Answer

QSES = load("qses")
CONTACTS = QSES.resource("contacts")
ROWS = [{"Id": n, "Name": f"N{n}"} for n in range(1, 46)]
JSON_UTF8 = "application/json; charset=utf-8"


class Envelopes:
    """Pages as DtosEnvelope by row offset; ``has_more`` bends HasMore, ``repeat`` repeats a row across pages."""

    def __init__(self, *, has_more: str = "honest", repeat: bool = False) -> None:
        self.has_more, self.repeat, self.asked = has_more, repeat, 0

    def get(self, path: str, *, params: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None) -> requests.Response:
        params = params or {}
        self.asked += 1
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 50))
        rows = ROWS[max(0, offset - (1 if self.repeat and offset else 0)):offset + limit]
        more = offset + limit < len(ROWS) if self.has_more == "honest" else True
        total = len(ROWS) if params.get("totalCount") == "true" else None
        body = {"Data": rows, "Meta": {"Offset": offset, "Limit": limit, "HasMore": more, "TotalCount": total}}
        response = requests.Response()
        response.status_code, response._content = 200, json.dumps(body).encode()
        return response


def test_a_row_offset_walk_ends_when_has_more_is_false() -> None:
    target = Envelopes()
    result = walk(target, QSES, CONTACTS, 20)
    assert [p.offset for p in result.pages] == [0, 20, 40]
    assert result.ended and len(result.rows) == 45 and result.requests == result.pages_needed == 3
    pagination.terminates(result)
    pagination.ids_unique(result, "Id")
    pagination.echoes_request(result, "Meta.Limit", "Meta.Offset")


def test_a_walk_whose_has_more_never_turns_false_does_not_terminate() -> None:
    result = walk(Envelopes(has_more="always"), QSES, CONTACTS, 20)
    assert not result.ended and result.requests <= 7   # bounded: a short page, then the slack
    with pytest.raises(RuleViolation, match=r"did not end with Meta\.HasMore false"):
        pagination.terminates(result)


def test_a_row_repeated_across_pages_is_caught() -> None:
    result = walk(Envelopes(repeat=True), QSES, CONTACTS, 20)
    with pytest.raises(RuleViolation, match="more than one page"):
        pagination.ids_unique(result, "Id")


def test_the_total_count_only_when_asked() -> None:
    plain = walk(Envelopes(), QSES, CONTACTS, 20)
    counted = walk(Envelopes(), QSES, CONTACTS, 20, total_params(QSES))
    assert total_params(QSES) == {"totalCount": "true"} and counted.total == 45 and plain.total is None
    unasked = [(p.request, p.body) for p in plain.pages]
    envelopes.total_count_on_request(unasked, "Meta.TotalCount", counted.total, len(counted.rows))
    with pytest.raises(RuleViolation, match="did not ask"):
        envelopes.total_count_on_request([(p.request, p.body) for p in counted.pages], "Meta.TotalCount", 45, 45)
    with pytest.raises(RuleViolation, match="returned 45 rows"):
        envelopes.total_count_on_request(unasked, "Meta.TotalCount", 46, 45)


def test_a_single_record_in_its_envelope() -> None:
    good = {"Data": {"Id": 7, "Name": "x"}, "Meta": {}}
    envelopes.single_envelope("GET /contacts/7", 200, good, "qses/dto-envelope.json", "Data", "Id", 7)
    with pytest.raises(RuleViolation):
        envelopes.single_envelope("GET /contacts/7", 200, {"Id": 7}, "qses/dto-envelope.json", "Data", "Id", 7)
    with pytest.raises(RuleViolation, match="not 7"):
        envelopes.single_envelope("GET /contacts/7", 200, {"Data": {"Id": 8}, "Meta": {}},
                                  "qses/dto-envelope.json", "Data", "Id", 7)


def test_whole_record_put() -> None:
    before = {"Id": 1, "Name": "A", "Mobile": "0770", "CreatedDate": "2020-01-01T00:00:00"}
    sent = {"Name": "A"}
    after = {"Id": 1, "Name": "A", "Mobile": None, "CreatedDate": "2020-01-01T00:00:00"}
    ignored = ["Id", "CreatedDate"]
    put.replaces_whole_record(sent, "Mobile", after, ignored)
    put.ignored_fields_kept(before, after, ignored)
    with pytest.raises(RuleViolation, match="merges"):
        put.replaces_whole_record(sent, "Mobile", {**after, "Mobile": "0770"}, ignored)
    with pytest.raises(RuleViolation, match="CreatedDate"):
        put.ignored_fields_kept(before, {**after, "CreatedDate": None}, ignored)


def test_media_rules_compare_types_and_parameters_not_text() -> None:
    media.charset_on_every_response([Answer(200, {}), Answer(404, {"Message": "any"},
                                                            content_type="Application/JSON; Charset=UTF-8")],
                                    JSON_UTF8)
    media.charset_on_every_response([Answer(429, "", raw=True, content_type="")], JSON_UTF8)  # no content
    with pytest.raises(RuleViolation, match="not 'application/json; charset=utf-8'"):
        media.charset_on_every_response([Answer(200, {}, content_type="application/json")], JSON_UTF8)
    media.accept_ignored([Answer(200, [])], JSON_UTF8)
    with pytest.raises(RuleViolation):
        media.accept_ignored([Answer(406, {"Message": "no"})], JSON_UTF8)
    unsupported = {"Message": "m", "ExceptionMessage": "e", "ExceptionType": "t", "StackTrace": "s"}
    media.non_json_body_refused([Answer(415, unsupported)], 415, "qses/unsupported-media.json")
    with pytest.raises(RuleViolation, match="415"):
        media.non_json_body_refused([Answer(201, {})], 415, "qses/unsupported-media.json")


@dataclass
class Limited(Answer):
    reason: str = ""


SECOND = Window("Second", 1, 10)


def test_a_window_refuses_exactly_after_its_threshold() -> None:
    answers = [Answer(200, {}) for _ in range(10)] + [Answer(429, "", raw=True)]
    ratelimit.windows_enforced(SECOND, answers)
    ratelimit.windows_enforced(Window("Hour", 3600, 3600), answers[-4:], counted_before=3597)
    with pytest.raises(RuleViolation, match="met no 429"):
        ratelimit.windows_enforced(SECOND, [*answers[:10], Answer(200, {})])
    with pytest.raises(RuleViolation, match="request 9"):
        ratelimit.windows_enforced(SECOND, [*answers[:8], Answer(429, "", raw=True)])


def test_the_reason_phrase_names_the_window_whatever_its_wording() -> None:
    ratelimit.reason_names_window(SECOND, Limited(429, "", raw=True,
                                                  reason="API calls quota exceeded! maximum admitted 10 per Second."))
    ratelimit.reason_names_window(SECOND, Limited(429, "", raw=True, reason="Quota: 10 per second"))
    with pytest.raises(RuleViolation, match="does not name the Second window"):
        ratelimit.reason_names_window(SECOND, Limited(429, "", raw=True, reason="Too Many Requests"))
    with pytest.raises(RuleViolation):
        ratelimit.reason_names_window(SECOND, Limited(429, "", raw=True, reason="maximum admitted 120 per Minute."))


def test_retry_after_sufficiency_and_per_endpoint_counts() -> None:
    ratelimit.retry_after_sufficient(SECOND, Answer(429, ""), Answer(200, {}), 1)
    with pytest.raises(RuleViolation, match="still refused"):
        ratelimit.retry_after_sufficient(SECOND, Answer(429, ""), Answer(429, ""), 1)
    ratelimit.per_endpoint(Answer(429, ""), Answer(200, {}))
    with pytest.raises(RuleViolation, match="another endpoint"):
        ratelimit.per_endpoint(Answer(429, ""), Answer(429, ""))


def test_a_create_answers_201_with_a_location_that_resolves() -> None:
    sent = {"Name": "A", "EmailAddress": "lmsconf-x@example.invalid"}
    created = Answer(201, {"Data": {"Id": 9, **sent}}, response_headers={"location": "http://h/crms/api/contacts/9"})
    fetched = Answer(200, {"Data": {"Id": 9, **sent}, "Meta": {}})
    writes.created_location(created, 201, fetched, "Data", sent)
    with pytest.raises(RuleViolation, match="no Location"):
        writes.created_location(Answer(201, {}), 201, None, "Data", sent)
    with pytest.raises(RuleViolation, match="does not resolve"):
        writes.created_location(created, 201, Answer(404, {"Message": "x"}), "Data", sent)


def test_token_lifecycle_rules() -> None:
    auth.expired_token_refused(Answer(200, {}), Answer(401, {"Message": "any"}))
    with pytest.raises(RuleViolation, match="still worked"):
        auth.expired_token_refused(Answer(200, {}), Answer(200, {}))
    auth.reauthentication_recovers(Answer(401, {}), Answer(200, {}), Answer(200, {}), "old-token", "new-token")
    with pytest.raises(RuleViolation, match="handed back the expired token"):
        auth.reauthentication_recovers(Answer(401, {}), Answer(200, {}), Answer(401, {}), "old-token", "old-token")
    auth.no_refresh(Answer(200, {"access_token": "t"}), Answer(400, {"error": "unsupported_grant_type"}))
    with pytest.raises(RuleViolation, match="refresh_token"):
        auth.no_refresh(Answer(200, {"access_token": "t", "refresh_token": "r"}), Answer(400, {}))
    auth.same_origin_only([Answer(200, {}), Answer(405, {"Message": "x"})])
    with pytest.raises(RuleViolation, match="access-control-allow-origin"):
        auth.same_origin_only([Answer(200, {}, response_headers={"access-control-allow-origin": "*"})])
