"""The profile's resources as servable collections: table, wrapper key, filter and sort maps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from conformance.profiles import Profile
from conformance.simulator.query import FilterVisitor, SortPolicy, compile_filter, compile_sort, filter_fields
from conformance.simulator.store import SCHEMA, Column, Store


@dataclass(frozen=True)
class Collection:
    """One paginated resource backed by the store table of the same name."""

    table: str
    key: str
    visitor: FilterVisitor
    sortable: Mapping[str, Column]
    not_found: str

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
    lists: dict[str, Collection]    # collection path -> collection
    items: dict[str, Collection]    # item path -> collection


def collections_for(profile: Profile, store: Store, *, startswith_anywhere: bool = False) -> Routes:
    """Every profile resource the store has a table for, keyed by its collection and item paths."""
    filtering = profile.filtering
    lists: dict[str, Collection] = {}
    items: dict[str, Collection] = {}
    for resource in profile.resources:
        if resource.name not in SCHEMA:
            continue
        columns = store.fields(resource.name)
        unknown = [k for k in resource.sortable if k.lower() not in columns]
        if unknown:
            raise ValueError(f"profile {profile.id}: sortable {unknown} have no column in the store")
        visitor = FilterVisitor(
            filter_fields(resource.filterable, columns), filtering.get("functions", ()),
            filtering.get("operators", ()), startswith_anywhere=startswith_anywhere,
        )
        singular = resource.name[:-1] if resource.name.endswith("s") else resource.name
        collection = Collection(
            table=resource.name, key=resource.collection_key or resource.name, visitor=visitor,
            sortable={k.lower(): columns[k.lower()] for k in resource.sortable},
            not_found=f"{singular.capitalize()} not found",
        )
        lists[resource.path] = collection
        if resource.item_path:
            items[resource.item_path] = collection
    return Routes(lists, items)
