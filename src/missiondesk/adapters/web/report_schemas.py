"""The shapes of after-action reports and of the memorial."""
from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel

from ...services.reports import MemorialView, Report, ReportedCasualty, ReportFiled


class ReportedCasualtyRead(BaseModel):
    shinobi_id: int
    status: str

    @classmethod
    def of(cls, c: ReportedCasualty) -> ReportedCasualtyRead:
        return cls(shinobi_id=c.shinobi_id, status=c.status.value)


class SpecimenRead(BaseModel):
    description: str


class _ReportFields(BaseModel):
    id: int
    mission_id: int
    outcome: str
    at: AwareDatetime
    summary: str | None
    casualties: list[ReportedCasualtyRead]
    specimens: list[SpecimenRead]
    filed_by: str | None
    filed_at: AwareDatetime


class ReportRead(_ReportFields):
    @classmethod
    def of(cls, r: Report) -> ReportRead:
        return cls(**_report_fields(r))


class ReportFiledRead(_ReportFields):
    """The report just filed, with what it did: the mission's new status and the survivors' welfare holds."""

    mission_status: str
    welfare_hold_ids: list[int]

    @classmethod
    def of(cls, f: ReportFiled) -> ReportFiledRead:
        return cls(**_report_fields(f.report), mission_status=f.mission_status.value,
                   welfare_hold_ids=list(f.welfare_hold_ids))


def _report_fields(r: Report) -> dict[str, Any]:
    return {"id": r.id, "mission_id": r.mission_id, "outcome": r.outcome.value, "at": r.at, "summary": r.summary,
            "casualties": [ReportedCasualtyRead.of(c) for c in r.casualties],
            "specimens": [SpecimenRead(description=s) for s in r.specimens], "filed_by": r.filed_by,
            "filed_at": r.filed_at}


class MemorialRead(BaseModel):
    shinobi_id: int
    name: str
    rank: str
    died_at: AwareDatetime
    mission_id: int | None  # only for those cleared to see the mission
    mission_title: str | None

    @classmethod
    def of(cls, v: MemorialView) -> MemorialRead:
        e = v.entry
        return cls(shinobi_id=e.shinobi_id, name=e.name, rank=e.rank, died_at=e.died_at, mission_id=e.mission_id,
                   mission_title=v.mission_title)
