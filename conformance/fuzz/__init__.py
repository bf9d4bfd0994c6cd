"""The Schemathesis layer: generated requests from the profile's OpenAPI document, judged by the fuzz rules.

``load(profile, options)`` gives the Schemathesis schema the fuzz suite parametrizes over: the profile's
document (self-contained), a fixed seed, a small example budget per operation, no shrinking, no example
database, and placeholder credentials on every case. Requests go out through :class:`ClientSession`, that is
through the run's Client, which puts the real credentials in place of the placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig

from conformance.fuzz.context import ACTIVE, SESSION, FuzzContext
from conformance.fuzz.session import ClientSession, PlaceholderAuth, route_through
from conformance.openapi import bundled, document
from conformance.profiles import Profile
from conformance.rules.registry import REGISTRY, VIOLATED, Check, RuleViolation

DEFAULT_EXAMPLES = 5
DEFAULT_SEED = 20261203
WRITING = ("POST", "PUT", "PATCH", "DELETE")
# The only undeclared method sent to a declared path: safe on a live sandbox whatever it does there.
UNEXPECTED_METHODS = ["TRACE"]


@dataclass(frozen=True)
class FuzzOptions:
    examples: int = DEFAULT_EXAMPLES
    seed: int = DEFAULT_SEED
    shrink: bool = False
    path_regex: str | None = None


def config_for(options: FuzzOptions, *, mode: str = "all") -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "seed": options.seed,
        "generation": {"mode": mode, "max-examples": options.examples, "no-shrink": not options.shrink,
                       "deterministic": True, "with-security-parameters": False, "database": "none",
                       "allow-extra-parameters": False},
        "phases": {"coverage": {"unexpected-methods": UNEXPECTED_METHODS}},
        "warnings": False,
    })


def load(profile: Profile, options: FuzzOptions) -> Any:
    """The read operations of the profile's document, ready for ``@schema.parametrize()``."""
    doc = bundled(document(profile))
    ACTIVE.set(FuzzContext(profile, doc))
    schema: Any = schemathesis.openapi.from_dict(doc, config=config_for(options))
    schema = schema.exclude(method=list(WRITING)).exclude(operation_id="authenticate")
    if options.path_regex:
        schema = schema.include(path_regex=options.path_regex)
    route_through(schema, SESSION.get)
    provider = type("ProfileAuth", (PlaceholderAuth,), {"profile": profile})
    schema.auth(refresh_interval=None)(provider)
    return schema


def violation(checks: list[Check], report: str) -> AssertionError:
    """What a fuzz test raises when Schemathesis reported failures: the first rule violation among the checks
    it logged, carrying Schemathesis's report (the request, the response and a curl line, redacted)."""
    for check in checks:
        if check.result == VIOLATED:
            return RuleViolation(REGISTRY[check.rule_id], f"{check.detail}\n\n{report}")
    return AssertionError(report)


__all__ = ["ClientSession", "FuzzOptions", "load"]
