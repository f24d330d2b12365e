from __future__ import annotations

from datetime import datetime

from ....domain.errors import Invalid


def aware(t: datetime, name: str) -> datetime:
    """Query parameters cannot use pydantic's AwareDatetime with a clear message; check here."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise Invalid(f"{name}: a time needs an offset, e.g. 2026-03-14T06:30:00Z", code="VALIDATION_ERROR",
                      details=[{"loc": ["query", name], "type": "timezone_aware"}])
    return t
