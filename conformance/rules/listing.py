"""`lmsconf rules`: every rule with its area, the seed section it enforces, whether checking it writes to the target
or spends its rate-limit quota, the faults that break it and the profiles that apply it.

Whether a rule writes or spends quota is read from the suites themselves, without running or collecting them: a
rule "writes" when a test that carries it (``@pytest.mark.rule(...)``) is marked ``writes`` (``--read-only`` leaves
that test out), and spends quota when one is marked ``quota`` (``-m "not quota"`` leaves it out). The README's rule
table is this module's markdown (tests/test_rules_listing.py keeps them equal).
"""

from __future__ import annotations

import ast
import importlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from conformance import profiles, vendors
from conformance.paths import PACKAGE

FORMATS = ("table", "json", "markdown")
FEATURES = ("writes", "quota")


@dataclass(frozen=True)
class Listed:
    id: str
    area: str
    summary: str
    cites: str
    writes: bool
    quota: bool
    faults: tuple[str, ...]
    profiles: tuple[str, ...]


def _mark(node: ast.expr) -> ast.Call | ast.Attribute | None:
    """``pytest.mark.X`` or ``pytest.mark.X(...)``; None for anything else."""
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute) and target.value.attr == "mark":
        return node if isinstance(node, ast.Call | ast.Attribute) else None
    return None


def _mark_name(node: ast.Call | ast.Attribute) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    assert isinstance(target, ast.Attribute)
    return target.attr


def _imported(tree: ast.Module, name: str) -> object:
    """The value of a module-level name a rule marker spreads (``rule(*RULE_IDS)``), from its import."""
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and any((a.asname or a.name) == name for a in node.names):
            return getattr(importlib.import_module(node.module), name)
    raise ValueError(f"cannot resolve the rule ids in *{name}")


def _rule_ids(tree: ast.Module, call: ast.Call) -> list[str]:
    ids: list[str] = []
    for arg in call.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            ids.append(arg.value)
        elif isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name):
            ids += [str(i) for i in _imported(tree, arg.value.id)]   # type: ignore[attr-defined]
        else:
            raise ValueError(f"a rule marker's ids must be strings, not {ast.dump(arg)}")
    return ids


def _module_marks(tree: ast.Module) -> set[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            values = node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else [node.value]
            return {_mark_name(m) for m in (_mark(v) for v in values) if m is not None}
    return set()


def _tests(path: Path) -> Iterator[tuple[list[str], set[str]]]:
    """(rule ids, feature markers) of each test function in one suite module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_marks(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or not node.name.startswith("test"):
            continue
        marks = [m for m in (_mark(d) for d in node.decorator_list) if m is not None]
        ids = [rid for m in marks if isinstance(m, ast.Call) and _mark_name(m) == "rule" for rid in _rule_ids(tree, m)]
        yield ids, module | {_mark_name(m) for m in marks}


def suite_dirs(profile: profiles.Profile | None = None) -> list[Path]:
    """The generic suites, then every vendor's (or only the profile's vendor's)."""
    chosen = vendors.vendors() if profile is None else [v for v in [vendors.vendor_of(profile.id)] if v is not None]
    return [PACKAGE / "suites", *(v.suites for v in chosen if v.suites is not None)]


def features(folders: Iterable[Path]) -> dict[str, set[str]]:
    """Rule id -> the feature markers (writes, quota) of the tests that carry it."""
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in sorted(folder.glob("test_*.py")):
            for ids, marks in _tests(path):
                for rid in ids:
                    found.setdefault(rid, set()).update(marks & set(FEATURES))
    return found


def listed(profile: profiles.Profile | None = None) -> list[Listed]:
    """Every registered rule (or the profile's), sorted by id."""
    from conformance.rules import REGISTRY
    from conformance.simulator.faults import FAULTS

    shipped = [profiles.load(name) for name in profiles.available()]
    marks = features(suite_dirs(profile))
    ids = sorted(profile.rules if profile is not None else REGISTRY)
    rows = []
    for rid in ids:
        rule = REGISTRY[rid]
        found = marks.get(rid, set())
        rows.append(Listed(
            id=rid, area=rule.area, summary=rule.summary, cites=rule.cites,
            writes="writes" in found, quota="quota" in found,
            faults=tuple(f.name for f in FAULTS.values() if f.rule == rid),
            profiles=tuple(p.id for p in shipped if p.applies(rid)),
        ))
    return rows


def as_json(rows: list[Listed], profile: str | None = None) -> str:
    document = {"profile": profile, "rules": [asdict(row) for row in rows]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _names(names: Iterable[str], quote: str = "`") -> str:
    return ", ".join(f"{quote}{n}{quote}" for n in names)


MARKDOWN_HEAD = ("| rule | area | checks | seed section | writes | quota | faults that break it | profiles |\n"
                 "|---|---|---|---|---|---|---|---|\n")


def as_markdown(rows: list[Listed]) -> str:
    lines = [f"| `{r.id}` | {r.area} | {_cell(r.summary)} | {_cell(r.cites)} | {_yes(r.writes)} | {_yes(r.quota)} "
             f"| {_names(r.faults)} | {', '.join(r.profiles)} |\n" for r in rows]
    return MARKDOWN_HEAD + "".join(lines)


def as_table(rows: list[Listed]) -> str:
    """Aligned columns for a terminal, the faults last on each row and the seed section on an indented line below."""
    head = ("RULE", "AREA", "WRITES", "QUOTA", "FAULTS")
    body = [(r.id, r.area, _yes(r.writes), _yes(r.quota), _names(r.faults, "") or "-") for r in rows]
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head) - 1)]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]]).rstrip() + "\n"

    return line(head) + "".join(line(row) + f"    seed: {r.cites}\n" for row, r in zip(body, rows, strict=True))


def render(fmt: str, profile: profiles.Profile | None = None) -> str:
    rows = listed(profile)
    if fmt == "json":
        return as_json(rows, profile.id if profile is not None else None)
    return as_markdown(rows) if fmt == "markdown" else as_table(rows)
