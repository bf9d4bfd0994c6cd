"""What ``lmsconf compare`` writes: a table on the terminal, DIR/compare/compare.json, the two captures, and one
Allure result per operation in DIR/compare/allure-results (so ``lmsconf report`` shows a compare section)."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from conformance.compare.engine import Finding, OpResult


def document(a: dict[str, Any], b: dict[str, Any], results: Sequence[OpResult], exit_code: int) -> dict[str, Any]:
    return {"a": a, "b": b,
            "expected": sum(len(r.expected) for r in results),
            "unexpected": sum(len(r.unexpected) for r in results),
            "rows": sorted({p.row for r in results for p in r.op.predictions}),
            "operations": [r.to_json() for r in results], "exit_code": exit_code}


def _finding(f: Finding) -> str:
    numbers = ", ".join(str(p.row) for p in f.rows)
    where = f" ({f.rows[0].source} row{'s' if len(f.rows) > 1 else ''} {numbers}: {f.rows[0].text})" if f.rows else ""
    values = f" A={json.dumps(f.a, default=str)[:60]} B={json.dumps(f.b, default=str)[:60]}" \
        if f.kind in ("type-changed", "value-changed", "status-changed") else ""
    count = f" in {f.records} record(s)" if f.records else ""
    return f"{f.kind} {f.path}{count}{values}{where}"


def table(results: Sequence[OpResult], a: str, b: str, out: TextIO) -> None:
    """One line per operation (records compared, expected and unexpected counts, the rows it answers for),
    then every unexpected difference, then every expected one with its row."""
    print(f"compare A={a}  B={b}", file=out)
    width = max([len(r.op.name) for r in results] + [9])
    print(f"{'operation':<{width}}  {'records':>7}  {'expected':>8}  {'unexpected':>10}  rows", file=out)
    for r in results:
        rows = ",".join(str(p.row) for p in r.op.predictions) or "-"
        mark = "  <-- UNEXPECTED" if r.unexpected else ""
        print(f"{r.op.name:<{width}}  {r.compared:>7}  {len(r.expected):>8}  {len(r.unexpected):>10}  {rows}{mark}",
              file=out)
    for title, pick in (("unexpected", lambda r: r.unexpected), ("expected", lambda r: r.expected)):
        found = [(r, f) for r in results for f in pick(r)]
        if found:
            print(f"\n{title} differences ({len(found)}):", file=out)
            for r, f in found:
                print(f"  {r.op.name}: {_finding(f)}", file=out)


def _attachment(results_dir: Path, name: str, body: str) -> dict[str, str]:
    source = f"{uuid.uuid4()}-attachment.json"
    (results_dir / source).write_text(body, encoding="utf-8")
    return {"name": name, "source": source, "type": "application/json"}


def allure_results(results_dir: Path, results: Sequence[OpResult], title: str,
                   redact: Callable[[str], str]) -> None:
    """One result per compared operation: failed when it has an unexpected difference, the diff attached."""
    results_dir.mkdir(parents=True, exist_ok=True)
    now = int(time.time() * 1000)
    for r in results:
        history = hashlib.sha256(f"compare:{title}:{r.op.name}".encode()).hexdigest()
        message = "; ".join(_finding(f) for f in r.unexpected[:5]) or \
            f"{r.compared} record(s) compared; {len(r.expected)} expected difference(s)"
        result = {
            "uuid": str(uuid.uuid4()), "historyId": history, "testCaseId": history,
            "name": f"compare {r.op.name}", "fullName": f"compare.{title}.{r.op.name}",
            "status": "failed" if r.unexpected else "passed",
            "statusDetails": {"message": redact(message)}, "stage": "finished", "start": now, "stop": now,
            "labels": [{"name": "epic", "value": "compare"}, {"name": "parentSuite", "value": "compare"},
                       {"name": "suite", "value": title}, {"name": "feature", "value": "versions"},
                       {"name": "story", "value": r.op.name}, {"name": "tag", "value": "compare"}],
            "parameters": [{"name": "A", "value": str(r.a.get("request"))},
                           {"name": "B", "value": str(r.b.get("request"))},
                           {"name": "rows", "value": ",".join(str(p.row) for p in r.op.predictions) or "-"}],
            "attachments": [_attachment(results_dir, "differences", redact(json.dumps(r.to_json(), indent=2)))],
        }
        (results_dir / f"{result['uuid']}-result.json").write_text(json.dumps(result), encoding="utf-8")


def write_json(path: Path, value: Any, redact: Callable[[str], str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact(json.dumps(value, indent=2, default=str)) + "\n", encoding="utf-8")
