"""OData filter parsing shared by the simulator and the rules.

Absorb documents OData v2 forms (seed 003, Appendix A "Filtering": substringof,
guid'...' and datetime'...' literals); odata-query parses OData v4. A thin
normalisation maps the v2 forms onto v4 so odata-query does the real parsing:
``substringof(a, b)`` -> ``contains(b, a)``, ``datetime'x'`` -> ``x``,
``guid'x'`` -> ``x``, function names matched without regard to case, and the
typographic quotes of the seed's own example read as plain quotes.
"""

from __future__ import annotations

import re

from odata_query import ast
from odata_query.exceptions import ODataException
from odata_query.grammar import ODataLexer, ODataParser

FUNCTIONS = ("substringof", "startswith", "endswith", "contains", "tolower", "toupper")
_FUNC_RE = re.compile(r"\b(" + "|".join(FUNCTIONS) + r")\s*\(", re.IGNORECASE)
_TYPED_LITERAL_RE = re.compile(r"\b(?:datetime|guid)'([^']*)'", re.IGNORECASE)


class FilterSyntaxError(ValueError):
    """The filter expression is not valid OData."""


def _split_call(text: str, start: int) -> tuple[list[str], int]:
    """Split the arguments of a call whose '(' is at ``start``; return (args, index after ')')."""
    depth, quoted = 0, False
    args: list[str] = []
    current: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            if depth == 0:
                args.append("".join(current).strip())
                return args, i + 1
            depth -= 1
        elif not quoted and ch == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    raise FilterSyntaxError("unbalanced parentheses in filter")


def _rewrite_substringof(text: str) -> str:
    out, pos = [], 0
    pattern = re.compile(r"\bsubstringof\s*\(")
    while (match := pattern.search(text, pos)) is not None:
        args, end = _split_call(text, match.end() - 1)
        if len(args) != 2:
            raise FilterSyntaxError("substringof takes two arguments")
        needle, haystack = (_rewrite_substringof(a) for a in args)
        out.append(text[pos:match.start()])
        out.append(f"contains({haystack}, {needle})")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def normalize(expression: str) -> str:
    """Rewrite the OData v2 forms Absorb documents into OData v4."""
    text = expression.replace("\u2018", "'").replace("\u2019", "'")
    text = _FUNC_RE.sub(lambda m: m.group(1).lower() + "(", text)
    text = _TYPED_LITERAL_RE.sub(lambda m: m.group(1), text)
    return _rewrite_substringof(text)


def parse(expression: str) -> ast._Node:
    """Parse a filter (v2 or v4 forms) into an odata-query AST; FilterSyntaxError if invalid."""
    if not expression.strip():
        raise FilterSyntaxError("empty filter")
    try:
        return ODataParser().parse(ODataLexer().tokenize(normalize(expression)))
    except ODataException as exc:
        raise FilterSyntaxError(str(exc)) from None
    except (TypeError, IndexError, AttributeError) as exc:  # odata-query raises these on some garbage
        raise FilterSyntaxError(f"unparseable filter: {type(exc).__name__}") from None


def field_path(node: ast._Node) -> str | None:
    """'lastName' for Identifier, 'customFields/decimal1' for Attribute; None for anything else."""
    if isinstance(node, ast.Identifier):
        return node.name
    if isinstance(node, ast.Attribute):
        owner = field_path(node.owner)
        return None if owner is None else f"{owner}/{node.attr}"
    return None
