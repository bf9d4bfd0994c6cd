"""`lmsconf rules`: every rule with its area, seed section, writes/quota, faults and profiles; the README's rule table
is exactly its markdown."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conformance import cli, profiles
from conformance.paths import ROOT
from conformance.rules import REGISTRY
from conformance.rules.listing import features, suite_dirs
from conformance.simulator.faults import FAULTS

BLOCK = re.compile(r"<!-- rules:begin[^\n]*-->\n(.*?)<!-- rules:end -->", re.S)


def rules_output(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert cli.main(["rules", *args]) == 0
    return capsys.readouterr().out


def test_readme_rule_table_is_the_commands_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    found = BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md has no <!-- rules:begin --> ... <!-- rules:end --> block"
    assert found.group(1) == rules_output(capsys, "--format", "markdown"), (
        "README's rule table differs: paste `lmsconf rules --format markdown` between its rules markers")


def test_json_lists_every_rule_once_with_its_facts(capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(rules_output(capsys, "--format", "json"))
    rows = {row["id"]: row for row in document["rules"]}
    assert document["profile"] is None
    assert len(rows) == len(document["rules"]) and set(rows) == set(REGISTRY)
    shipped = [profiles.load(name) for name in profiles.available()]
    for rid, row in rows.items():
        assert row["area"] == REGISTRY[rid].area and row["cites"] == REGISTRY[rid].cites
        assert row["faults"] == [f.name for f in FAULTS.values() if f.rule == rid]
        assert row["profiles"] == [p.id for p in shipped if p.applies(rid)]
        assert isinstance(row["writes"], bool) and isinstance(row["quota"], bool)


def test_a_profile_lists_exactly_the_rules_it_applies(capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(rules_output(capsys, "--profile", "ihasco", "--format", "json"))
    assert document["profile"] == "ihasco"
    assert [row["id"] for row in document["rules"]] == sorted(profiles.load("ihasco").rules)
    table = rules_output(capsys, "--profile", "ihasco").splitlines()
    rows = [line.split()[0] for line in table[1:] if not line.startswith(" ")]
    assert table[0].split()[:4] == ["RULE", "AREA", "WRITES", "QUOTA"]
    assert rows == sorted(profiles.load("ihasco").rules)


def test_unknown_profile_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rules", "--profile", "no-such-api"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no-such-api" in err[0]


SUITE = '''
import pytest
from conformance.fuzz.checks import RULE_IDS

pytestmark = [pytest.mark.pagination, pytest.mark.quota]

@pytest.mark.rule("a.read")
def test_reads(): ...

@pytest.mark.writes
@pytest.mark.rule("a.write", "a.read")
def test_writes(): ...

if True:
    @pytest.mark.rule(*RULE_IDS)
    def test_generated(): ...

def helper_not_a_test():
    pytest.mark.rule("a.never")
'''


def test_writes_and_quota_come_from_the_markers_of_the_tests_carrying_a_rule(tmp_path: Path) -> None:
    (tmp_path / "test_synthetic.py").write_text(SUITE, encoding="utf-8")
    from conformance.fuzz.checks import RULE_IDS

    found = features([tmp_path])
    assert found["a.read"] == {"writes", "quota"}     # one of its tests writes; the module spends quota
    assert found["a.write"] == {"writes", "quota"}
    assert set(RULE_IDS) <= found.keys() and "a.never" not in found


def test_shipped_suites_mark_the_burst_quota_and_absorb_writes_writes() -> None:
    found = features(suite_dirs())
    assert found["ratelimit.enforced"] == {"quota"}                 # test_ratelimit.py: the burst
    assert found["ratelimit.remaining-decreases"] == set()          # test_remaining.py reads the count only
    absorb = features(suite_dirs(profiles.load("absorb-v1_5")))
    assert "writes" in absorb["writes.upload-limit-enforced"] and "quota" not in absorb["writes.upload-limit-enforced"]
    assert absorb["pagination.terminates"] == set()
