from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Path, Query

from ....domain.errors import Invalid
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
