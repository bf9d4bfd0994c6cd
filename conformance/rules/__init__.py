"""Contract rules: small pure checks with stable ids (see registry.py)."""

from __future__ import annotations

from conformance.rules import auth, envelopes, filtering, pagination, ratelimit, sorting, status, versions, writes
from conformance.rules.registry import (
    CHECKS,
    REGISTRY,
    Check,
    Rule,
    RuleViolation,
    Violation,
    check_all,
    get,
    rule,
)

__all__ = [
    "CHECKS", "REGISTRY", "Check", "Rule", "RuleViolation", "Violation", "auth", "check_all", "envelopes",
    "filtering", "get", "pagination", "ratelimit", "rule", "sorting", "status", "versions", "writes",
]
