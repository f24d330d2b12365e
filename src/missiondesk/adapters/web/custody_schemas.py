"""The shape of a detainee: the chain of custody, audience requests, release."""
from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from ...domain.custody import AudienceRequest, Detainee, Link


class LinkRead(BaseModel):
    custodian_ids: list[int]
    from_: AwareDatetime = Field(serialization_alias="from")  # these custodians hold the detainee from then
    by: str | None

    @classmethod
    def of(cls, link: Link) -> LinkRead:
        return cls(custodian_ids=list(link.custodian_ids), from_=link.at, by=link.by)


class AudienceRequestRead(BaseModel):
    id: int
    with_: str = Field(serialization_alias="with")
    at: AwareDatetime
    status: str
    decided_at: AwareDatetime | None
    decided_by: str | None
    note: str | None

    @classmethod
    def of(cls, r: AudienceRequest) -> AudienceRequestRead:
        return cls(id=r.id, with_=r.with_, at=r.at, status=r.status.value, decided_at=r.decided_at,
                   decided_by=r.decided_by, note=r.note)


class DetaineeRead(BaseModel):
    id: int
    name: str
    origin: str | None
    status: str
    detained_since: AwareDatetime
    ended_at: AwareDatetime | None
    end_note: str | None
    held_hours: float  # until the release, or until now
    custodians: list[int]  # who holds them now (none once released)
    chain: list[LinkRead]  # oldest first
    audience_requests: list[AudienceRequestRead]

    @classmethod
    def of(cls, d: Detainee, now: datetime) -> DetaineeRead:
        return cls(id=d.id, name=d.name, origin=d.origin, status=d.status.value, detained_since=d.detained_since,
                   ended_at=d.ended_at, end_note=d.end_note,
                   held_hours=round(d.held_for(now).total_seconds() / 3600, 2), custodians=list(d.custodian_ids),
                   chain=[LinkRead.of(link) for link in d.chain],
                   audience_requests=[AudienceRequestRead.of(r) for r in d.audience_requests])
