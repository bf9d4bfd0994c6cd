"""The embedded simulator: a profile's dialect served over deterministic data."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from conformance.profiles import Profile, load
from conformance.simulator import faults as fault_catalogue
from conformance.simulator import mutations
from conformance.simulator.context import SimContext
from conformance.simulator.dialects import Dialect, dialect_for, siblings
from conformance.simulator.ratelimit import Clock
from conformance.simulator.store import Store


class AdjustableClock:
    """``time.monotonic`` plus an offset that only moves forward: the embedded simulator's clock, so a suite can
    observe a token's 4 h lifetime without waiting it out (``Simulator.advance_clock``, a test-only hook)."""

    def __init__(self, base: Clock = time.monotonic) -> None:
        self.base = base
        self.offset = 0.0

    def __call__(self) -> float:
        return self.base() + self.offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds


DATASET_CACHE = Path(tempfile.gettempdir()) / "lmsconf-datasets"


def dataset_key(dialect: Dialect, dataset: str) -> str:
    """A digest of everything a dataset is made from: its name and every file of the dialect's code and the
    vendor's fixtures (a change to any of them makes a new key)."""
    digest = hashlib.sha256(dataset.encode())
    for root in dialect.sources:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def load_dataset(store: Store, dialect: Dialect, dataset: str, *, cache: bool = True) -> None:
    """Seed ``store`` with the dataset. Generating a large portal takes seconds; the first simulator of a given
    dataset saves the seeded database under the system's temporary directory, and later ones (other test
    sessions, other runs) copy it in, byte for byte what generating it again would give."""
    if not cache:
        store.load(dialect.generate(dataset))
        return
    saved = DATASET_CACHE / f"{dataset_key(dialect, dataset)}.sqlite"
    if saved.is_file():
        with contextlib.suppress(sqlite3.Error):
            store.restore(saved)
            return
    store.load(dialect.generate(dataset))
    with contextlib.suppress(OSError, sqlite3.Error):
        DATASET_CACHE.mkdir(parents=True, exist_ok=True)
        store.save(saved)


def make_credentials(profile: Profile) -> dict[str, str]:
    """Fresh sandbox credentials for every setting the profile's auth needs, then for the other APIs the
    same simulator serves (Absorb v1 beside v1.5): the profile's own come first."""
    names = list(profile.credentials)
    for sibling in siblings(profile.id)[1:]:
        names += [n for n in load(sibling).credentials if n not in names]
    return {name: secrets.token_urlsafe(24) for name in names}


class Simulator:
    """One simulated vendor API.

    ``profile`` is a Profile or a profile name; ``faults`` names contract
    violations to commit (see ``faults.FAULTS``; an unknown name is a
    ValueError); ``dataset`` picks the seeded data ("default", "large"); ``db``
    is a SQLite file to hold it (rebuilt on start; default in memory); ``clock``
    drives token expiry and rate limiting (inject one in tests).
    """

    def __init__(self, profile: Profile | str, *, faults: Iterable[str] = (), dataset: str = "default",
                 db: str | Path | None = None, clock: Clock | None = None) -> None:
        self.profile = load(profile) if isinstance(profile, str) else profile
        self.faults = fault_catalogue.resolve(faults)
        dialect = dialect_for(self.profile.id)
        if dataset not in dialect.datasets:
            raise ValueError(f"unknown dataset {dataset!r} (known: {', '.join(sorted(dialect.datasets))})")
        self.credentials = make_credentials(self.profile)
        self.dataset = dataset
        self.store = Store(dialect.schema, db)
        load_dataset(self.store, dialect, dataset, cache=db is None)
        self.clock: Clock = clock if clock is not None else AdjustableClock()
        self.context = SimContext(self.profile, self.faults, self.store, self.clock, self.credentials)
        self.app: Starlette = dialect.build(self.context)
        if self.faults & mutations.NAMES:
            self.app.add_middleware(mutations.Mutations, faults=self.faults, profile=self.profile)

    @property
    def base_path(self) -> str:
        """Where this profile's API lives under the server's root (empty but for a legacy API beside another)."""
        return str(self.profile.raw.get("simulator_base_path", ""))

    @property
    def announced_credentials(self) -> dict[str, str]:
        """The credentials this profile needs (the simulator may hold more, for the other APIs it serves), then
        any further accounts its dialect offers (a restricted account)."""
        return {**{name: self.credentials[name] for name in self.profile.credentials}, **self.extra_credentials}

    @property
    def extra_credentials(self) -> dict[str, str]:
        """Further accounts the dialect offers, as LMSCONF_* settings (its app's ``state.extra_credentials``)."""
        return dict(getattr(self.app.state, "extra_credentials", {}))

    def hook(self, name: str) -> Callable[..., Any] | None:
        """A test hook the dialect offers (its app's ``state.hooks``), e.g. filling a rate-limit window's count;
        None when it offers none by that name."""
        hooks: dict[str, Callable[..., Any]] = getattr(self.app.state, "hooks", {})
        return hooks.get(name)

    def advance_clock(self, seconds: float) -> None:
        """Move the simulator's clock (token expiry, rate limit) forward; for tests of time-bound behaviour."""
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            raise TypeError(f"the clock {self.clock!r} cannot be advanced")
        advance(seconds)

    def close(self) -> None:
        self.store.close()

    def __repr__(self) -> str:
        faults = ",".join(sorted(self.faults)) or "none"
        return f"<Simulator {self.profile.id} dataset={self.dataset} faults={faults}>"
