"""Contract rules: small pure checks with stable ids (see registry.py)."""

from __future__ import annotations

from conformance.rules import (
    auth,
    envelopes,
    filtering,
    fuzz,
    locking,
    media,
    pagination,
    patch,
    put,
    ratelimit,
    sorting,
    status,
    writes,
)
from conformance.rules.registry import (
    CHECKS,
    REGISTRY,
    Check,
    Rule,
    RuleViolation,
    Violation,
    check_all,
    get,
    not_checked,
    rule,
)
from conformance.vendors import load_rules

load_rules()   # every vendor's own rules (conformance/vendors/<vendor>/rules)

__all__ = [
    "CHECKS", "REGISTRY", "Check", "Rule", "RuleViolation", "Violation", "auth", "check_all", "envelopes",
    "filtering", "fuzz", "get", "locking", "media", "not_checked", "pagination", "patch", "put", "ratelimit", "rule",
    "sorting", "status", "writes",
]
