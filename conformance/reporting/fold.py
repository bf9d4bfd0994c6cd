"""The default report folds each passed test into the results of the rules it checked.

A full run holds well over a thousand passed tests; as results of their own each would weigh on the single
report file three times (its page, the search index, the tree). Here, in the trimmed copy only, each rule's
result gets one index of its passed tests (a heading per test, then one line per exchange, the base URL stated
once) and the first passed test's first exchange in full; a test checking several rules is indexed under the
first, and named, with where its exchanges are, under the others (the Allure generator embeds a shared
attachment once but links it from the first result naming it only). Failed, broken and skipped tests keep
their own results, and so does a passed test with an earlier failed attempt.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conformance.reporting.summary import read_object

RULE_OUTCOME = {"name": "tag", "value": "rule-outcome"}
INDEX_PREFIX = "exchanges ("   # the name of a test's one-line-per-exchange index (conformance/reporting/allure.py)
BASE = re.compile(r" (https?://[^/\s]+)(?=/|\s|$)")


def rules_of(data: dict[str, Any]) -> list[str]:
    """The rule ids a result carries (its "rule" labels), in order, once each."""
    return list(dict.fromkeys(str(x.get("value")) for x in data.get("labels", []) if x.get("name") == "rule"))


def _all_attachments(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A fixture's or step's attachments, then those of its steps, depth first."""
    yield from item.get("attachments", [])
    for step in item.get("steps", []):
        yield from _all_attachments(step)


def _attempt(data: dict[str, Any]) -> tuple[str, str]:
    """What the attempts of one test (a retried test's) share."""
    return str(data.get("historyId")), str(data.get("name"))


class Fold:
    """The results of one profile's trimmed copy, with the passed tests to fold into their rules."""

    def __init__(self, results: Path) -> None:
        self.results = results
        self.loaded = {p: d for p in sorted(results.glob("*-result.json")) if (d := read_object(p)) is not None}
        self.rules: dict[str, dict[str, Any]] = {}
        for data in self.loaded.values():
            if RULE_OUTCOME in data.get("labels", []):
                for rule in rules_of(data):
                    self.rules.setdefault(rule, data)
        retried = {_attempt(d) for d in self.loaded.values() if d.get("status") != "passed"}
        self.folded = {p: d for p, d in self.loaded.items() if self._folds(d, retried)}

    def _folds(self, data: dict[str, Any], retried: set[tuple[str, str]]) -> bool:
        return (data.get("status") == "passed" and RULE_OUTCOME not in data.get("labels", [])
                and bool(self.rules_of(data)) and _attempt(data) not in retried)

    def rules_of(self, data: dict[str, Any]) -> list[str]:
        """The rules a test checked that have a result of their own."""
        return [r for r in rules_of(data) if r in self.rules]

    def fixture_attachments(self) -> dict[str, list[dict[str, Any]]]:
        """Folded test uuid -> the attachments of its fixtures; their containers lose the folded tests."""
        uuids = {str(d.get("uuid")) for d in self.folded.values()}
        found: dict[str, list[dict[str, Any]]] = {}
        for path in sorted(self.results.glob("*-container.json")):
            data = read_object(path)
            if data is None or not uuids & set(data.get("children", [])):
                continue
            attachments = [a for f in data.get("befores", []) + data.get("afters", []) for a in _all_attachments(f)]
            for child in uuids & set(data.get("children", [])):
                found.setdefault(child, []).extend(attachments)
            data["children"] = [c for c in data.get("children", []) if c not in uuids]
            if data["children"]:
                path.write_text(json.dumps(data), encoding="utf-8")
            else:
                path.unlink()
        return found

    def _read(self, attachment: dict[str, Any]) -> str:
        """A text attachment's content; its file goes (what it says moves to the rule's index)."""
        path = self.results / str(attachment.get("source", ""))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""
        path.unlink()
        return text.rstrip("\n")

    def _drop(self, attachments: list[dict[str, Any]]) -> None:
        for gone in attachments:
            (self.results / str(gone.get("source", ""))).unlink(missing_ok=True)

    def _fold_test(self, test: dict[str, Any], own: list[dict[str, Any]], index: Index) -> None:
        """One passed test into its first rule's index (and attachments), named in its other rules' index."""
        rules, name = self.rules_of(test), str(test.get("name", "test"))
        lines = [self._read(a) for a in own if str(a.get("name", "")).startswith(INDEX_PREFIX)]
        took = int(test.get("stop", 0)) - int(test.get("start", 0))
        index.add(rules[0], f"{name}  ({took} ms)", [line for text in lines for line in text.splitlines()])
        rest = [a for a in own if not str(a.get("name", "")).startswith(INDEX_PREFIX)]
        exchanges = [a for a in rest if str(a.get("name", "")).startswith("#")]
        if index.showed(rules[0]):   # only the first passed test of a rule keeps its first exchange whole
            self._drop(exchanges)
            rest = [a for a in rest if a not in exchanges]
        target = self.rules[rules[0]].setdefault("attachments", [])
        target.extend({**a, "name": f"{name}: {a.get('name', '')}"} for a in rest)
        for rule in rules[1:]:
            index.add(rule, f"{name}: its exchanges are under rule {rules[0]}", [])

    def apply(self) -> int:
        """Fold the passed tests; the number folded."""
        attachments = self.fixture_attachments()
        index = Index()
        for path, test in sorted(self.folded.items(), key=lambda item: item[1].get("start", 0)):
            own = [*test.get("attachments", []), *attachments.get(str(test.get("uuid")), [])]
            self._fold_test(test, own, index)
            path.unlink()
        for rule, data in self.rules.items():
            if rule in index.sections:
                data.setdefault("attachments", []).insert(0, index.attachment(self.results, rule))
        for path, data in self.loaded.items():
            if RULE_OUTCOME in data.get("labels", []):
                path.write_text(json.dumps(data), encoding="utf-8")
        return len(self.folded)


class Index:
    """Each rule's index of its passed tests: a heading per test, then one line per exchange, the base URL
    stated once above when every line shares it."""

    def __init__(self) -> None:
        self.sections: dict[str, list[tuple[str, list[str]]]] = {}
        self._shown: set[str] = set()

    def add(self, rule: str, heading: str, lines: list[str]) -> None:
        self.sections.setdefault(rule, []).append((heading, lines))

    def showed(self, rule: str) -> bool:
        """Whether an earlier test of ``rule`` already shows its first exchange (then marks it shown)."""
        seen = rule in self._shown
        self._shown.add(rule)
        return seen

    def text(self, rule: str) -> str:
        sections = self.sections[rule]
        bases = {m for _, lines in sections for line in lines for m in BASE.findall(line)}
        base = bases.pop() if len(bases) == 1 else None
        rows = [[(line.replace(f" {base}", " ") if base else line) for line in lines] for _, lines in sections]
        widths = _widths([line for lines in rows for line in lines])
        out = [f"base URL: {base}", ""] if base else []
        for (heading, _), lines in zip(sections, rows, strict=True):
            out.append(heading)
            out.extend("  " + _aligned(line, widths) for line in lines)
        return "\n".join(out) + "\n"

    def attachment(self, results: Path, rule: str) -> dict[str, str]:
        source = f"{uuid.uuid4()}-attachment.txt"
        (results / source).write_text(self.text(rule), encoding="utf-8")
        tests = sum(1 for _, lines in self.sections[rule] if lines)
        return {"name": f"exchanges of the passed tests ({tests})", "source": source, "type": "text/plain"}


def _columns(line: str) -> list[str] | None:
    """An index line's columns (number, method, status, size, "B", time, "ms"), then the rest; None when it
    is not one."""
    parts = line.split(maxsplit=7)
    return parts if len(parts) == 8 and parts[4] == "B" and parts[6] == "ms" else None


def _widths(lines: list[str]) -> list[int]:
    columns = [c for c in map(_columns, lines) if c]
    return [max((len(c[i]) for c in columns), default=0) for i in range(7)]


def _aligned(line: str, widths: list[int]) -> str:
    """An index line with its columns as wide as this index needs (numbers right-aligned)."""
    columns = _columns(line)
    if columns is None:
        return line
    pairs = zip(columns[:7], widths, strict=True)
    cells = [c.rjust(w) if i in (3, 5) else c.ljust(w) for i, (c, w) in enumerate(pairs)]
    return " ".join(cells) + "  " + columns[7]


def folded(results: Path) -> int:
    """Fold the passed tests of the trimmed copy at ``results`` into their rules' results; how many."""
    return Fold(results).apply()
