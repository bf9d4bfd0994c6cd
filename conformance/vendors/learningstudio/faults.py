"""Pearson LearningStudio's named contract violations (see ``conformance.simulator.faults``).

Names another vendor's catalogue already uses carry an ``ls-`` prefix (fault names are global: ``--fault
NAME``).
"""

from __future__ import annotations

from conformance.simulator.faults import Fault as _Fault

PROFILE = "learningstudio"


def Fault(name: str, area: str, rule: str, description: str) -> _Fault:
    return _Fault(name, area, rule, description, PROFILE)


FAULTS: tuple[_Fault, ...] = (
    Fault("ls-read-202", "status", "status.read-is-200",
          "every successful GET answers 202 instead of 200"),
    Fault("ls-created-without-location", "writes", "writes.created-location",
          "a POST answers 201 without Location"),
    Fault("ls-no-content-200", "status", "status.no-content-is-204",
          "PUT and DELETE answer 200 with the record instead of 204 with no body"),
    Fault("missing-field-accepted", "status", "status.missing-field-is-400",
          "a POST without subject is created (201)"),
    Fault("ls-bad-token-accepted", "status", "status.bad-token-is-401",
          "any X-Authorization value, or none, is accepted as the instructor"),
    Fault("expired-like-wrong", "auth", "auth.expired-distinguished",
          "an expired token is answered with the invalid_token code (status 401 unchanged)"),
    Fault("forbidden-as-404", "status", "status.forbidden-is-403",
          "every 403 is answered 404"),
    Fault("ls-unknown-id-500", "status", "status.unknown-id-is-404",
          "an unknown id answers 500"),
    Fault("unknown-path-400", "status", "status.unknown-path-is-404",
          "a path no route matches answers 400"),
    Fault("wrong-parent-400", "status", "status.wrong-parent-is-404",
          "a child id under another parent answers 400"),
    Fault("wrong-parent-served", "status", "status.wrong-parent-is-404",
          "a child id under another parent is served 200"),
    Fault("invalid-format-400", "status", "status.invalid-format-is-406",
          "a body in an invalid format (XML) answers 400"),
    Fault("ls-no-rate-limit", "ratelimit", "ratelimit.enforced",
          "never 429"),
    Fault("ls-rate-limit-early", "ratelimit", "ratelimit.allows-documented-burst",
          "429 past 250 requests per second"),
    Fault("server-error-persists", "status", "status.server-error-is-transient",
          "a switched-on 500 never clears"),
    Fault("bad-gateway-persists", "status", "status.bad-gateway-is-transient",
          "a switched-on 502 never clears"),
    Fault("unavailable-persists", "status", "status.unavailable-is-transient",
          "a switched-on 503 never clears"),
    Fault("refresh-refused", "auth", "auth.refresh-renews",
          "grant_type=refresh_token answers 400"),
)
