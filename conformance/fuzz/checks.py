"""The fuzz rules: each Schemathesis check, built-in or ours, is one rule in the ``fuzz`` area.

A check is wrapped so that it runs only where it can say something (a negative-data check on a negative case,
a header check where the document declares headers, a use-after-free check after a delete) and every call
that did run is logged under its rule id like any other rule: a check that never had anything to judge leaves
its rule not-checked, never passed. Our own checks read the profile (its status table, media type, error
schema, rate-limit headers) and are registered with Schemathesis as well (``@schemathesis.check``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import checks as builtin

from conformance import schemas
from conformance.fuzz.context import ACTIVE, SESSION, FuzzContext
from conformance.rules.fuzz import RULES, RUNNERS
from conformance.rules.media import same_content_type

Check = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class FuzzRule:
    rule_id: str
    check: Check               # the Schemathesis check (built-in or ours)
    applies: Callable[[FuzzContext, Any, Any, Any], bool]

    def __call__(self, ctx: Any, response: Any, case: Any) -> None:
        fuzz = ACTIVE.get()
        if fuzz is None or not fuzz.profile.applies(self.rule_id) or not self.applies(fuzz, ctx, response, case):
            return None
        RUNNERS[self.rule_id](self.check, ctx, response, case)
        return None


# ---- when a check has something to judge ---------------------------------------------------------------

def _declared(fuzz: FuzzContext, case: Any) -> dict[str, Any] | None:
    return fuzz.operation(case.method, case.operation.path)


def _response_doc(fuzz: FuzzContext, case: Any, status: int) -> dict[str, Any] | None:
    op = _declared(fuzz, case)
    if op is None:
        return None
    responses = op.get("responses", {})
    return responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")


def _shaped(case: Any) -> bool:
    return not builtin.is_unexpected_http_status_case(case)


def _declared_method(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    return _declared(fuzz, case) is not None and _shaped(case)


def _has_body(response: Any) -> bool:
    return bool(response.content)


def _content_declared(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    doc = _response_doc(fuzz, case, response.status_code)
    return _shaped(case) and doc is not None and "content" in doc and _has_body(response)


def _headers_declared(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    doc = _response_doc(fuzz, case, response.status_code)
    return _shaped(case) and doc is not None and any(h.get("required") for h in doc.get("headers", {}).values())


def _mode(case: Any) -> GenerationMode | None:
    meta = getattr(case, "meta", None)
    return meta.generation.mode if meta is not None else None


def _negative(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    return _declared(fuzz, case) is not None and _mode(case) == GenerationMode.NEGATIVE and _shaped(case)


def _positive(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    return _declared(fuzz, case) is not None and _mode(case) == GenerationMode.POSITIVE and _shaped(case)


def _secured_success(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    """A success from an operation that requires credentials, the first of its operation: whether it enforces
    them is the operation's property, so it is probed once (each probe is two or three more requests)."""
    op = _declared(fuzz, case)
    if op is None or not op.get("security") or not 200 <= response.status_code < 300 or not _shaped(case):
        return False
    return fuzz.first_time("ignored-auth", case.operation.label)


def _undeclared_method(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    return _declared(fuzz, case) is None and fuzz.has_path(case.operation.path)


def _refused_method(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    """A method the document does not declare, refused with 501 (RFC 9110 15.6.2: "the appropriate response
    when the server does not recognize the request method", as gateways that disable TRACE answer): a refusal,
    neither a server error nor a wrong answer to an unsupported method."""
    return _undeclared_method(fuzz, ctx, response, case) and response.status_code == 501


def _no_server_error_applies(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    return not _refused_method(fuzz, ctx, response, case)


def _method_refusal_applies(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    return _undeclared_method(fuzz, ctx, response, case) and not _refused_method(fuzz, ctx, response, case)


def _after_delete(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    """A read of a record an earlier step of the scenario deleted with success."""
    if case.method.lower() != "get":
        return False
    for related in ctx.internals.find_related(case_id=case.id):
        answered = ctx.internals.find_response(case_id=related.id)
        if (related.method.lower() == "delete" and related.formatted_path == case.formatted_path
                and answered is not None and 200 <= answered.status_code < 300):
            return True
    return False


def _after_create(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    """A read, through a link, of what a create just made under the create's own path (Schemathesis judges
    availability only there: an upload to /users/upload says nothing of /users/{id})."""
    parent = ctx.internals.find_parent(case_id=case.id)
    if parent is None or parent.method.lower() != "post" or not case.path.startswith(parent.path.rstrip("/") + "/"):
        return False
    answered = ctx.internals.find_response(case_id=parent.id)
    return answered is not None and 200 <= answered.status_code < 300 and _shaped(case)


def _token_operation(fuzz: FuzzContext, case: Any) -> bool:
    op = _declared(fuzz, case)
    return op is not None and op.get("operationId") == "authenticate"


# ---- our own checks ---------------------------------------------------------------------------------------

@schemathesis.check
def lmsconf_status_documented(ctx: Any, response: Any, case: Any) -> bool | None:
    """The status is one the profile's status table documents for this kind of operation."""
    fuzz = ACTIVE.get()
    if fuzz is None:
        return None
    allowed = fuzz.documented_statuses(case.method, case.operation.path)
    if response.status_code not in allowed:
        raise AssertionError(f"status {response.status_code} is not documented for this operation "
                             f"(documented: {', '.join(map(str, sorted(allowed)))})")
    return None


@schemathesis.check
def lmsconf_content_type(ctx: Any, response: Any, case: Any) -> bool | None:
    """A response with content carries the profile's documented Content-Type (parameters included)."""
    fuzz = ACTIVE.get()
    if fuzz is None or not response.content:
        return None
    documented = fuzz.response_content_type
    actual = response.headers.get("content-type", [""])
    value = actual[0] if isinstance(actual, list) and actual else str(actual or "")
    if not same_content_type(value, documented):
        raise AssertionError(f"Content-Type is {value or 'missing'!r}, not {documented!r}")
    return None


@schemathesis.check
def lmsconf_error_body(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx with content is JSON in the profile's error structure (the token call's own where it has one)."""
    fuzz = ACTIVE.get()
    if fuzz is None or not 400 <= response.status_code < 500 or not response.content:
        return None
    name = fuzz.error_schema(response.status_code, token=_token_operation(fuzz, case))
    if name is None:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError("the error body is not JSON") from None
    problems = schemas.errors(name, body, limit=3)
    if problems:
        raise AssertionError(f"the error body does not match {name}: {'; '.join(problems)}")
    return None


@schemathesis.check
def lmsconf_ratelimit_headers(ctx: Any, response: Any, case: Any) -> bool | None:
    """The rate-limit headers the profile documents are present and well-formed (Retry-After on a 429)."""
    fuzz = ACTIVE.get()
    if fuzz is None:
        return None
    for name, problem in fuzz.ratelimit_header_problems(response.status_code, response.headers).items():
        raise AssertionError(f"rate-limit header {name}: {problem}")
    return None


@schemathesis.check
def lmsconf_read_after_put(ctx: Any, response: Any, case: Any) -> bool | None:
    """After a successful PUT, reading the record back shows the value the PUT wrote to the changed field."""
    fuzz, session = ACTIVE.get(), SESSION.get()
    field = fuzz.changed_field if fuzz is not None else None
    if fuzz is None or session is None or field is None or not _put_applies(fuzz, ctx, response, case):
        return None
    read = session.client.request("GET", case.formatted_path, purpose="fuzz")
    record = fuzz.record_of(read)
    wrote = case.body[field]
    if record is None or record.get(field) != wrote:
        seen = "no record" if record is None else repr(record.get(field))
        raise AssertionError(f"GET {case.formatted_path} after the PUT answered {read.status_code} with {field} "
                             f"{seen}, not the {wrote!r} the PUT wrote")
    return None


def _put_applies(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    field = fuzz.changed_field
    return (case.method.upper() == "PUT" and 200 <= response.status_code < 300 and field is not None
            and isinstance(case.body, dict) and field in case.body and _mode(case) == GenerationMode.POSITIVE)


def _error_body_applies(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    return (400 <= response.status_code < 500 and _has_body(response)
            and fuzz.error_schema(response.status_code, token=_token_operation(fuzz, case)) is not None)


def _ratelimit_applies(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    return fuzz.ratelimit_headers_apply(response.status_code)


def _content_applies(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    return _has_body(response)


def _status_applies(fuzz: FuzzContext, ctx: Any, response: Any, case: Any) -> bool:
    return _declared(fuzz, case) is not None


CHECKS: dict[str, tuple[Check, Callable[[FuzzContext, Any, Any, Any], bool]]] = {
    "not_a_server_error": (not_a_server_error, _no_server_error_applies),
    "status_code_conformance": (builtin.status_code_conformance, _declared_method),
    "content_type_conformance": (builtin.content_type_conformance, _content_declared),
    "response_headers_conformance": (builtin.response_headers_conformance, _headers_declared),
    "response_schema_conformance": (builtin.response_schema_conformance, _content_declared),
    "negative_data_rejection": (builtin.negative_data_rejection, _negative),
    "positive_data_acceptance": (builtin.positive_data_acceptance, _positive),
    "ignored_auth": (builtin.ignored_auth, _secured_success),
    "unsupported_method": (builtin.unsupported_method, _method_refusal_applies),
    "use_after_free": (builtin.use_after_free, _after_delete),
    "ensure_resource_availability": (builtin.ensure_resource_availability, _after_create),
    "lmsconf_status_documented": (lmsconf_status_documented, _status_applies),
    "lmsconf_read_after_put": (lmsconf_read_after_put, _put_applies),
    "lmsconf_content_type": (lmsconf_content_type, _content_applies),
    "lmsconf_error_body": (lmsconf_error_body, _error_body_applies),
    "lmsconf_ratelimit_headers": (lmsconf_ratelimit_headers, _ratelimit_applies),
}
FUZZ_RULES: tuple[FuzzRule, ...] = tuple(FuzzRule(rid, *CHECKS[check]) for rid, (check, _, _) in RULES.items())
RULE_IDS = tuple(r.rule_id for r in FUZZ_RULES)


def wrapped_checks() -> list[Check]:
    """The checks handed to Schemathesis: each FuzzRule, named after the check it runs."""
    out: list[Check] = []
    for fuzz_rule in FUZZ_RULES:
        def call(ctx: Any, response: Any, case: Any, _r: FuzzRule = fuzz_rule) -> None:
            _r(ctx, response, case)
        call.__name__ = getattr(fuzz_rule.check, "__name__", fuzz_rule.rule_id)
        out.append(call)
    return out
