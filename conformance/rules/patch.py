"""Partial updates by PATCH (seed 000 'Sending data to the API', '400 Bad Request response'): a PATCH of a user by
"an ID or email address" changes the fields sent and answers 200 "and your updated user data confirmed"; form
encoding works as JSON does; invalid data is refused with 400 "along with a summary of errors encountered"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance import schemas
from conformance.rules.common import Answer, describe, json_body
from conformance.rules.registry import Violation, rule
from conformance.walk import dig

CITE = "000_c3b83b8f370189ea.txt 'Sending data to the API'"
SUMMARY_CITE = "000_c3b83b8f370189ea.txt 'Problem: 400 Bad Request response'"


def _shown(values: Mapping[str, Any], keys: Sequence[str]) -> str:
    return ", ".join(f"{k}={values.get(k)!r}" for k in keys[:4])


def _accepted(answer: Answer, expected: int, what: str) -> None:
    if answer.status != expected:
        raise Violation(f"{what}: expected HTTP {expected}; {describe(answer)}")


def _written(answer: Answer, sent: Mapping[str, Any], after: Mapping[str, Any], what: str) -> None:
    """Every field sent reads back as sent."""
    unwritten = [k for k, v in sent.items() if after.get(k) != v]
    if unwritten:
        raise Violation(f"{what} was not applied: {_shown(after, unwritten)} read back (sent "
                        f"{_shown(sent, unwritten)}); {describe(answer)}")


def _kept(answer: Answer, before: Mapping[str, Any], sent: Mapping[str, Any], after: Mapping[str, Any],
          ignored: Sequence[str], what: str) -> None:
    """Every field not sent (but those the server stamps) reads back as it was."""
    moved = sorted(k for k in before if k not in sent and k not in ignored and after.get(k) != before.get(k))
    if moved:
        raise Violation(f"fields {what} did not send changed: {', '.join(moved[:5])} (before "
                        f"{_shown(before, moved)}, after {_shown(after, moved)}): the record was replaced, not "
                        f"patched; {describe(answer)}")


@rule("patch.partial-update", cites=CITE + " (PATCH changes the fields sent)",
      summary="a PATCH of one field changes that field and leaves every other field as it was (read back)")
def partial_update(answer: Answer, before: Mapping[str, Any], sent: Mapping[str, Any], after: Mapping[str, Any],
                   expected: int = 200, ignored: Sequence[str] = ()) -> None:
    """``after`` is the record read back; ``ignored`` names fields the server stamps on every write."""
    _accepted(answer, expected, "the PATCH")
    _written(answer, sent, after, "the PATCH")
    _kept(answer, before, sent, after, ignored, "the PATCH")


@rule("patch.by-email", cites=CITE + " ('The identifier can be an ID or email address')",
      summary="a user is read and patched by its email address as by its id: the same record, changed")
def by_email(read: Answer, read_id: Any, expected_id: Any, patched: Answer, sent: Mapping[str, Any],
             after: Mapping[str, Any], expected: int = 200) -> None:
    """``after``: the record read back by its id once the PATCH by email address was answered."""
    _accepted(read, 200, "GET by email address")
    if read_id != expected_id:
        raise Violation(f"GET by email address answered the record {read_id!r}, not {expected_id!r}; "
                        f"{describe(read)}")
    _accepted(patched, expected, "PATCH by email address")
    _written(patched, sent, after, "the PATCH by email address")


@rule("patch.form-encoded", cites=CITE + " ('changing the request type to Form URL Encoded'; "
      "'application/x-www-form-urlencoded')",
      summary="a PATCH sent as application/x-www-form-urlencoded is accepted and applied as a partial update")
def form_encoded(answer: Answer, before: Mapping[str, Any], sent: Mapping[str, Any], after: Mapping[str, Any],
                 expected: int = 200, ignored: Sequence[str] = ()) -> None:
    _accepted(answer, expected, "the form-encoded PATCH")
    _written(answer, sent, after, "the form-encoded PATCH")
    _kept(answer, before, sent, after, ignored, "the form-encoded PATCH")


def names_field(errors: Any, field: str, field_path: str, field_format: str) -> bool:
    """Whether one error of the summary names ``field`` where the profile says it does (structure, not words)."""
    wanted = field_format.format(field=field)
    return isinstance(errors, list) and any(isinstance(e, dict) and dig(e, field_path) == wanted for e in errors)


@rule("patch.invalid-refused-with-summary", cites=SUMMARY_CITE + " ('you will receive a 400 Bad Request response "
      "code along with a summary of errors encountered')",
      summary="an invalid PATCH (bad email, empty name, wrong type) is refused with 400 and a summary naming the field")
def invalid_refused_with_summary(answer: Answer, field: str, schema: str, field_path: str, field_format: str,
                                 expected: int = 400, errors_path: str = "errors") -> None:
    if answer.status != expected:
        raise Violation(f"an invalid {field}: expected HTTP {expected}; {describe(answer)}")
    ok, body = json_body(answer)
    if not ok:
        raise Violation(f"the 400 for an invalid {field} has no JSON summary of errors; {describe(answer)}")
    problems = schemas.errors(schema, body)
    if problems:
        raise Violation(f"the 400 for an invalid {field} does not match {schema}: {'; '.join(problems[:3])}")
    if not names_field(dig(body, errors_path), field, field_path, field_format):
        raise Violation(f"no error of the summary names {field} at {field_path} "
                        f"({field_format.format(field=field)!r}); {describe(answer)}")
