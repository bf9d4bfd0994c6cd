"""Contract rules: small pure checks with stable ids (see registry.py)."""

from __future__ import annotations

from conformance.rules import auth, envelopes, filtering, pagination, ratelimit, sorting, status, versions, writes
from conformance.rules.registry import REGISTRY, Rule, RuleViolation, Violation, get, rule

__all__ = [
    "REGISTRY", "Rule", "RuleViolation", "Violation", "auth", "envelopes", "filtering", "get",
    "pagination", "ratelimit", "rule", "sorting", "status", "versions", "writes",
]
