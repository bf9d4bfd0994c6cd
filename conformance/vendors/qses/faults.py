"""QS Enrolment Solutions' named contract violations (see ``conformance.simulator.faults``).

Two names carry a ``qses-`` prefix because Absorb's catalogue already uses the plain name for its own
fault (fault names are global: ``--fault NAME``).
"""

from __future__ import annotations

from conformance.simulator.faults import Fault as _Fault

PROFILE = "qses"


def Fault(name: str, area: str, rule: str, description: str) -> _Fault:
    return _Fault(name, area, rule, description, PROFILE)


FAULTS: tuple[_Fault, ...] = (
    Fault("put-merges", "put", "put.replaces-whole-record",
          "a PUT keeps the stored value of every field the body leaves out"),
    Fault("put-overwrites-ignored", "put", "put.ignored-fields-kept",
          "a PUT writes (nulls) the fields the profile says are ignored"),
    Fault("total-count-always", "envelopes", "envelopes.total-count-on-request",
          "Meta.TotalCount is filled even when not asked"),
    Fault("total-count-wrong", "envelopes", "envelopes.total-count-on-request",
          "TotalCount when asked is one more than the rows"),
    Fault("has-more-always-true", "pagination", "pagination.terminates",
          "Meta.HasMore is true on every page, also empty ones"),
    Fault("row-repeated", "pagination", "pagination.ids-unique",
          "every page after the first starts with the last row of the page before"),
    Fault("offset-echo-wrong", "pagination", "pagination.echoes-request",
          "Meta.Offset echoes the page number instead of the row offset"),
    Fault("item-unwrapped", "envelopes", "envelopes.single-envelope",
          "GET by id answers the bare DTO without DtoEnvelope"),
    Fault("charset-missing", "media", "media.charset-on-every-response",
          "Content-Type is application/json without charset"),
    Fault("accept-honoured", "media", "media.accept-ignored",
          "Accept: application/xml (or any non-JSON Accept) answers 406"),
    Fault("xml-accepted", "media", "media.non-json-body-refused",
          "an application/xml body on POST/PUT is accepted (treated as JSON or ignored: 200/201) instead of 415"),
    Fault("retry-after-missing", "ratelimit", "ratelimit.retry-after-valid",
          "a 429 has no Retry-After"),
    Fault("retry-after-short", "ratelimit", "ratelimit.retry-after-sufficient",
          "Retry-After is 1 whatever the window (for the Minute window that is too short)"),
    Fault("throttle-shared", "ratelimit", "ratelimit.per-endpoint",
          "one count per client for all endpoints"),
    Fault("hour-window-unenforced", "ratelimit", "ratelimit.windows-enforced",
          "the Hour window never refuses"),
    Fault("reason-generic", "ratelimit", "ratelimit.reason-names-window",
          'the reason phrase is "Too Many Requests"'),
    Fault("token-never-expires", "auth", "auth.expired-token-refused",
          "tokens work after their lifetime"),
    Fault("token-renewal-stale", "auth", "auth.reauthentication-recovers",
          "once a token has expired, the token endpoint hands back that same expired token again"),
    Fault("refresh-granted", "auth", "auth.no-refresh",
          "the token reply carries a refresh_token and grant_type=refresh_token issues a token"),
    Fault("cors-any-origin", "auth", "auth.same-origin-only",
          "every response carries Access-Control-Allow-Origin: * and preflights are granted"),
    Fault("denial-as-403", "auth", "auth.denied-endpoint-is-401",
          "the restricted account calling a not-granted endpoint gets 403 instead of 401"),
    Fault("username-case-sensitive", "auth", "auth.username-case-insensitive",
          "the username must match case exactly"),
    Fault("bad-credentials-401", "auth", "auth.bad-credentials-refused",
          'bad credentials answer 401 {"Message"} instead of 400 invalid_grant'),
    Fault("diagnostics-need-token", "auth", "auth.open-paths-need-no-token",
          "diagnostics answer 401 without a token"),
    Fault("token-type-missing", "auth", "auth.token-issued",
          "the token reply lacks token_type"),
    Fault("qses-bad-token-accepted", "status", "status.bad-token-is-401",
          "any Authorization value, or none, is accepted"),
    Fault("unknown-id-500", "status", "status.unknown-id-is-404",
          "an unknown id answers 500"),
    Fault("qses-error-body-plain", "envelopes", "envelopes.error-body",
          'every error body is text/plain "error" (status unchanged)'),
    Fault("contact-field-wrong-type", "envelopes", "envelopes.rows-validate",
          "Id of every 97th contact is served as a string"),
    Fault("created-without-location", "writes", "writes.created-location",
          "a POST answers 201 without a Location header"),
    Fault("created-location-wrong", "writes", "writes.created-location",
          "the Location names an id that does not exist"),
)
