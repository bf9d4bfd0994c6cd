"""Where the suite's data lives: schemas, fixtures and profiles.

In a checkout (and an editable install) ``schemas/`` and ``fixtures/`` sit beside the package, at the repository's
root; an installed wheel carries them inside the package, as ``conformance/_data/schemas`` and
``conformance/_data/fixtures`` (setup.py maps them there). The copy inside the package wins when it is there.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
DATA = PACKAGE / "_data"


def _data_dir(name: str) -> Path:
    shipped = DATA / name
    return shipped if shipped.is_dir() else ROOT / name


SCHEMAS = _data_dir("schemas")
FIXTURES = _data_dir("fixtures")
SEEDS = ROOT.parent / "shared" / "seeds"   # the vendor contracts: read by the project's tests only
