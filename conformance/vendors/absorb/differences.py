"""Absorb's documented version differences for ``lmsconf compare``: the rows of seed 003 Appendix C as plain
data (the table itself stays in ``fixtures/absorb/appendix-c.json``, read by ``appendix_c``)."""

from __future__ import annotations

from typing import Any

from conformance.vendors.absorb.appendix_c import SEED_NAME, get_rows

SOURCE = f"{SEED_NAME} Appendix C"


def rows() -> list[dict[str, Any]]:
    """Every Appendix C row: number, method, v1 path (no query), whether it names one record, the fields v1.5
    adds and removes, and the seed's words."""
    return [{"row": r.row, "method": r.method, "path": r.path, "item": r.path.endswith("}"),
             "added": list(r.added), "removed": list(r.removed), "text": r.seed_text, "source": SOURCE}
            for r in get_rows()]
