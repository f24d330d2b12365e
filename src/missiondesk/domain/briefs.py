"""A mission's classified brief."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Brief:
    """A mission's brief: its text while it lives; who destroyed it, when and why once it is gone."""

    id: int
    mission_id: int
    text: str | None  # None once destroyed
    created_by: str | None
    created_at: datetime
    destroyed_at: datetime | None
    destroyed_by: str | None
    destroy_reason: str | None
