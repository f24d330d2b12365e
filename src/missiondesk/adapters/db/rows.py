"""Small helpers over SQLAlchemy's results, typed."""
from __future__ import annotations

from typing import Any, cast

from sqlalchemy.engine import CursorResult, Result


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (the statement's CursorResult has it; the typed Result that
    Session.execute declares does not)."""
    return cast(CursorResult[Any], result).rowcount or 0
