"""Evaluate an OData filter locally over rows already fetched: the oracle for filtering rules.

The target filters on its side; this module decides independently which rows the
same expression selects, with SQL's three-valued logic (a comparison with null is
unknown, and unknown rows are not selected), field names matched without regard
to case, and datetime / guid literals compared as values.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from odata_query import ast

from conformance.odata import field_path

Tri = bool | None

_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Gt: operator.gt,
    ast.GtE: operator.ge, ast.Lt: operator.lt, ast.LtE: operator.le,
}


def parse_datetime(value: str) -> datetime | None:
    """ISO 8601 with or without a zone; naive values are UTC."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def lookup(row: Mapping[str, Any], path: str) -> Any:
    """Value at 'a/b' in a row, keys matched without regard to case; None when absent."""
    current: Any = row
    for part in path.split("/"):
        if not isinstance(current, Mapping):
            return None
        if part in current:
            current = current[part]
            continue
        folded = {str(k).lower(): v for k, v in current.items()}
        current = folded.get(part.lower())
    return current


def _literal(node: ast._Node) -> Any:
    if isinstance(node, ast.Null):
        return None
    if isinstance(node, ast.Integer):
        return int(node.val)
    if isinstance(node, ast.Float):
        return float(node.val)
    if isinstance(node, ast.Boolean):
        return node.val.lower() == "true"
    if isinstance(node, ast.DateTime):
        return parse_datetime(node.val)
    if isinstance(node, ast.GUID):
        return node.val.lower()
    if isinstance(node, ast.String):
        return node.val
    raise ValueError(f"unsupported literal {type(node).__name__}")


def _coerce(left: Any, right: Any) -> tuple[Any, Any]:
    if isinstance(right, datetime) and isinstance(left, str):
        return parse_datetime(left), right
    if isinstance(left, datetime) and isinstance(right, str):
        return left, parse_datetime(right)
    return left, right


class Evaluator:
    """Evaluates one parsed filter against rows."""

    def __init__(self, tree: ast._Node, guid_fields: frozenset[str] = frozenset()) -> None:
        self.tree = tree
        self.guid_fields = frozenset(f.lower() for f in guid_fields)

    def selects(self, row: Mapping[str, Any]) -> bool:
        return self._truth(self.tree, row) is True

    def _value(self, node: ast._Node, row: Mapping[str, Any]) -> Any:
        path = field_path(node)
        if path is not None:
            value = lookup(row, path)
            return value.lower() if isinstance(value, str) and path.lower() in self.guid_fields else value
        if isinstance(node, ast.Call):
            return self._call(node, row)
        return _literal(node)

    def _call(self, node: ast.Call, row: Mapping[str, Any]) -> Any:
        name = node.func.name.lower()
        args = [self._value(a, row) for a in node.args]
        if any(a is None for a in args):
            return None
        if name == "tolower":
            return str(args[0]).lower()
        if name == "toupper":
            return str(args[0]).upper()
        if name == "contains":
            return str(args[1]) in str(args[0])
        if name == "startswith":
            return str(args[0]).startswith(str(args[1]))
        if name == "endswith":
            return str(args[0]).endswith(str(args[1]))
        raise ValueError(f"unsupported function {name}")

    def _truth(self, node: ast._Node, row: Mapping[str, Any]) -> Tri:
        if isinstance(node, ast.BoolOp):
            left, right = self._truth(node.left, row), self._truth(node.right, row)
            if isinstance(node.op, ast.And):
                return False if False in (left, right) else (None if None in (left, right) else True)
            return True if True in (left, right) else (None if None in (left, right) else False)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self._truth(node.operand, row)
            return None if inner is None else not inner
        if isinstance(node, ast.Compare):
            return self._compare(node, row)
        value = self._value(node, row)
        return None if value is None else bool(value)

    def _compare(self, node: ast.Compare, row: Mapping[str, Any]) -> Tri:
        left, right = self._value(node.left, row), self._value(node.right, row)
        is_null_test = isinstance(node.right, ast.Null) or isinstance(node.left, ast.Null)
        if is_null_test and type(node.comparator) in (ast.Eq, ast.NotEq):
            same = left is None and right is None
            return same if isinstance(node.comparator, ast.Eq) else not same
        left, right = _coerce(left, right)
        if left is None or right is None:
            return None
        try:
            return _COMPARE[type(node.comparator)](left, right)
        except TypeError:
            return None
