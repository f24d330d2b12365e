"""The shapes of a mission's brief: written, read, destroyed."""
from __future__ import annotations

from pydantic import AwareDatetime, BaseModel

from ...services.briefs import Brief


class BriefWrittenRead(BaseModel):
    """The brief just written, without its text: the text is read (and the reading recorded) through GET."""

    id: int
    mission_id: int
    created_by: str | None
    created_at: AwareDatetime
    destroyed_at: AwareDatetime | None
    destroyed_by: str | None
    destroy_reason: str | None

    @classmethod
    def of(cls, b: Brief) -> BriefWrittenRead:
        return cls(id=b.id, mission_id=b.mission_id, created_by=b.created_by, created_at=b.created_at,
                   destroyed_at=b.destroyed_at, destroyed_by=b.destroyed_by, destroy_reason=b.destroy_reason)


class BriefRead(BaseModel):
    id: int
    mission_id: int
    text: str | None  # null once destroyed
    created_by: str | None
    created_at: AwareDatetime
    destroyed_at: AwareDatetime | None
    destroyed_by: str | None
    destroy_reason: str | None

    @classmethod
    def of(cls, b: Brief) -> BriefRead:
        return cls(id=b.id, mission_id=b.mission_id, text=b.text, created_by=b.created_by, created_at=b.created_at,
                   destroyed_at=b.destroyed_at, destroyed_by=b.destroyed_by, destroy_reason=b.destroy_reason)
