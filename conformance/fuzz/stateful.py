"""Stateful fuzzing from the document's links: create a record, then read, replace and delete it.

Bodies: what Schemathesis generates, laid over a real record of the target (its own id and the fields the
server owns left out), with the changed field (the profile's ``writes.changed_field``) as generated. A schema
cannot say which ids another record must name or which dates exist in a calendar; a real record can.

Only the profile's writable resource takes part, and only records this run created are replaced or deleted:
a create's name field carries the run's prefix and the cleanup ledger holds the name before the request
leaves and the record's path once the answer names it, so everything created is deleted at the end of the
session (or by the next run, after a kill), whatever the checks found. Generated writes are valid ones
(positive mode): an invalid body an API wrongly accepted could not be found again by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase

from conformance.cleanup import Entry, Ledger
from conformance.fuzz.context import ACTIVE, SESSION, FuzzContext
from conformance.fuzz.session import PlaceholderAuth, route_through
from conformance.http.client import Client
from conformance.openapi import bundled, document
from conformance.openapi.build import operation_id
from conformance.profiles import Profile, Resource
from conformance.walk import dig

STEPS = 10   # calls per scenario: a create and a few of its links
# The checks only a sequence can reach (a read after a replace, a read after a delete). Which sequences a
# derandomized run explores depends on its budget, not only on the seed: when a run reached none of these
# checks, the test runs again with twice the budget, at most ATTEMPTS runs in all, before it reports them not
# checked.
SEQUENCE_RULES = ("fuzz.use-after-free", "fuzz.read-after-put", "fuzz.ensure-resource-availability")
ATTEMPTS = 3


def _is(case: Any, verb: str) -> bool:
    return str(case.operation.definition.raw.get("operationId", "")).startswith(f"{verb}-")


@dataclass
class Writes:
    """What a scenario may touch, and the ledger entries that undo it."""

    profile: Profile
    resource: Resource
    client: Client
    ledger: Ledger
    names: dict[str, str] = field(default_factory=dict)   # id -> the name it was created with
    made: list[Entry] = field(default_factory=list)        # this test's ledger entries, undone when it ends
    entries: dict[str, Entry] = field(default_factory=dict)   # case id -> the ledger entry of its create
    count: int = 0
    _base: dict[str, Any] | None = None

    @property
    def name_field(self) -> str:
        return str(self.profile.section("writes").get("name_field", "name"))

    def _next(self) -> int:
        self.count += 1
        return self.count

    def _name(self) -> str:
        name = self.ledger.name(f"fuzz-{self._next()}")
        return f"{name}@example.invalid" if "email" in self.name_field.lower() else name

    def _note(self, entry: Entry) -> Entry:
        self.made.append(entry)
        return entry

    def undo(self) -> list[str]:
        """Delete what this test created now, not at the end of the session: the suites after it walk the same
        collection and expect it as it was."""
        return self.ledger.undo(self.client, only=self.made)

    def base(self) -> dict[str, Any]:
        """A real record of the resource, less its id and the fields the server owns (read once)."""
        if self._base is None:
            params = {self.profile.pagination["limit_param"]: "1"} if self.profile.pagination.get("limit_param") else {}
            body = _json(self.client.get(self.resource.path, params=params, purpose="fuzz"))
            rows = dig(body, self.profile.pagination.get("rows_path") or self.resource.collection_key) \
                if isinstance(body, dict) else body
            first = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
            owned = {self.resource.id_field, *self.profile.section("writes").get("read_only", ())}
            self._base = {k: v for k, v in first.items() if k not in owned}
        return self._base

    def _realistic(self, row: dict[str, Any], name: str) -> None:
        changed = self.profile.section("writes").get("changed_field")
        generated = row.get(changed) if changed else None
        row.update(self.base())
        if changed:   # what a replace writes, and a read must show: as generated, or one of ours
            row[changed] = generated if isinstance(generated, str) and generated else f"lmsconf {self._next()}"
        row[self.name_field] = name

    def before(self, case: Any) -> None:
        """Name what a create makes (ledger first); refuse a replace or delete of a record not ours."""
        if _is(case, "create") and isinstance(case.body, dict):
            self._realistic(case.body, name := self._name())
            self.entries[case.id] = self._note(self.ledger.uploading(self.resource.path, [name], note="created (fuzz)"))
        elif _is(case, "upload") and isinstance(case.body, list):
            names = []
            for row in case.body:
                if isinstance(row, dict):
                    self._realistic(row, name := self._name())
                    names.append(name)
            self.entries[case.id] = self._note(self.ledger.uploading(self.resource.path, names, note="uploaded (fuzz)"))
        elif _is(case, "update") or _is(case, "delete"):
            key = str((case.path_parameters or {}).get("id", ""))
            hypothesis.assume(key in self.names)   # never a record this run did not create
            if isinstance(case.body, dict):
                self._realistic(case.body, self.names[key])   # still found by the sweep

    def after(self, response: Any, case: Any) -> None:
        """Record the created records' paths (each deleted when the test ends)."""
        if not 200 <= response.status_code < 300:
            refused = self.entries.pop(case.id, None)
            if refused is not None:   # a refused create made nothing (the prefix sweep finds one that did)
                self.ledger.settle(refused)
            return
        created: list[tuple[str, str]] = []
        if _is(case, "create"):
            record = dig(_json(response), self.profile.pagination.get("record_path"))
            key = record.get(self.resource.id_field) if isinstance(record, dict) else None
            if key is not None:
                created.append((str(key), str(case.body.get(self.name_field, ""))))
        elif _is(case, "upload"):
            answered = _json(response)
            created = [(str(row["key"]), str(row.get("value", ""))) for row in answered or []
                       if isinstance(row, dict) and "key" in row]
        for key, name in created:
            self.names[key] = name
            self._note(self.ledger.created((self.resource.item_path or "").format(id=key), note="created (fuzz)"))
        entry = self.entries.pop(case.id, None)
        if created and entry is not None:
            self.ledger.settle(entry)


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def writable(profile: Profile) -> Resource | None:
    """The resource linked scenarios create in: the profile's writable one, unless it is nested (a create under
    /courses/{courseId} needs a parent that exists, which a generated path does not name)."""
    name = profile.section("writes").get("resource")
    found = [r for r in profile.resources if r.name == name and r.writable and r.item_path and not r.nested]
    return found[0] if found else None


def load(profile: Profile, config: Any) -> Any | None:
    """The writable resource's create and item operations, for a state machine; None when it has no create."""
    resource = writable(profile)
    if resource is None or "deleted" not in profile.status:
        return None   # what a scenario creates must be deletable
    doc = bundled(document(profile))
    ids = [operation_id(verb, resource) for verb in ("create", "upload", "get", "update", "delete")]
    present = {op.get("operationId") for item in doc["paths"].values() for op in item.values()}
    if not {operation_id("create", resource), operation_id("upload", resource)} & present:
        return None
    ACTIVE.set(ACTIVE.get() or FuzzContext(profile, doc))
    schema = schemathesis.openapi.from_dict(doc, config=config).include(operation_id=[i for i in ids if i in present])
    route_through(schema, SESSION.get)
    schema.auth(refresh_interval=None)(type("ProfileAuth", (PlaceholderAuth,), {"profile": profile}))
    return schema


def machine(schema: Any, writes: Writes, checks: list[Any]) -> type:
    """The state machine: every call through the run's session, every answer through the fuzz checks."""
    base = schema.as_state_machine()

    class Scenario(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"session": SESSION.get(), "base_url": writes.client.base_url}

        def before_call(self, case: Any) -> None:
            writes.before(case)

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            writes.after(response, case)

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None,
                              **kwargs: Any) -> None:
            case.validate_response(response, checks=checks, transport_kwargs=kwargs or None,
                                   recorder=self.recorder)

    return Scenario


def unreached(profile: Profile, checked: Iterable[str]) -> set[str]:
    """The sequence rules the profile applies that no check of ``checked`` (rule ids) reached."""
    return {r for r in SEQUENCE_RULES if r in profile.rules} - set(checked)


def settings(examples: int, seed: int) -> hypothesis.settings:
    return hypothesis.settings(max_examples=examples, stateful_step_count=STEPS, derandomize=True, database=None,
                               deadline=None, suppress_health_check=list(HealthCheck),
                               phases=[Phase.explicit, Phase.generate])
