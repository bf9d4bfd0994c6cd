"""Named contract violations the simulator can be told to commit (``--fault NAME``).

Each fault breaks one documented behaviour and names the rule that must catch
it; the mutation matrix runs the suite against the simulator with each fault
switched on and expects exactly that rule to fail. A dialect checks
``"name" in faults``; names are validated here so a typo fails loudly. Each vendor keeps its own
catalogue (``conformance/vendors/<vendor>/faults.py``, ``FAULTS``); this module gathers them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from conformance import vendors


@dataclass(frozen=True)
class Fault:
    name: str
    area: str
    rule: str           # the rule id that must fail when this fault is on
    description: str
    profile: str        # the API whose simulated behaviour it bends (where the matrix runs it); "*": any


ANY_PROFILE = "*"   # a generic fault (conformance.simulator.mutations): any vendor's simulator commits it

GENERIC = (
    Fault("undocumented-status", "fuzz", "fuzz.status-documented",
          "every 404 is answered 410 Gone, a status no profile documents", ANY_PROFILE),
    Fault("undocumented-status-code", "fuzz", "fuzz.status-code-conformance",
          "every 404 is answered 410 Gone (the status the OpenAPI document does not declare)", ANY_PROFILE),
    Fault("wrong-content-type", "fuzz", "fuzz.content-type",
          "every answer with content says Content-Type: text/html", ANY_PROFILE),
    Fault("undeclared-content-type", "fuzz", "fuzz.content-type-conformance",
          "every answer with content says Content-Type: text/html (a media type the document does not declare)",
          ANY_PROFILE),
    Fault("body-off-schema", "fuzz", "fuzz.response-schema-conformance",
          "in every successful JSON body, numbers and booleans are served as strings", ANY_PROFILE),
    Fault("error-body-off-schema", "fuzz", "fuzz.error-body",
          "every 4xx body is the JSON array [] instead of the documented error structure", ANY_PROFILE),
    Fault("malformed-query-500", "fuzz", "fuzz.no-server-error",
          "a paging value that is not a plain integer (where the API pages; elsewhere a malformed id in the "
          "path) is answered 500", ANY_PROFILE),
    Fault("refusals-as-200", "fuzz", "fuzz.negative-data-rejection",
          "every 400, 404 and 422 is answered 200 (the body left as it was)", ANY_PROFILE),
    Fault("successes-as-400", "fuzz", "fuzz.positive-data-acceptance",
          "every 200 to a GET is answered 400 (the body left as it was)", ANY_PROFILE),
    Fault("credentials-not-enforced", "fuzz", "fuzz.ignored-auth",
          "every 401 and 403 is answered 200 with {}", ANY_PROFILE),
    Fault("any-method-allowed", "fuzz", "fuzz.unsupported-method",
          "every 405 is answered 200 with {}", ANY_PROFILE),
    Fault("documented-header-dropped", "fuzz", "fuzz.response-headers-conformance",
          "the version header, Location and the rate-limit headers are left off every answer", ANY_PROFILE),
    Fault("ratelimit-header-garbled", "fuzz", "fuzz.ratelimit-headers",
          "every rate-limit header the profile documents says 'plenty' instead of a count", ANY_PROFILE),
    Fault("delete-ignored", "fuzz", "fuzz.use-after-free",
          "a DELETE is answered as done but deletes nothing", ANY_PROFILE),
    Fault("put-not-persisted", "fuzz", "fuzz.read-after-put",
          "a PUT is answered 200 with the body it was sent but changes nothing", ANY_PROFILE),
    Fault("created-unreadable", "fuzz", "fuzz.ensure-resource-availability",
          "a record created in this session answers 404 when read by its id", ANY_PROFILE),
)
FAULTS: dict[str, Fault] = {f.name: f for f in [*vendors.all_faults(), *GENERIC] if isinstance(f, Fault)}


def covered_profiles(fault: Fault) -> list[str]:
    """The profiles whose rule the fault shows can fail: its own, or for a generic fault every shipped profile
    applying its rule."""
    if fault.profile != ANY_PROFILE:
        return [fault.profile]
    from conformance import profiles

    return [name for name in profiles.available() if profiles.load(name).applies(fault.rule)]


def profiles_for(fault: Fault) -> list[str]:
    """Where the mutation matrix runs a fault: its profile; a generic fault under one profile of each vendor
    that applies its rule (the profiles of a vendor share one simulator app, and the middleware that commits a
    generic fault is the same in front of every one)."""
    if fault.profile != ANY_PROFILE:
        return [fault.profile]
    from conformance.vendors import vendor_of

    chosen: dict[str, str] = {}
    for name in covered_profiles(fault):
        vendor = vendor_of(name)
        chosen.setdefault(vendor.name if vendor is not None else name, name)
    return sorted(chosen.values())


def resolve(names: Iterable[str]) -> frozenset[str]:
    """The given fault names as a set; ValueError naming the unknown ones and listing the known."""
    chosen = frozenset(names)
    unknown = sorted(chosen - FAULTS.keys())
    if unknown:
        raise ValueError(f"unknown fault(s) {', '.join(unknown)} (known: {', '.join(sorted(FAULTS))})")
    return chosen


def for_rule(rule_id: str) -> list[Fault]:
    """The faults a rule is expected to catch."""
    return [f for f in FAULTS.values() if f.rule == rule_id]
