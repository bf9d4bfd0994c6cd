"""Absorb's named contract violations (see ``conformance.simulator.faults``)."""

from __future__ import annotations

from conformance.simulator.faults import Fault as _Fault

V15 = "absorb-v1_5"
def Fault(name: str, area: str, rule: str, description: str, profile: str = V15) -> _Fault:
    """A fault of Absorb v1.5 unless another profile is named."""
    return _Fault(name, area, rule, description, profile)


def _catalogue(*faults: _Fault) -> dict[str, _Fault]:
    return {f.name: f for f in faults}


V1 = "absorb-v1"
COMPAT = "absorb-v1_5-compat"
# The v1.5 faults a compatibility-mode portal commits too (it runs the same code): each gets an entry
# "compat-<name>" under absorb-v1_5-compat, which that dialect reads as <name>.
COMPAT_TWINS = (
    "api-key-ignored", "token-as-object", "bad-token-accepted", "unknown-user-500", "paging-not-validated",
    "error-body-plain", "user-field-wrong-type", "pagination-never-empty", "offset-as-row-offset",
    "default-limit-100", "tokens-not-replaced", "token-expires-early", "bare-token-refused",
    "missing-auth-fields-401", "version-header-missing-on-errors", "invalid-version-served",
)


def _compat_twins(faults: dict[str, _Fault]) -> dict[str, _Fault]:
    return {f"compat-{name}": Fault(f"compat-{name}", faults[name].area, faults[name].rule,
                                    f"{faults[name].description} (backward compatibility on)", profile=COMPAT)
            for name in COMPAT_TWINS}


CATALOGUE: dict[str, _Fault] = _catalogue(
    Fault("api-key-ignored", "auth", "auth.api-key-required",
          "a missing or wrong x-api-key is accepted everywhere"),
    Fault("token-as-object", "auth", "auth.token-issued",
          'POST /authenticate answers {"token": "..."} instead of a JSON string'),
    Fault("bad-token-accepted", "status", "status.bad-token-is-401",
          "any Authorization value, or none, is accepted"),
    Fault("unknown-user-500", "status", "status.unknown-id-is-404",
          "an unknown or malformed user id answers 500 instead of 404"),
    Fault("paging-not-validated", "status", "status.invalid-paging-is-4xx",
          "_limit/_offset out of range are clamped (non-integers read as the default) and answered 200"),
    Fault("error-body-plain", "envelopes", "envelopes.error-body",
          'every error is answered as text/plain "error" (status unchanged)'),
    Fault("user-field-wrong-type", "envelopes", "envelopes.rows-validate",
          'activeStatus is served as the string "Active"/"Inactive" for users whose index % 97 == 0'),
    Fault("pagination-never-empty", "pagination", "pagination.terminates",
          "an offset past the last page answers the last page again"),
    Fault("offset-as-row-offset", "pagination", "pagination.ids-unique",
          "_offset skips _offset rows instead of _offset pages"),
    Fault("returned-items-off", "pagination", "pagination.returned-items-matches",
          "returnedItems always equals limit"),
    Fault("offset-echo-rows", "pagination", "pagination.echoes-request",
          "the offset field echoes _offset * _limit instead of the page index"),
    Fault("sort-descending-ignored", "sorting", "sorting.orders-by-key",
          "the '-' prefix of a sort key is ignored"),
    Fault("filter-startswith-anywhere", "filtering", "filtering.selects-matching-rows",
          "startswith matches the text anywhere in the value, like contains"),
    Fault("no-rate-limit", "ratelimit", "ratelimit.enforced",
          "never answers 429"),
    Fault("rate-limit-early", "ratelimit", "ratelimit.allows-documented-burst",
          "the bucket holds only the burst (100) instead of requests + burst (300)"),
    Fault("retry-after-invalid", "ratelimit", "ratelimit.retry-after-valid",
          'a 429 carries Retry-After: soon (neither delay-seconds nor an HTTP-date)'),
    Fault("rate-limit-sticky", "ratelimit", "ratelimit.recovers-after-wait",
          "once refused, every request for 30 s answers 429 although Retry-After says 1"),
    Fault("courses-pagination-never-empty", "pagination", "pagination.terminates",
          "on /courses only, an offset past the last page answers the last page again"),
    Fault("v1_5-without-dateedited", "versions", "versions.v1_5-adds-fields",
          "v1.5 rows lack dateEdited (Appendix C: added in v1.5)"),
    Fault("v1_5-keeps-moduleid", "versions", "versions.v1_5-removes-fields",
          "v1.5 resources keep moduleId (Appendix C: removed in v1.5)"),
    Fault("identical-row-differs", "versions", "versions.identical-rows-match",
          "v1.5 tags gain a field color (Appendix C: tags identical in v1 and v1.5)"),
    Fault("v1_5_1-without-wrapper", "versions", "versions.header-selects-shape",
          "x-api-version 1.5.1 on a versioned endpoint answers the page's rows as a bare array"),
    Fault("version-header-missing", "versions", "versions.response-names-version",
          "no response names the version served"),
    Fault("version-default-wrong", "versions", "versions.default-version",
          "a versioned endpoint asked without x-api-version answers 1.5.1, paginated, instead of 1.5.0"),
    Fault("compat-serves-1_5_1", "versions", "versions.compat-restricted-to-1_5_0",
          "in backward-compatibility mode, x-api-version 1.5.1 is honoured", profile="absorb-v1_5-compat"),
    Fault("put-requires-email", "writes", "writes.put-without-email-accepted",
          "PUT /users/{id} without emailAddress is refused (v1.5 no longer requires it)"),
    Fault("upload-requires-email", "versions", "versions.no-longer-mandatory",
          "POST /users/upload without emailAddress is refused in v1.5 as in v1 (Appendix C rows 130-131)"),
    Fault("upload-limit-unenforced", "writes", "writes.upload-limit-enforced",
          "POST /users/upload accepts more than 200 users"),
    Fault("upload-wrong-answer", "writes", "writes.upload-answers-key-value",
          "POST /users/upload answers the users it wrote instead of [{key, value}] pairs"),
    Fault("default-limit-100", "pagination", "pagination.default-limit",
          "a paginated endpoint asked without _limit answers pages of 100 rows instead of 20"),
    Fault("tokens-not-replaced", "auth", "auth.single-live-token",
          "authenticating again leaves the user's previous token working"),
    Fault("token-expires-early", "auth", "auth.token-lifetime",
          "tokens stop working after 1 h instead of 4 h"),
    Fault("bare-token-refused", "auth", "auth.bare-token-accepted",
          'a token sent without the "Bearer " prefix is answered 401'),
    Fault("missing-auth-fields-401", "auth", "auth.authenticate-missing-fields",
          "POST /authenticate with a field missing answers 401 instead of 400"),
    Fault("version-header-missing-on-errors", "versions", "versions.header-on-every-response",
          "error responses (4xx, 5xx) carry no version header"),
    Fault("invalid-version-served", "versions", "versions.invalid-version-refused",
          "an x-api-version the API does not know is served as the default version instead of refused"),
    Fault("v1-token-as-object", "auth", "auth.token-issued",
          'v1 POST /Authenticate answers {"Token": "..."} instead of a JSON string', profile=V1),
    Fault("v1-bad-token-accepted", "status", "status.bad-token-is-401",
          "v1 accepts any Authorization value, or none", profile=V1),
    Fault("v1-unknown-user-500", "status", "status.unknown-id-is-404",
          "v1 answers an unknown or malformed id with 500 instead of 404", profile=V1),
    Fault("v1-user-field-wrong-type", "envelopes", "envelopes.rows-validate",
          'v1 serves ActiveStatus as "Active"/"Inactive" for users whose index % 97 == 0', profile=V1),
)
CATALOGUE.update(_compat_twins(CATALOGUE))
FAULTS = tuple(CATALOGUE.values())
