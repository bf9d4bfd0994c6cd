"""Envelope rules: error bodies and collection rows keep their documented structure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance import schemas
from conformance.rules.common import Answer, describe, expect_json_matching, media_type
from conformance.rules.registry import Violation, rule
from conformance.walk import dig


@rule("envelopes.error-body", cites="VENDOR-FACTS Absorb 'Error body (GenericErrorResponse)'; 003_09d5ed03fea4db3d.txt",
      summary="every error response is a JSON body in the documented error structure (text not compared)")
def error_body(exchanges: Iterable[Answer], error_schema: str) -> None:
    for ex in exchanges:
        if ex.status is None or ex.status < 400:
            continue
        if media_type(ex) != "application/json":
            raise Violation(f"error body is not application/json ({media_type(ex) or 'no content-type'}); "
                            f"{describe(ex)}")
        expect_json_matching(ex, error_schema, "error body")


@rule("envelopes.rows-validate", cites="003_09d5ed03fea4db3d.txt Appendix A (wrapper; camel case); VENDOR-FACTS fields",
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
