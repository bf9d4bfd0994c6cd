"""Turn ``_filter`` and ``_sort`` values into SQLite ``WHERE`` and ``ORDER BY`` clauses.

Filters are parsed by ``conformance.odata.parse`` (odata-query, with the OData v2
forms normalised) and rendered by a subclass of odata-query's SQLite visitor
that resolves field names without regard to case against the resource's
filterable fields, renders datetime and guid literals in the stored formats,
keeps string functions case-sensitive, and rejects anything the profile does
not list (unknown fields, operators, functions, mismatched literal types).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from odata_query import ast
from odata_query.exceptions import ODataException
from odata_query.sql.sqlite import AstToSqliteSqlVisitor

from conformance.odata import FilterSyntaxError, field_path, parse
from conformance.simulator.store import LOWER, UPPER, Column


class QueryError(ValueError):
    """A ``_filter`` or ``_sort`` value the API rejects (answered as a validation error)."""


_COMPARATORS = {ast.Eq: "eq", ast.NotEq: "ne", ast.Gt: "gt", ast.GtE: "ge", ast.Lt: "lt", ast.LtE: "le"}
_LITERAL_KINDS = {
    ast.String: "string", ast.Integer: "int", ast.Float: "number", ast.DateTime: "datetime",
    ast.Date: "datetime", ast.GUID: "guid", ast.Boolean: "bool", ast.Null: "null",
}
_COMPATIBLE = {
    "string": {"string"}, "guid": {"guid", "string"}, "datetime": {"datetime", "string"},
    "int": {"int"}, "number": {"int", "number"}, "bool": {"bool"},
}
_BOOLEAN_FUNCTIONS = {"contains", "startswith", "endswith"}
_STRING_FUNCTIONS = {"tolower", "toupper"}


@dataclass(frozen=True)
class Field:
    """One filterable field: the SQL column and the kind the profile gives it."""

    column: str
    kind: str
    name: str = ""


def filter_fields(filterable: Mapping[str, str], columns: Mapping[str, Column]) -> dict[str, Field]:
    """Lower-cased API path -> Field, from the profile's filterable map and the store's columns."""
    fields: dict[str, Field] = {}
    for path, kind in filterable.items():
        column = columns.get(path.lower())
        if column is None:
            raise ValueError(f"filterable field {path!r} has no column in the store")
        fields[path.lower()] = Field(column.name, kind, path)
    return fields


class FilterVisitor(AstToSqliteSqlVisitor):
    """odata-query's SQLite visitor, held to what the profile allows and the stored formats."""

    def __init__(self, fields: Mapping[str, Field], functions: Iterable[str], operators: Iterable[str],
                 *, startswith_anywhere: bool = False) -> None:
        super().__init__()
        self.fields = fields
        self.functions = {f.lower() for f in functions}
        if "substringof" in self.functions:
            self.functions.add("contains")      # substringof(a, b) arrives as contains(b, a)
        self.operators = {o.lower() for o in operators}
        self.startswith_anywhere = startswith_anywhere

    # -- names and literals -------------------------------------------------------------------
    def _field(self, node: ast._Node) -> Field:
        path = field_path(node)
        found = self.fields.get(path.lower()) if path else None
        if found is None:
            known = ", ".join(sorted(f.name for f in self.fields.values()))
            raise QueryError(f"'{path}' is not a filterable field (known: {known})")
        return found

    def visit_Identifier(self, node: ast.Identifier) -> str:
        return f'"{self._field(node).column}"'

    def visit_Attribute(self, node: ast.Attribute) -> str:
        return f'"{self._field(node).column}"'

    def visit_DateTime(self, node: ast.DateTime) -> str:
        try:
            when = datetime.fromisoformat(node.val.replace("Z", "+00:00"))
        except ValueError:
            raise QueryError(f"'{node.val}' is not a valid datetime") from None
        if when.tzinfo is not None:
            when = when.astimezone(UTC).replace(tzinfo=None)
        return f"'{when.isoformat()}'"

    def visit_Date(self, node: ast.Date) -> str:
        return f"'{node.val}T00:00:00'"

    def visit_GUID(self, node: ast.GUID) -> str:
        return f"'{node.val.lower()}'"

    def visit_USub(self, node: ast.USub) -> str:
        return "-"

    def generic_visit(self, node: ast._Node) -> Any:
        raise QueryError(f"{type(node).__name__} is not supported in a filter")

    # -- operators ----------------------------------------------------------------------------
    def visit_BinOp(self, node: ast.BinOp) -> str:
        raise QueryError(f"arithmetic ({type(node.op).__name__.lower()}) is not supported in a filter")

    def visit_BoolOp(self, node: ast.BoolOp) -> str:
        self._operator("and" if isinstance(node.op, ast.And) else "or")
        _require_boolean(node.left)
        _require_boolean(node.right)
        return f"({super().visit_BoolOp(node)})"

    def visit_UnaryOp(self, node: ast.UnaryOp) -> str:
        if isinstance(node.op, ast.Not):
            self._operator("not")
            _require_boolean(node.operand)
            return f"NOT ({self.visit(node.operand)})"
        if isinstance(node.operand, ast.Integer | ast.Float):
            return f"-{self.visit(node.operand)}"
        raise QueryError("unary minus applies to numbers only")

    def visit_Compare(self, node: ast.Compare) -> str:
        name = _COMPARATORS.get(type(node.comparator))
        if name is None:
            raise QueryError(f"operator {type(node.comparator).__name__.lower()} is not supported")
        self._operator(name)
        self._check_types(node.left, node.right)
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.left, ast.Null):
            left, right = right, left
        if isinstance(node.left, ast.Null) or isinstance(node.right, ast.Null):
            if name in ("eq", "ne"):
                return f"({left} IS {'NOT ' if name == 'ne' else ''}NULL)"
            return "(NULL)"   # ordering against null is unknown: no row
        return f"({left} {self.visit(node.comparator)} {right})"

    def _operator(self, name: str) -> None:
        if name not in self.operators:
            raise QueryError(f"operator {name} is not supported")

    def _check_types(self, left: ast._Node, right: ast._Node) -> None:
        kinds = [self._kind(left), self._kind(right)]
        if "null" in kinds or ("bool-result" in kinds and "bool" in kinds):
            return
        a, b = kinds
        if b not in _COMPATIBLE.get(a, {a}) and a not in _COMPATIBLE.get(b, {b}):
            raise QueryError(f"cannot compare a {a} with a {b}")

    def _kind(self, node: ast._Node) -> str:
        if field_path(node) is not None:
            return self._field(node).kind
        if isinstance(node, ast.Call):
            if node.func.name.lower() not in self.functions:
                raise QueryError(f"function {node.func.name} is not supported")
            return "string" if node.func.name.lower() in _STRING_FUNCTIONS else "bool-result"
        if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Integer | ast.Float):
            return self._kind(node.operand)
        kind = _LITERAL_KINDS.get(type(node))
        if kind is None:
            raise QueryError(f"{type(node).__name__} is not supported in a comparison")
        return kind

    # -- functions ----------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> str:
        name = node.func.name.lower()
        if name not in self.functions:
            raise QueryError(f"function {node.func.name} is not supported")
        expected = 2 if name in _BOOLEAN_FUNCTIONS else 1
        if len(node.args) != expected:
            raise QueryError(f"{node.func.name} takes {expected} argument(s)")
        for arg in node.args:
            if self._kind(arg) not in ("string", "guid"):
                raise QueryError(f"{node.func.name} takes string arguments")
        return str(super().visit_Call(node))

    def sqlfunc_tolower(self, arg: ast._Node) -> str:
        return f"{LOWER}({self.visit(arg)})"

    def sqlfunc_toupper(self, arg: ast._Node) -> str:
        return f"{UPPER}({self.visit(arg)})"

    def sqlfunc_contains(self, *args: ast._Node) -> str:
        haystack, needle = (self.visit(a) for a in args)
        return f"(instr({haystack}, {needle}) > 0)"

    def sqlfunc_startswith(self, *args: ast._Node) -> str:
        if self.startswith_anywhere:
            return self.sqlfunc_contains(*args)
        text, prefix = (self.visit(a) for a in args)
        return f"(instr({text}, {prefix}) = 1)"

    def sqlfunc_endswith(self, *args: ast._Node) -> str:
        text, suffix = (self.visit(a) for a in args)
        start = f"length({text}) - length({suffix}) + 1"
        return f"(length({text}) >= length({suffix}) AND substr({text}, {start}) = {suffix})"


def _require_boolean(node: ast._Node) -> None:
    if isinstance(node, ast.Compare | ast.BoolOp):
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return
    if isinstance(node, ast.Call) and node.func.name.lower() in _BOOLEAN_FUNCTIONS:
        return
    raise QueryError("a filter must be a condition (a comparison, a boolean function or and/or/not)")


def compile_filter(expression: str, visitor: FilterVisitor) -> str:
    """The SQL condition for an OData filter; QueryError for anything the API rejects."""
    try:
        tree = parse(expression)
    except FilterSyntaxError as exc:
        raise QueryError(f"invalid filter: {exc}") from None
    _require_boolean(tree)
    try:
        return str(visitor.visit(tree))
    except ODataException as exc:
        raise QueryError(f"invalid filter: {exc}") from None


@dataclass(frozen=True)
class SortPolicy:
    """The profile's [sorting] section: prefix, separator, nulls, case, tie-break."""

    separator: str = ","
    descending_prefix: str = "-"
    nulls_first: bool = True
    case_insensitive: bool = True
    tie_break: str | None = "id"

    @classmethod
    def from_profile(cls, sorting: Mapping[str, Any]) -> SortPolicy:
        return cls(
            separator=sorting.get("separator", ","), descending_prefix=sorting.get("descending_prefix", "-"),
            nulls_first=sorting.get("nulls", "first") == "first",
            case_insensitive=bool(sorting.get("case_insensitive", True)), tie_break=sorting.get("tie_break"),
        )


def _order_term(column: Column, descending: bool, policy: SortPolicy) -> str:
    collate = " COLLATE NOCASE" if policy.case_insensitive and column.sql_type == "TEXT" else ""
    nulls_low = policy.nulls_first
    direction = "DESC" if descending else "ASC"
    nulls = "FIRST" if nulls_low != descending else "LAST"
    return f'"{column.name}"{collate} {direction} NULLS {nulls}'


def compile_sort(spec: str | None, sortable: Mapping[str, Column], policy: SortPolicy,
                 *, ignore_descending: bool = False) -> str:
    """ORDER BY for a ``_sort`` value; keys matched without regard to case; ties broken by the tie-break key."""
    terms: list[str] = []
    used: set[str] = set()
    for raw in (spec.split(policy.separator) if spec is not None else []):
        key = raw.strip()
        descending = key.startswith(policy.descending_prefix)
        if descending:
            key = key[len(policy.descending_prefix):].strip()
        column = sortable.get(key.lower())
        if column is None:
            known = ", ".join(sorted(c.path or c.name for c in sortable.values()))
            raise QueryError(f"'{raw.strip()}' is not a sortable field (known: {known})")
        terms.append(_order_term(column, descending and not ignore_descending, policy))
        used.add(key.lower())
    tie = policy.tie_break
    if tie and tie.lower() not in used:
        terms.append(f'"{tie}" ASC')
    return ", ".join(terms) if terms else '"rowid" ASC'
