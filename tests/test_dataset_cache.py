"""Seeded datasets are saved once and copied in by later simulators: the copy is exactly what generating the
dataset again gives, and any change to what a dataset is made from makes a new one."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from conformance.simulator.app import DATASET_CACHE, Simulator, dataset_key, load_dataset
from conformance.simulator.dialects import dialect_for
from conformance.simulator.store import Store


@pytest.mark.parametrize("profile", ["absorb-v1_5", "qses"])
def test_a_copied_dataset_is_the_generated_one(profile: str) -> None:
    dialect = dialect_for(profile)
    Simulator(profile).close()                       # saves the dataset if no earlier run did
    assert (DATASET_CACHE / f"{dataset_key(dialect, 'default')}.sqlite").is_file()
    copied, generated = Store(dialect.schema), Store(dialect.schema)
    load_dataset(copied, dialect, "default")
    load_dataset(generated, dialect, "default", cache=False)
    assert copied.dump() == generated.dump()


def test_the_key_follows_every_source_file(tmp_path: Path) -> None:
    (tmp_path / "seed.py").write_text("ROWS = 1\n")
    dialect = dataclasses.replace(dialect_for("qses"), sources=(tmp_path,))
    first = dataset_key(dialect, "default")
    assert dataset_key(dialect, "large") != first
    (tmp_path / "seed.py").write_text("ROWS = 2\n")
    assert dataset_key(dialect, "default") != first


def test_an_unreadable_saved_dataset_is_generated_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("conformance.simulator.app.DATASET_CACHE", tmp_path)
    dialect = dialect_for("qses")
    (tmp_path / f"{dataset_key(dialect, 'default')}.sqlite").write_bytes(b"not a database")
    store = Store(dialect.schema)
    load_dataset(store, dialect, "default")
    assert store.count("contacts") >= 2000
