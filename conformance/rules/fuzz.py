"""The fuzz rules: one per Schemathesis check (conformance.fuzz.checks runs them on generated requests).

Each rule function takes the check and what Schemathesis hands a check (context, response, case) and turns a
check's failure into a violation of the rule; the registry logs every call like any other rule's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.rules.registry import Violation, rule

DOC = "schemas/openapi/<profile>.yaml (built from the profile, which encodes the seed)"
PROFILE = "the profile's seed as encoded in its [status], [media], [errors] and [ratelimit] tables"

# rule id -> (the check it runs, what it asserts, what it cites)
RULES: dict[str, tuple[str, str, str]] = {
    "fuzz.no-server-error": ("not_a_server_error", "no generated request, valid or not, is answered with a 5xx",
                             DOC),
    "fuzz.status-code-conformance": ("status_code_conformance",
                                     "every status is one the OpenAPI document declares for the operation", DOC),
    "fuzz.content-type-conformance": ("content_type_conformance",
                                      "every response's media type is one the document declares for that status",
                                      DOC),
    "fuzz.response-headers-conformance": ("response_headers_conformance",
                                          "every header the document requires on a response is present and "
                                          "well-formed", DOC),
    "fuzz.response-schema-conformance": ("response_schema_conformance",
                                         "every response body matches the schema the document declares (the "
                                         "rule schemas)", DOC),
    "fuzz.negative-data-rejection": ("negative_data_rejection",
                                     "a request the document does not allow (out of range, wrong type) is refused "
                                     "with a 4xx", DOC),
    "fuzz.positive-data-acceptance": ("positive_data_acceptance", "a request the document allows is answered "
                                                                  "with success", DOC),
    "fuzz.ignored-auth": ("ignored_auth", "an operation that requires credentials refuses a request without them "
                                          "or with wrong ones", DOC),
    "fuzz.unsupported-method": ("unsupported_method", "a method the document does not declare on a path is "
                                                      "refused with 405", DOC),
    "fuzz.use-after-free": ("use_after_free", "a record deleted through its link is gone (404) afterwards", DOC),
    "fuzz.ensure-resource-availability": ("ensure_resource_availability",
                                          "a record just created can be read through its links", DOC),
    "fuzz.read-after-put": ("lmsconf_read_after_put", "a record replaced through its link reads back with the "
                                                       "value the PUT wrote", PROFILE),
    "fuzz.status-documented": ("lmsconf_status_documented",
                               "every status is in the profile's status table for that kind of operation", PROFILE),
    "fuzz.content-type": ("lmsconf_content_type", "every response with content carries the profile's documented "
                                                  "Content-Type, parameters included", PROFILE),
    "fuzz.error-body": ("lmsconf_error_body", "every 4xx with content matches the profile's error schema", PROFILE),
    "fuzz.ratelimit-headers": ("lmsconf_ratelimit_headers", "the rate-limit headers the profile documents are on "
                                                            "the responses it says, and well-formed", PROFILE),
}

Runner = Callable[[Callable[..., Any], Any, Any, Any], None]


def _text(exc: BaseException) -> str:
    title, message = getattr(exc, "title", ""), getattr(exc, "message", "")
    return f"{title}: {message}".strip(": ") if title or message else str(exc)


def _runner(rule_id: str, summary: str, cites: str) -> Runner:
    @rule(rule_id, cites=cites, summary=summary)
    def run(check: Callable[..., Any], ctx: Any, response: Any, case: Any) -> None:
        try:
            check(ctx, response, case)
        except (AssertionError, BaseExceptionGroup) as exc:   # a Schemathesis failure, or a group of them
            where = f"{case.method.upper()} {case.formatted_path} answered {response.status_code}"
            found = [e for e in getattr(exc, "exceptions", (exc,)) if isinstance(e, AssertionError)]
            if not found:
                raise
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            raise Violation(f"{_text(found[0])}{more} ({where})") from None
    return run


RUNNERS: dict[str, Runner] = {rid: _runner(rid, summary, cites) for rid, (_, summary, cites) in RULES.items()}
