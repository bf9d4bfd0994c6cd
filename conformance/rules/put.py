"""Whole-record PUT (seed 002 'POST and PUT requests'): "Our API doesn't support partial updates of a record";
a field left out "usually" becomes null; the fields ignored during PUT keep their values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.rules.registry import Violation, rule

CITE = "002_b0b03e2e2867055f.txt 'POST and PUT requests'"


@rule("put.replaces-whole-record", cites=CITE + " ('If a field is not specified in the body of the request then "
      "usually a null value will be written')",
      summary="after a PUT without a field, that field reads back null and every field sent reads back as sent")
def replaces_whole_record(sent: Mapping[str, Any], omitted: str, after: Mapping[str, Any],
                          ignored: Sequence[str]) -> None:
    if after.get(omitted) is not None:
        raise Violation(f"{omitted} kept the value {after.get(omitted)!r} after a PUT that left it out "
                        "(a partial update: the API merges instead of replacing)")
    changed = [k for k, v in sent.items() if k not in ignored and after.get(k) != v]
    if changed:
        raise Violation(f"fields sent in the PUT read back otherwise: {', '.join(sorted(changed)[:5])}")


@rule("put.ignored-fields-kept", cites=CITE + " ('The only exception are those DTO fields that are ignored during "
      "PUT requests')",
      summary="the fields documented as ignored on PUT keep their values when a PUT leaves them out")
def ignored_fields_kept(before: Mapping[str, Any], after: Mapping[str, Any], ignored: Sequence[str]) -> None:
    moved = [k for k in ignored if k in before and after.get(k) != before.get(k)]
    if moved:
        shown = ", ".join(f"{k} {before.get(k)!r} -> {after.get(k)!r}" for k in moved[:3])
        raise Violation(f"fields ignored on PUT changed: {shown}")

