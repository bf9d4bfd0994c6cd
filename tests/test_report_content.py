"""The report's content: ticket-sized exchanges, the whole ones for --full, severity, categories,
environment, history, and the run's progress line (shown on a terminal only)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from conformance.http.record import Exchange
from conformance.reporting import allure as allure_report
from conformance.reporting import environment, full, html, progress, trim
from conformance.reporting.summary import ProfileSummary, RuleTally
from conformance.rules import REGISTRY
from tests.support import has_generator

SECRET = "s3cr3t-api-key-value"


def exchange(seq: int, body: str = "{}", status: int = 200) -> Exchange:
    return Exchange(method="GET", url=f"http://127.0.0.1:9/api/users?page={seq}", status=status,
                    request_headers={"x-api-key": "${LMSCONF_API_KEY}"}, response_body=body,
                    elapsed_s=0.0123, seq=seq)


def test_a_long_body_keeps_its_head_and_states_its_full_size() -> None:
    body = "x" * (allure_report.BODY_CUT + 500)
    shown = allure_report.exchange_document(exchange(1, body))["response"]["body"]
    assert shown.startswith("x" * allure_report.BODY_CUT)
    assert f"of {len(body)} characters shown" in shown and len(shown) < len(body)
    whole = allure_report.exchange_document(exchange(1, body), limit=None)["response"]["body"]
    assert whole == body


def test_the_index_has_one_line_per_exchange_with_method_status_size_time_and_url() -> None:
    line = allure_report.index_line(exchange(7, "y" * 1234, status=429))
    assert "\n" not in line
    for part in ("#7", "GET", "429", "1234 B", "12.3 ms", "http://127.0.0.1:9/api/users?page=7"):
        assert part in line


def test_saved_exchanges_replace_the_selection_in_a_full_copy(tmp_path: Path) -> None:
    """--full: the container's exchange attachments become every exchange, whole; the run's copy stays."""
    results, saved = tmp_path / "allure-results", tmp_path / "exchanges"
    results.mkdir()
    exchanges = [exchange(n, "z" * (allure_report.BODY_CUT * 2)) for n in (1, 2, 3)]
    allure_report.save_exchanges(saved, "k1", exchanges)
    (results / "t-result.json").write_text(json.dumps(
        {"uuid": "t", "labels": [{"name": allure_report.EXCHANGES_LABEL, "value": "k1"}]}))
    (results / "i-attachment.txt").write_text("index")
    (results / "a-attachment.json").write_text("first")
    (results / "c-container.json").write_text(json.dumps({"children": ["t"], "afters": [{"attachments": [
        {"name": "exchanges (3)", "source": "i-attachment.txt"},
        {"name": "#1 GET 200 x", "source": "a-attachment.json"},
        {"name": "curl", "source": "b-attachment.txt"}]}]}))
    copy = full.expanded(results, saved, tmp_path / "copy")
    attachments = json.loads((copy / "c-container.json").read_text())["afters"][0]["attachments"]
    names = [a["name"] for a in attachments]
    assert names[0] == "exchanges (3)" and names[-1] == "curl" and len(names) == 5
    bodies = [json.loads((copy / a["source"]).read_text())["response"]["body"] for a in attachments[1:4]]
    assert bodies == [ex.response_body for ex in exchanges]
    assert (results / "a-attachment.json").read_text() == "first"   # the run's results untouched
    assert json.loads(gzip.decompress((saved / "k1.json.gz").read_bytes()))[0]["seq"] == 1


def test_every_rule_has_a_severity_by_its_area_unless_it_names_one() -> None:
    assert {r.severity for r in REGISTRY.values() if r.area == "auth"} == {"critical"}
    assert {r.severity for r in REGISTRY.values() if r.area == "fuzz"} == {"minor"}
    assert allure_report.severity_of([REGISTRY["auth.token-issued"], REGISTRY["status.bad-token-is-401"]]) == "critical"


def _errored(kind: str, reason: str) -> RuleTally:
    tally = RuleTally()
    tally.broken(kind, reason)
    return tally


def test_rule_outcomes_fall_in_the_four_categories() -> None:
    violated = RuleTally()
    violated.checked("failed", "expected 404")
    assert allure_report.category(violated) == allure_report.CONTRACT_VIOLATION
    assert allure_report.category(_errored("target", "connection refused")) == allure_report.TARGET_UNAVAILABLE
    assert allure_report.category(_errored("config", "LMSCONF_API_KEY is not set")) == allure_report.AUTH_OR_CONFIG
    assert allure_report.category(_errored("target", "still 429 after 5 retries")) == allure_report.RATE_LIMITED
    assert allure_report.category(RuleTally()) is None
    result = allure_report.rule_result("absorb-v1", "auth.token-issued", violated, 0)
    labels = {(label["name"], label["value"]) for label in result["labels"]}
    assert ("severity", "critical") in labels
    assert (allure_report.CATEGORY_LABEL, allure_report.CONTRACT_VIOLATION) in labels
    assert any(name == "contract" and REGISTRY["auth.token-issued"].cites in value for name, value in labels)


def test_the_environment_merges_profiles_and_names_no_secret(tmp_path: Path) -> None:
    for name in ("qses", "ihasco"):
        summary = ProfileSummary.expecting(name, [])
        summary.target = f"https://{name}.example/api"
        environment.write(tmp_path, summary, "r1")
    values = environment.merged(tmp_path, ["qses", "ihasco"])
    assert values["run_id"] == "r1" and values["profiles"] == "qses, ihasco"
    assert values["qses.target"] == "https://qses.example/api" and "version.lms-conformance" in values
    text = environment.properties(values)
    assert "run_id=r1\n" in text and SECRET not in text


@pytest.mark.skipif(not has_generator(),
                    reason="the Allure 3 generator (npm ci) and node are needed to build a report")
def test_a_second_report_in_the_same_directory_carries_the_first_as_history(tmp_path: Path) -> None:
    results = tmp_path / "absorb-v1" / "allure-results"
    results.mkdir(parents=True)
    summary = ProfileSummary.expecting("absorb-v1", ["auth.token-issued"])
    allure_report.write_rule_results(results, summary)
    html.build(tmp_path)
    html.build(tmp_path)
    points = [json.loads(line) for line in (tmp_path / html.HISTORY_FILE).read_text().splitlines()]
    assert len(points) == 2
    assert all(len(p["testResults"]) == 1 for p in points)


def test_the_progress_line_counts_rules_requests_and_429s(tmp_path: Path) -> None:
    file = progress.ProgressFile(tmp_path / "progress.json", ["a.x", "a.y", "a.z"])
    file.expect([["a.x"], ["a.x", "a.y"]])   # a.z is carried by no test: done from the start
    file.exchange(exchange(1))
    file.exchange(exchange(2, status=429))
    file.finished(["a.x"])
    line = progress.format_line("qses", progress.read(file.path), 12.4)
    assert line == "qses  rules 1/3  requests 2  429s 1  12s"
    file.finished(["a.x", "a.y"])
    assert progress.read(file.path) == {"rules_done": 3, "rules_total": 3, "requests": 2, "429": 1}


def test_no_progress_off_a_terminal() -> None:
    assert progress.wanted(io.StringIO()) is False


def test_the_display_writes_one_updating_line(tmp_path: Path) -> None:
    stream = io.StringIO()
    path = tmp_path / "progress.json"
    with progress.Display("qses", path, stream=stream, every_s=0.01):
        path.write_text(json.dumps({"rules_done": 2, "rules_total": 5, "requests": 9, "429": 0}))
    shown = stream.getvalue()
    assert shown.endswith("\n") and shown.count("\n") == 1
    assert "qses  rules 2/5  requests 9  429s 0" in shown.rsplit("\r", 1)[-1]


def test_the_default_report_reads_a_trimmed_copy(tmp_path: Path) -> None:
    """Shared fixtures, host labels and long parameter values go; a passed test's curl and long bodies too;
    the evidence fixture and the run's own files stay."""
    results = tmp_path / "allure-results"
    results.mkdir()
    doc = allure_report.exchange_document(exchange(1, "b" * 5000))
    (results / "d-attachment.json").write_text(json.dumps(doc))
    (results / "c-attachment.txt").write_text("curl ...")
    (results / "t-result.json").write_text(json.dumps({"uuid": "t", "status": "passed", "labels": [
        {"name": "host", "value": "vm"}, {"name": "contract", "value": "x"}, {"name": "rule", "value": "a.b"}],
        "parameters": [{"name": "resource", "value": "Resource(" + "x" * 500 + ")"}]}))
    (results / "s-container.json").write_text(json.dumps({"children": ["t"], "befores": [{"name": "client"}]}))
    (results / "e-container.json").write_text(json.dumps({"children": ["t"], "afters": [
        {"name": "_lmsconf_evidence::1", "attachments": [{"name": "#1 GET 200 x", "source": "d-attachment.json"},
                                                         {"name": "curl", "source": "c-attachment.txt"}]}]}))
    copy = trim.trimmed(results, tmp_path / "copy")
    result = json.loads((copy / "t-result.json").read_text())
    assert [label["name"] for label in result["labels"]] == ["rule"]
    assert len(result["parameters"][0]["value"]) <= trim.PARAMETER_LIMIT + 3
    assert not (copy / "s-container.json").exists() and not (copy / "c-attachment.txt").exists()
    after = json.loads((copy / "e-container.json").read_text())["afters"][0]
    assert [a["name"] for a in after["attachments"]] == ["#1 GET 200 x"]
    body = json.loads((copy / "d-attachment.json").read_text())["response"]["body"]
    assert body.startswith("b" * trim.PASSED_BODY_CUT) and "of 5000 characters shown" in body
    assert len(json.loads((results / "d-attachment.json").read_text())["response"]["body"]) == 5000
