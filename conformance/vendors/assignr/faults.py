"""Assignr's named contract violations (see ``conformance.simulator.faults``).

Names another vendor's catalogue already uses carry an ``assignr-`` prefix (fault names are global:
``--fault NAME``).
"""

from __future__ import annotations

from conformance.simulator.faults import Fault as _Fault

PROFILE = "assignr"


def Fault(name: str, area: str, rule: str, description: str) -> _Fault:
    return _Fault(name, area, rule, description, PROFILE)


FAULTS: tuple[_Fault, ...] = (
    Fault("hal-links-missing", "envelopes", "envelopes.hal-links",
          "items (in collections and as single records) are served without _links"),
    Fault("records-off-by-one", "pagination", "pagination.ids-unique",
          "page.records is one more than the records there are"),
    Fault("next-page-on-last", "pagination", "pagination.terminates",
          "the last page names a next_page (an empty page, which names another)"),
    Fault("http-not-redirected", "auth", "auth.https-only",
          "the plain-HTTP port serves the API itself (200s) instead of a 302 to HTTPS"),
    Fault("stale-lock-accepted", "locking", "locking.stale-version-refused",
          "a PUT with a stale lock_version is accepted (200) instead of 409"),
    Fault("lock-not-incremented", "locking", "locking.current-version-accepted",
          "a PUT with the current lock_version succeeds but lock_version stays the same"),
    Fault("validation-as-400", "status", "status.validation-is-422",
          "every 422 (a game without start_time, a user without a name) is answered 400"),
    Fault("payment-as-403", "status", "status.payment-required-is-402",
          "the site without an active subscription answers 403 instead of 402"),
    Fault("assignr-remaining-constant", "ratelimit", "ratelimit.remaining-decreases",
          "X-Ratelimit-Remaining is always the described window's limit (the windows still count and refuse)"),
    Fault("reset-seconds-missing", "ratelimit", "ratelimit.reset-consistent",
          "X-Ratelimit-Reset-Seconds-Remaining is left out of every answer"),
    Fault("wrong-window-described", "ratelimit", "ratelimit.fewest-left-described",
          "the rate-limit headers always describe the Hour window, whichever has the fewest left"),
    Fault("scope-ignored", "auth", "auth.scope-enforced",
          "a token asked with scope read only may write (POST, PUT, DELETE)"),
    Fault("hal-type-missing", "media", "media.hal-content-type",
          "every answer says Content-Type: application/json instead of the HAL type"),
    Fault("hal-request-not-required", "media", "media.hal-request-required",
          "a POST with Content-Type: application/json is accepted instead of 415"),
    Fault("assignr-delete-200", "status", "status.no-content-is-204",
          "DELETE of a game answers 200 with the game instead of 204"),
    Fault("five-minute-window-unenforced", "ratelimit", "ratelimit.windows-enforced",
          "the 5-minute window counts but never refuses"),
)
