"""Optimistic locking (seed 004 '409 Conflict'): "compares the lock_version field that you provide against the
record in the database before saving. If the lock_version attributes are equal ... the update can proceed.
Otherwise the transaction is cancelled and a 409 error is thrown." """

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.rules.common import Answer, describe
from conformance.rules.registry import Violation, rule

CITE = "004_3a3088db9d5a175f.txt '409 Conflict'"


@rule("locking.stale-version-refused", cites=CITE + " ('Otherwise the transaction is cancelled and a 409 error is "
      "thrown')",
      summary="a PUT carrying a lock_version older than the record's is refused with 409 and changes nothing")
def stale_version_refused(answer: Answer, before: Mapping[str, Any], after: Mapping[str, Any], field: str,
                          expected: int = 409) -> None:
    if answer.status != expected:
        raise Violation(f"a PUT with a stale lock version was not refused with {expected}; {describe(answer)}")
    if after.get(field) != before.get(field):
        raise Violation(f"the refused PUT still changed the record ({field} {before.get(field)!r} -> "
                        f"{after.get(field)!r})")


@rule("locking.current-version-accepted", cites=CITE + " ('If the lock_version attributes are equal, the resource "
      "has not been changed, and the update can proceed')",
      summary="a PUT carrying the record's lock_version succeeds, and the record's lock_version then moves on")
def current_version_accepted(answer: Answer, version_before: Any, version_after: Any) -> None:
    if answer.status is None or not 200 <= answer.status < 300:
        raise Violation(f"a PUT with the current lock version was refused; {describe(answer)}")
    if not isinstance(version_after, int) or not isinstance(version_before, int) or version_after <= version_before:
        raise Violation(f"after the update the lock version is {version_after!r} (it was {version_before!r}): a "
                        "second writer holding the old one would not be stopped")
