"""A profile's resources as servable collections: stored rows, wrapper key, filter and sort maps,
and for nested paths (``/courses/{courseId}/enrollments``) the parent the path names.

Nothing here is per resource: every collection is the profile's entry plus the
catalogue's ``Source``, so one handler serves them all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from conformance.profiles import Profile, Resource
from conformance.simulator.dialects.gateway import route_template
from conformance.simulator.query import FilterVisitor, SortPolicy, compile_filter, compile_sort, filter_fields
from conformance.simulator.store import Column, Store
from conformance.vendors.absorb.simulator.catalogue import Source


class Missing(LookupError):
    """The path names a row (or a parent row) that does not exist; the message says which."""


def guid(value: str | None, message: str) -> str:
    """``value`` as a lower-case GUID; Missing with ``message`` when it is not one."""
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        raise Missing(message) from None


def _and(*conditions: str | None) -> str | None:
    present = [c for c in conditions if c]
    return " AND ".join(f"({c})" for c in present) or None


def not_found_message(resource: Resource) -> str:
    words = resource.name.replace("-", " ")
    return f"{words[:-1] if words.endswith('s') else words} not found".capitalize()


@dataclass(frozen=True)
class Parent:
    """The row a nested path hangs off: ``fields`` maps each path parameter to the parent row's
    field it must equal (one of them ``id``); ``columns`` maps it to this collection's column."""

    table: str
    base: str | None
    not_found: str
    fields: Mapping[str, str]
    columns: Mapping[str, str]

    def scope(self, store: Store, path_params: Mapping[str, str]) -> str:
        """SQL selecting the children of the parent the path names; Missing when there is none."""
        values = {p: guid(path_params.get(p), self.not_found) for p in self.fields}
        key = next(values[p] for p, f in self.fields.items() if f.lower() == "id")
        row = store.get(self.table, key, self.base)
        if row is None:
            raise Missing(self.not_found)
        for param, field in self.fields.items():
            if field.lower() != "id" and str(row[field] or "").lower() != values[param]:
                raise Missing(self.not_found)
        return " AND ".join(f"\"{column}\" = '{values[p]}'" for p, column in self.columns.items())


@dataclass(frozen=True)
class Collection:
    """One resource: its rows are ``source.table`` rows matching ``base`` (and the parent)."""

    resource: Resource
    source: Source
    key: str
    base: str | None
    visitor: FilterVisitor
    sortable: Mapping[str, Column]
    not_found: str
    parent: Parent | None = None

    @property
    def table(self) -> str:
        return self.source.table

    def scope(self, store: Store, path_params: Mapping[str, str]) -> str | None:
        """The rows this path may show (Missing when a parent it names does not exist)."""
        return _and(self.base, self.parent.scope(store, path_params) if self.parent else None)

    def where(self, expression: str | None) -> str | None:
        """SQL condition for a ``_filter`` value; an absent or blank filter selects everything."""
        if expression is None or not expression.strip():
            return None
        return compile_filter(expression, self.visitor)

    def order_by(self, spec: str | None, policy: SortPolicy, *, ignore_descending: bool = False) -> str:
        """ORDER BY for a ``_sort`` value; absent or blank means the tie-break key alone."""
        if spec is not None and not spec.strip():
            spec = None
        return compile_sort(spec, self.sortable, policy, ignore_descending=ignore_descending)


@dataclass(frozen=True)
class Routes:
    lists: dict[str, Collection]    # route template of the collection path -> collection
    items: dict[str, Collection]    # route template of the item path -> collection


SourceOf = Callable[[Resource], Source]


def _collection(profile: Profile, resource: Resource, source: Source, store: Store, me: str,
                startswith_anywhere: bool) -> Collection:
    columns = store.fields(source.table)
    unknown = [k for k in resource.sortable if k.lower() not in columns]
    if unknown:
        raise ValueError(f"profile {profile.id}: {resource.name} sortable {unknown} have no column in the store")
    filtering = profile.filtering
    visitor = FilterVisitor(filter_fields(resource.filterable, columns), filtering.get("functions", ()),
                            filtering.get("operators", ()), startswith_anywhere=startswith_anywhere)
    return Collection(
        resource=resource, source=source, key=resource.collection_key or resource.name,
        base=source.condition(me), visitor=visitor, sortable={k.lower(): columns[k.lower()] for k in resource.sortable},
        not_found=not_found_message(resource),
    )


def _parent(profile: Profile, child: Collection, built: Mapping[str, Collection], store: Store) -> Parent:
    resource = child.resource
    parent = built.get(resource.parent_resource or "")
    if parent is None:
        raise ValueError(f"profile {profile.id}: {resource.name} names no known parent_resource")
    own = store.fields(child.table)
    columns = {}
    for param in resource.parents:
        if param.lower() not in own:
            raise ValueError(f"profile {profile.id}: {resource.name} path parameter {param} has no column")
        columns[param] = own[param.lower()].name
    return Parent(table=parent.table, base=parent.base, not_found=parent.not_found,
                  fields=dict(resource.parents), columns=columns)


def collections_for(profile: Profile, store: Store, source_of: SourceOf, me: str, *,
                    startswith_anywhere: bool = False) -> Routes:
    """Every resource of the profile, keyed by the route templates of its collection and item paths."""
    built = {r.name: _collection(profile, r, source_of(r), store, me, startswith_anywhere)
             for r in profile.resources}
    lists: dict[str, Collection] = {}
    items: dict[str, Collection] = {}
    for name, collection in built.items():
        if collection.resource.parents:
            collection = built[name] = replace(collection, parent=_parent(profile, collection, built, store))
        lists[route_template(collection.resource.path)] = collection
        if collection.resource.item_path:
            items[route_template(collection.resource.item_path)] = collection
    return Routes(lists, items)

