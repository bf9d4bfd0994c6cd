"""The pagination suite on the large dataset: every one of 60,000 users walked at _limit=1000 and validated."""

from __future__ import annotations

from pathlib import Path

from conformance.simulator.seed import DATASETS
from tests.support import run_suite


def test_large_dataset_walk_validates_every_row(tmp_path: Path) -> None:
    status, part = run_suite(tmp_path, "--simulator-dataset", "large", "-k",
                             "test_walk_ends_with_every_row_once and users-max or "
                             "test_every_page_and_row_matches_its_schema and users")
    assert status == 0, part
    rules = part["rules"]
    for rule_id in ("pagination.terminates", "pagination.ids-unique", "envelopes.rows-validate"):
        assert rules[rule_id]["outcome"] == "passed", rule_id
    assert DATASETS["large"].users >= 55_000
    assert part["requests"] >= DATASETS["large"].users // 1000 + 1
