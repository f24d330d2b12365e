from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Path, Query, Request, Response

from ....domain.errors import Invalid
from ....services.paging import DEFAULT_PAGE, MAX_PAGE, Window
from ..schemas import EARLIEST, LATEST, MAX_ID


def aware(t: datetime, name: str) -> datetime:
    """Query parameters cannot use pydantic's AwareDatetime with a clear message; check here."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise Invalid(f"{name}: a time needs an offset, e.g. 2026-03-14T06:30:00Z", code="VALIDATION_ERROR",
                      details=[{"loc": ["query", name], "type": "timezone_aware"}])
    if not EARLIEST <= t.year <= LATEST:
        raise Invalid(f"{name}: a time between the years {EARLIEST} and {LATEST}", code="VALIDATION_ERROR",
                      details=[{"loc": ["query", name], "type": "out_of_range"}])
    return t


PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Day = Annotated[date | None, Query(ge=date(EARLIEST, 1, 1), le=date(LATEST, 12, 31))]


# -- lists a page at a time -----------------------------------------------------------------------------------
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE,
                             description=f"at most this many items (1 to {MAX_PAGE}; {DEFAULT_PAGE} unless told)")]
After = Annotated[int | None, Query(ge=0, le=MAX_ID, description="the cursor of the next page: the id of the "
                                    "last item of the page before, as the Link header's rel=\"next\" gives it")]


def window(after: int | None, limit: int) -> Window:
    return Window(after=after, limit=limit)


def link_next(request: Request, response: Response, next_after: int | None, *, param: str = "after") -> None:
    """When more items follow, the URL of the next page in a `Link: <…>; rel="next"` header (RFC 8288), the
    request's own filters kept; the last page has none."""
    if next_after is None:
        return
    url = request.url.include_query_params(**{param: next_after})
    response.headers["Link"] = f'<{url}>; rel="next"'
