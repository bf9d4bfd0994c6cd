"""Pagination rules over a recorded walk (seed 003 Step Two 4 and Appendix A 'Pagination')."""

from __future__ import annotations

from collections import Counter
from typing import Any

from conformance.errors import WalkTooLong
from conformance.rules.registry import Violation, rule
from conformance.walk import Walk, dig

CITE = "003_09d5ed03fea4db3d.txt Step Two 4; Appendix A 'Pagination'"
IHASCO_PAGES = "000_c3b83b8f370189ea.txt 'Your first request' (a list of users); VENDOR-FACTS iHASCO (cursor pages)"


def _failed_page(walk: Walk) -> None:
    for page in walk.pages:
        if page.status != 200 or page.rows is None:
            raise Violation(f"{page.request} answered {page.status} without a list of rows")


@rule("pagination.terminates", cites=f"{CITE}; 002_b0b03e2e2867055f.txt 'Response Envelopes' (HasMore); "
      f"{IHASCO_PAGES}",
      summary="the documented walk ends the documented way (an empty page, HasMore false, or no next link) within "
              "the pages its rows need")
def terminates(walk: Walk) -> None:
    _failed_page(walk)
    total = walk.total if isinstance(walk.total, int) else len(walk.rows)
    bound = walk.pages_needed
    if walk.capped:
        raise WalkTooLong(f"the walk at limit {walk.limit} stopped at its cap of {walk.requests} pages with rows "
                          f"still coming ({total} rows would take {bound}); raise [pagination] max_pages "
                          "to judge it to the end")
    if not walk.ended:
        raise Violation(f"the walk did not end with {walk.end_text} after {walk.requests} requests at limit "
                        f"{walk.limit} ({total} rows; the walk should end within {bound})")
    if walk.requests > bound:
        raise Violation(f"the walk took {walk.requests} requests at limit {walk.limit}; "
                        f"{total} rows allow at most {bound}")


@rule("pagination.ids-unique", cites=f"{CITE}; {IHASCO_PAGES}",
      summary="walking every page returns each id exactly once and all totalItems rows")
def ids_unique(walk: Walk, id_field: str) -> None:
    _failed_page(walk)
    ids = [row.get(id_field) for row in walk.rows]
    repeated = [value for value, count in Counter(ids).items() if count > 1]
    if repeated:
        raise Violation(f"{len(repeated)} ids appear on more than one page at limit {walk.limit} "
                        f"(first: {repeated[0]!r})")
    if isinstance(walk.total, int) and len(ids) != walk.total:
        raise Violation(f"the walk at limit {walk.limit} returned {len(ids)} rows; {walk.total_field} says "
                        f"{walk.total}")


@rule("pagination.returned-items-matches", cites="003_09d5ed03fea4db3d.txt Appendix A wrapper 'returnedItems'; "
      f"{IHASCO_PAGES} (dataCount)",
      summary="the page's count of its rows (returnedItems, dataCount) equals the number of rows on the page")
def returned_items_matches(walk: Walk, field: str = "returnedItems") -> None:
    _failed_page(walk)
    for page in walk.pages:
        stated = page.body.get(field) if isinstance(page.body, dict) else None
        if stated != len(page.rows or []):
            raise Violation(f"{page.request}: {field} is {stated!r} but the page holds {len(page.rows or [])} rows")


@rule("pagination.echoes-request", cites="003_09d5ed03fea4db3d.txt Appendix A wrapper 'limit', 'offset'; "
      "002_b0b03e2e2867055f.txt 'Response Envelopes' (DtosMeta Offset, Limit)",
      summary="the envelope's limit and offset echo the requested page size and offset")
def echoes_request(walk: Walk, limit_field: str = "limit", offset_field: str = "offset") -> None:
    _failed_page(walk)
    for page in walk.pages:
        limit, offset = dig(page.body, limit_field), dig(page.body, offset_field)
        if limit != page.limit or offset != page.offset:
            raise Violation(f"{page.request}: envelope says {limit_field}={limit!r}, {offset_field}={offset!r}")


@rule("pagination.default-limit", cites="003_09d5ed03fea4db3d.txt Appendix A 'Pagination' ('If no pagination "
      "parameters supplied, default pagination settings are _offset=0&_limit=20'); Step Two 4",
      summary="a paginated endpoint asked without _offset and _limit answers the first page of 20 rows")
def default_limit(request: str, status: int, rows: list[dict[str, Any]] | None, first_page: list[Any],
                  expected: int, total: int, id_field: str) -> None:
    if status != 200 or rows is None:
        raise Violation(f"{request} answered {status} without a list of rows")
    wanted = min(expected, total)
    if len(rows) != wanted:
        raise Violation(f"{request} (no _limit) returned {len(rows)} rows; the default page holds {expected} "
                        f"({total} rows in all)")
    if [row.get(id_field) for row in rows] != first_page[:wanted]:
        raise Violation(f"{request} (no _offset) did not answer the first page")
