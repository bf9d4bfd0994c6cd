"""Envelope rules: error bodies and collection rows keep their documented structure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance import schemas
from conformance.rules.common import Answer, describe, expect_json_matching, media_type
from conformance.rules.registry import Violation, rule
from conformance.walk import dig


@rule("envelopes.error-body", cites="VENDOR-FACTS Absorb 'Error body (GenericErrorResponse)'; "
      "003_09d5ed03fea4db3d.txt; 002_b0b03e2e2867055f.txt 'Content Type', 'Authentication and Authorisation' "
      "(error responses); VENDOR-FACTS iHASCO ({\"errors\": [...]})",
      summary="every error response is a body of the documented media type in the documented error structure "
              "(text not compared)")
def error_body(exchanges: Iterable[Answer], error_schema: str, documented_type: str = "application/json") -> None:
    for ex in exchanges:
        if ex.status is None or ex.status < 400:
            continue
        if media_type(ex) != documented_type:
            raise Violation(f"error body is not {documented_type} ({media_type(ex) or 'no content-type'}); "
                            f"{describe(ex)}")
        expect_json_matching(ex, error_schema, "error body")


@rule("envelopes.rows-validate", cites="003_09d5ed03fea4db3d.txt Appendix A (wrapper; camel case); "
      "002_b0b03e2e2867055f.txt 'Response Envelopes' (DtosEnvelope); VENDOR-FACTS fields (iHASCO: legacy SDK)",
      summary="every page matches the wrapper schema and every row matches the resource schema")
def rows_validate(pages: Iterable[tuple[str, Any]], envelope_schema: str | None, row_schema: str,
                  collection_key: str | None) -> None:
    for request, body in pages:
        if envelope_schema:
            problems = schemas.errors(envelope_schema, body)
            if problems:
                raise Violation(f"{request}: wrapper does not match {envelope_schema}: {'; '.join(problems)}")
        rows = dig(body, collection_key) if collection_key and isinstance(body, dict) else body
        if rows is None:
            continue   # "until no records are returned (null returned)": a null page holds no rows
        if not isinstance(rows, list):
            raise Violation(f"{request}: no list of rows under {collection_key!r}")
        for index, row in enumerate(rows):
            problems = schemas.errors(row_schema, row, limit=3)
            if problems:
                raise Violation(f"{request}: row {index} does not match {row_schema}: {'; '.join(problems)}")


ENVELOPES = "002_b0b03e2e2867055f.txt 'Response Envelopes'"


@rule("envelopes.total-count-on-request", cites=ENVELOPES + " (TotalCount: 'only not null when client explicitly "
      "asked')",
      summary="the total count is null or absent unless asked for; asked for, it equals the rows a full walk returns")
def total_count_on_request(unasked: Iterable[tuple[str, Any]], total_field: str, asked_total: Any,
                           rows_walked: int) -> None:
    for request, body in unasked:
        value = dig(body, total_field)
        if value is not None:
            raise Violation(f"{request}: {total_field} is {value!r} although the request did not ask for it")
    if not isinstance(asked_total, int) or isinstance(asked_total, bool):
        raise Violation(f"{total_field} is {asked_total!r} when asked for (expected the number of rows)")
    if asked_total != rows_walked:
        raise Violation(f"{total_field} is {asked_total} when asked for, but the walk returned {rows_walked} rows")


@rule("envelopes.single-envelope", cites=ENVELOPES + " ('Envelope Wrapping a Single DTO'); VENDOR-FACTS iHASCO "
      "(a single record: data and dataCount 1)",
      summary="a single record comes in the single-record envelope, holding the record asked for")
def single_envelope(request: str, status: int, body: Any, envelope_schema: str, record_path: str,
                    id_field: str, expected_id: Any) -> None:
    if status != 200:
        raise Violation(f"{request} answered {status}")
    problems = schemas.errors(envelope_schema, body)
    if problems:
        raise Violation(f"{request}: the answer does not match {envelope_schema}: {'; '.join(problems)}")
    record = dig(body, record_path)
    if not isinstance(record, dict) or record.get(id_field) != expected_id:
        got = record.get(id_field) if isinstance(record, dict) else record
        raise Violation(f"{request}: {record_path}.{id_field} is {got!r}, not {expected_id!r}")


@rule("envelopes.hal-links", cites="004_3a3088db9d5a175f.txt 'Requests' (application/vnd.assignr.v2.hal+json); "
      "VENDOR-FACTS Assignr ('_links: {self, next, prev}'; 'each item has _links.self')",
      summary="every HAL page has _links.self, and every record on it and every single record its own _links.self")
def hal_links(pages: Iterable[tuple[str, Any]], rows_path: str | None) -> None:
    for request, body in pages:
        if not isinstance(dig(body, "_links.self.href"), str):
            raise Violation(f"{request}: the page has no _links.self.href")
        rows = dig(body, rows_path) if rows_path else body
        for index, row in enumerate(rows if isinstance(rows, list) else [rows]):
            if not isinstance(dig(row, "_links.self.href"), str):
                raise Violation(f"{request}: record {index} has no _links.self.href")
