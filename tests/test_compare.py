"""lmsconf compare: the absorb-v1 and absorb-v1_5 simulators differ exactly as Appendix C says; a fault that adds
an unlisted difference is named and exits 1; saved captures give the same result; bad input exits 2; a live side
reads its credentials from the environment (LMSCONF_B_* for B) and no secret reaches any output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance import profiles, target, vendors
from conformance.cli import main
from conformance.compare import plan
from conformance.compare.diff import diff
from tests.support import lmsconf

A, B = "absorb-v1", "absorb-v1_5"
FAULT = "identical-row-differs"   # v1.5 tags gain a field Appendix C does not list (tags: Identical)


def run(tmp: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    code = main(["compare", *args, "--report-dir", str(tmp)])
    out = capsys.readouterr().out
    return code, json.loads((tmp / "compare" / "compare.json").read_text()), out


def allure(tmp: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in (tmp / "compare" / "allure-results").glob("*-result.json")]


def test_clean_simulators_differ_only_as_appendix_c_says(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report, out = run(tmp_path, A, B, capsys=capsys)
    assert code == 0 and report["exit_code"] == 0 and report["unexpected"] == 0
    claimed = plan.rows_claimed(profiles.load(A), profiles.load(B))
    assert claimed and set(report["rows"]) == claimed
    table = {r["row"]: r for r in vendors.documented_differences(B)}
    for op in report["operations"]:
        assert op["compared"] > 0, op["operation"]
        assert all(row["status"] == "held" for row in op["rows"]), op["operation"]
        predicted = {(kind, name.lower()) for row in op["rows"] for kind, names in
                     (("added", table[row["row"]]["added"]), ("removed", table[row["row"]]["removed"]))
                     for name in names}
        seen = {(f["kind"], f["path"].lower()) for f in op["expected"]}
        assert seen == predicted, op["operation"]
        assert all(f["records"] == op["compared"] and set(f["rows"]) <= {r["row"] for r in op["rows"]}
                   for f in op["expected"])
    named = {n for op in report["operations"] for f in op["expected"] for n in f["rows"]}
    assert named == {n for n in claimed if table[n]["added"] or table[n]["removed"]}
    assert all(f"{n}:" in out or f"{n}," in out for n in named)
    results = allure(tmp_path)
    assert len(results) == len(report["operations"]) and {r["status"] for r in results} == {"passed"}
    assert all((tmp_path / "compare" / "allure-results" / r["attachments"][0]["source"]).is_file() for r in results)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    where = tmp_path_factory.mktemp("faulty")
    return main(["compare", A, B, "--fault", FAULT, "--report-dir", str(where)]), where


def _unexpected(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(op["operation"], f["kind"], f["path"]) for op in report["operations"] for f in op["unexpected"]}


def test_an_unlisted_difference_exits_1_and_is_named(faulty: tuple[int, Path]) -> None:
    code, where = faulty
    report = json.loads((where / "compare" / "compare.json").read_text())
    assert code == 1 and report["exit_code"] == 1
    found = _unexpected(report)
    assert found and {(kind, path) for _, kind, path in found} == {("added", "color")}
    assert {op for op, _, _ in found} == {"tags (collection)", "tags (item)"}
    failed = {r["name"] for r in allure(where) if r["status"] == "failed"}
    assert failed == {"compare tags (collection)", "compare tags (item)"}
    tags = [op for op in report["operations"] if op["a"]["resource"] == "tags"]
    assert tags and all(row["status"] == "contradicted" for op in tags for row in op["rows"])


def test_saved_captures_give_the_same_result(faulty: tuple[int, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _, where = faulty
    first = json.loads((where / "compare" / "compare.json").read_text())
    code, again, out = run(tmp_path, str(where / "compare" / "capture-a.json"),
                           str(where / "compare" / "capture-b.json"), capsys=capsys)
    assert code == 1 and again["operations"] == first["operations"] and "color" in out
    assert again["b"]["source"] == "capture" and again["b"]["faults"] == [FAULT]


@pytest.mark.parametrize("args", [
    ["compare", A],
    ["compare", "no-such-profile", B],
    ["compare", str(Path("no") / "capture.json"), B],
    ["compare", A, B, "--fault", "no-such-fault"],
    ["compare", A, "absorb-v1_5=ftp://example.com"],
], ids=["one-side", "unknown-profile", "missing-capture", "unknown-fault", "bad-url"])
def test_bad_input_exits_2_with_one_line(args: list[str], tmp_path: Path) -> None:
    done = lmsconf(*args, "--report-dir", str(tmp_path), timeout=60)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_capture_file_that_is_not_one_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"hello": 1}')
    assert main(["compare", str(bogus), B, "--report-dir", str(tmp_path)]) == 2
    assert "not a capture" in capsys.readouterr().err


def test_live_side_b_reads_lmsconf_b_and_no_secret_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    live = target.embedded(profiles.load(B))
    try:
        for name, value in live.credentials.items():
            monkeypatch.setenv(name, "wrong-" + value[:4])          # side B must not read these
            monkeypatch.setenv(name.replace("LMSCONF_", "LMSCONF_B_", 1), value)
        code, report, out = run(tmp_path, A, f"{B}={live.base_url}", capsys=capsys)
    finally:
        live.stop()
    assert code == 0 and report["b"]["source"] == "live" and report["unexpected"] == 0
    written = out + "".join(p.read_text() for p in (tmp_path / "compare").rglob("*") if p.is_file())
    for value in live.credentials.values():
        assert value not in written


def test_an_unreachable_side_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in profiles.load(B).credentials:
        monkeypatch.setenv(name, "some-value-long-enough")
    assert main(["compare", f"{B}=http://127.0.0.1:9", A, "--report-dir", str(tmp_path)]) == 3


def test_diff_names_each_kind_without_regard_to_case() -> None:
    a = {"Id": 1, "Name": "x", "Gone": 1, "Kind": 1, "Nested": {"Deep": 1}}
    b = {"id": 1, "name": "y", "new": None, "kind": "1", "nested": {"deep": 2}}
    assert {(c.kind, c.path) for c in diff(a, b)} == {
        ("value-changed", "name"), ("removed", "Gone"), ("added", "new"), ("type-changed", "kind"),
        ("value-changed", "nested.deep")}
