"""The default report stays ticket-sized: each passed test folds into its rules' results (a unit test on a
small results directory), and one profile's report stays within its share of the 10 MB a full run may take
(`assert_keeps_to_its_share`, checked on the absorb-v1_5 report of tests/test_wheel.py).

The full default run (all seven profiles) measured 8.95 MB (README, report section): 3.64 MB of it the
generator's own page, 5.31 MB the embedded results, of which absorb-v1_5's were 43%. Its single-profile
report must keep its embedded data within DATA_SHARE of what 10 MB leaves beside the page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conformance.reporting import full, trim

BOUND = 10_000_000      # bytes: the single file of a full default run
DATA_SHARE = 0.45       # absorb-v1_5's share of a full run's embedded data (measured 43%)
RULE_OUTCOME = {"name": "tag", "value": "rule-outcome"}


def write(folder: Path, name: str, data: Any) -> None:
    (folder / name).write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")


def rule_result(uuid: str, rule: str) -> dict[str, Any]:
    return {"uuid": uuid, "name": f"rule {rule}: passed", "status": "passed",
            "labels": [{"name": "story", "value": rule}, {"name": "rule", "value": rule}, RULE_OUTCOME]}


def a_test(uuid: str, status: str, rules: list[str], start: int) -> dict[str, Any]:
    return {"uuid": uuid, "name": f"test_{uuid}", "status": status, "historyId": uuid, "start": start,
            "stop": start + 5, "labels": [{"name": "rule", "value": r} for r in rules]}


def evidence(folder: Path, test: str, seq: int) -> None:
    """The plugin's evidence container for ``test``: its index, its first exchange and its curl line."""
    write(folder, f"{test}-index-attachment.txt", f"#{seq}  GET  200  12 B  1.0 ms  http://h:1/users/{seq}  (x)")
    write(folder, f"{test}-doc-attachment.json", {"request": {"body": None}, "response": {"body": "{}"}})
    write(folder, f"{test}-curl-attachment.txt", "curl http://h:1/users")
    write(folder, f"{test}-container.json", {"children": [test], "afters": [{"name": "_lmsconf_evidence::1",
          "attachments": [{"name": "exchanges (1)", "source": f"{test}-index-attachment.txt"},
                          {"name": f"#{seq} GET 200 http://h:1/users/{seq}", "source": f"{test}-doc-attachment.json"},
                          {"name": "curl", "source": f"{test}-curl-attachment.txt"}]}]})


@pytest.fixture()
def results(tmp_path: Path) -> Path:
    """Rules a.b and a.c; p1 (passed, both rules) and p2 (passed, a.b), f (failed, a.b)."""
    folder = tmp_path / "allure-results"
    folder.mkdir()
    write(folder, "ab-result.json", rule_result("ab", "a.b"))
    write(folder, "ac-result.json", rule_result("ac", "a.c"))
    for name, status, rules, start in [("p1", "passed", ["a.b", "a.c"], 1), ("p2", "passed", ["a.b"], 2),
                                       ("f", "failed", ["a.b"], 3)]:
        write(folder, f"{name}-result.json", a_test(name, status, rules, start))
        evidence(folder, name, start)
    return folder


def test_a_passed_test_folds_into_its_rules_with_its_exchanges_reachable(results: Path, tmp_path: Path) -> None:
    copy = trim.trimmed(results, tmp_path / "copy")
    assert not (copy / "p1-result.json").exists() and not (copy / "p2-result.json").exists()
    assert not (copy / "p1-container.json").exists()
    ab = json.loads((copy / "ab-result.json").read_text())
    names = [a["name"] for a in ab["attachments"]]
    assert names == ["exchanges of the passed tests (2)", "test_p1: #1 GET 200 http://h:1/users/1"]
    assert all((copy / a["source"]).is_file() for a in ab["attachments"])
    index = (copy / ab["attachments"][0]["source"]).read_text()
    assert index.startswith("base URL: http://h:1\n")
    assert "test_p1  (5 ms)\n  #1" in index and "/users/1  (x)" in index and "/users/2  (x)" in index
    assert not (copy / "p2-doc-attachment.json").exists()   # only a rule's first passed test keeps one whole
    ac = json.loads((copy / "ac-result.json").read_text())
    ac_index = (copy / ac["attachments"][0]["source"]).read_text()
    assert "test_p1: its exchanges are under rule a.b" in ac_index


def test_a_failed_test_keeps_its_own_result_and_every_exchange(results: Path, tmp_path: Path) -> None:
    copy = trim.trimmed(results, tmp_path / "copy")
    assert json.loads((copy / "f-result.json").read_text())["status"] == "failed"
    kept = json.loads((copy / "f-container.json").read_text())["afters"][0]["attachments"]
    assert [a["name"] for a in kept] == ["exchanges (1)", "#3 GET 200 http://h:1/users/3", "curl"]
    assert all((copy / a["source"]).is_file() for a in kept)


def test_the_full_report_and_the_run_s_results_are_not_folded(results: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in results.iterdir()}
    trim.trimmed(results, tmp_path / "copy")
    assert {p.name: p.read_bytes() for p in results.iterdir()} == before
    whole = full.expanded(results, tmp_path / "exchanges", tmp_path / "full")
    assert (whole / "p1-result.json").is_file() and (whole / "p2-container.json").is_file()
    assert "attachments" not in json.loads((whole / "ab-result.json").read_text())


def embedded_bytes(index: Path) -> tuple[int, int]:
    """The single file's size and how much of it is the embedded report data."""
    text = index.read_text(encoding="utf-8")
    return len(text.encode()), sum(len(v) for v in re.findall(r'd\("[^"]+","([^"]*)"\)', text))


def assert_keeps_to_its_share(index: Path) -> None:
    """The single file of an absorb-v1_5 run (the heaviest profile; `-m "not quota"` changes little of it) keeps
    its embedded data within its share of the 10 MB bound. tests/test_wheel.py calls it on the report its run of
    the CI workflow builds: one absorb-v1_5 run serves both."""
    size, data = embedded_bytes(index)
    page = size - data
    assert data > 0 and data <= DATA_SHARE * (BOUND - page), (size, data)
    assert size < BOUND
