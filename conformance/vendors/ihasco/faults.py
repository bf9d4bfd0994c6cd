"""iHASCO's named contract violations (see ``conformance.simulator.faults``).

Names another vendor's catalogue already uses carry an ``ihasco-`` prefix (fault names are global:
``--fault NAME``).
"""

from __future__ import annotations

from conformance.simulator.faults import Fault as _Fault

PROFILE = "ihasco"


def Fault(name: str, area: str, rule: str, description: str) -> _Fault:
    return _Fault(name, area, rule, description, PROFILE)


FAULTS: tuple[_Fault, ...] = (
    Fault("ihasco-bad-token-accepted", "status", "status.bad-token-is-401",
          "any Authorization value, or none, is accepted as the main token"),
    Fault("removed-token-accepted", "auth", "auth.removed-token-refused",
          "the removed token works like the main one"),
    Fault("patch-replaces", "patch", "patch.partial-update",
          "a JSON PATCH replaces the record: every writable field not sent becomes null (first_name, last_name "
          "and email too)"),
    Fault("email-lookup-unsupported", "patch", "patch.by-email",
          "an e-mail address identifier answers 404 (GET and PATCH)"),
    Fault("form-body-refused", "patch", "patch.form-encoded",
          "a form-encoded PATCH answers 415"),
    Fault("validation-summary-missing", "patch", "patch.invalid-refused-with-summary",
          'a validation failure answers 400 with {"errors": []}'),
    Fault("unknown-user-400", "status", "status.unknown-id-is-404",
          "an unknown id or e-mail address answers 400 (errors body) instead of 404"),
    Fault("next-url-never-null", "pagination", "pagination.terminates",
          "the last page (and any page past it, empty) still carries a next_url"),
    Fault("ihasco-page-repeated", "pagination", "pagination.ids-unique",
          "the second page's next_url points back at the second page once (the page is served twice), then the "
          "walk goes on normally"),
    Fault("data-count-wrong", "pagination", "pagination.returned-items-matches",
          "dataCount on a page is the number of rows plus one"),
    Fault("ihasco-user-field-wrong-type", "envelopes", "envelopes.rows-validate",
          "user_id of every 97th user is served as a string"),
    Fault("ihasco-error-body-plain", "envelopes", "envelopes.error-body",
          'every error body is text/plain "error" (status unchanged)'),
    Fault("ihasco-item-unwrapped", "envelopes", "envelopes.single-envelope",
          'GET by identifier answers the bare user without the {"data", "dataCount"} envelope'),
    Fault("remaining-constant", "ratelimit", "ratelimit.remaining-decreases",
          "x-ratelimit-remaining is always the limit (200) though the count goes on (429 still comes after 200 "
          "requests)"),
    Fault("ihasco-limit-unenforced", "ratelimit", "ratelimit.windows-enforced",
          "never 429 (x-ratelimit-remaining stays at 0)"),
    Fault("remaining-off-by-one", "ratelimit", "ratelimit.refused-at-zero",
          "x-ratelimit-remaining says one more than is left (the 200th request's answer says 1) while the 201st "
          "is refused as usual"),
    Fault("ihasco-retry-after-missing", "ratelimit", "ratelimit.retry-after-valid",
          "a 429 has no retry-after"),
    Fault("ihasco-retry-after-short", "ratelimit", "ratelimit.retry-after-sufficient",
          "retry-after is 1 whatever is left of the minute"),
    Fault("remaining-not-reset", "ratelimit", "ratelimit.remaining-resets",
          "when a new window starts the requests are served again but x-ratelimit-remaining stays 0 (it never "
          "counts back up)"),
    Fault("tokens-share-count", "ratelimit", "ratelimit.per-token",
          "one count for all tokens"),
)
