"""The shapes of a mission's brief: written, read, destroyed."""
from __future__ import annotations

from pydantic import AwareDatetime, BaseModel

from ...domain.briefs import Brief


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
        return cls.model_validate(b, from_attributes=True)  # the brief's own fields, its text left out


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
        return cls.model_validate(b, from_attributes=True)
