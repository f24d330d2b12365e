"""The fitted risk models and what a fit learns from."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from ....domain.missions import Outcome
from ....domain.ranks import ShinobiRank
from ....domain.risk import Member, PastMission, RiskModel, Threat
from ..tables import AssignmentMemberRow, AssignmentRow, MissionRow, ReportRow, RiskModelRow, ShinobiRow
from .base import _Repo

HARMED = ("kia", "mia", "injured")  # the casualties the casualty model counts


class RiskRepository(_Repo):
    def latest(self) -> RiskModel | None:
        row = self.session.scalar(select(RiskModelRow).order_by(RiskModelRow.id.desc()).limit(1))
        if row is None:
            return None
        return RiskModel(success=tuple(row.success), casualty=tuple(row.casualty), source="fitted",
                         reports=row.reports, calibration=dict(row.calibration))

    def add(self, model: RiskModel, now: datetime) -> None:
        self.session.add(RiskModelRow(fitted_at=now, reports=model.reports, success=list(model.success),
                                      casualty=list(model.casualty), calibration=model.calibration))
        self.session.flush()

    @staticmethod
    def _learned_from(*columns: Any) -> Select[Any]:
        """The reports a fit learns from: a mission with a team, and an outcome (aborted ones teach nothing)."""
        return (select(*columns).select_from(ReportRow)
                .join(MissionRow, MissionRow.id == ReportRow.mission_id)
                .join(AssignmentRow, AssignmentRow.mission_id == ReportRow.mission_id)
                .where(ReportRow.outcome != "aborted"))

    def history(self) -> list[PastMission]:
        """Past missions with their teams and outcomes: what a fit learns from (two queries: the reports, then
        every member of their teams at once)."""
        reports = self.session.execute(
            self._learned_from(ReportRow.outcome, ReportRow.casualties, MissionRow.id, MissionRow.kind,
                               MissionRow.threat, MissionRow.threat_count, AssignmentRow.id,
                               AssignmentRow.departs_at).order_by(ReportRow.id)).all()
        teams: dict[int, list[Member]] = defaultdict(list)
        members = (select(AssignmentMemberRow.assignment_id, ShinobiRow.id, ShinobiRow.rank, ShinobiRow.specialties)
                   .join(ShinobiRow, ShinobiRow.id == AssignmentMemberRow.shinobi_id)
                   .where(AssignmentMemberRow.assignment_id.in_(self._learned_from(AssignmentRow.id)))
                   .order_by(AssignmentMemberRow.assignment_id, ShinobiRow.id))
        for assignment_id, sid, rank, specialties in self.session.execute(members):
            teams[assignment_id].append(Member(id=sid, rank=ShinobiRank(rank), specialties=tuple(specialties or ())))
        return [PastMission(mission_id=mission_id, kind=kind, threat=Threat(threat), threat_count=threat_count,
                            departs_at=departs_at, succeeded=outcome == Outcome.SUCCESS.value,
                            harmed=any(c["status"] in HARMED for c in casualties or ()),
                            members=tuple(teams[assignment_id]))
                for outcome, casualties, mission_id, kind, threat, threat_count, assignment_id, departs_at
                in reports]

    def history_size(self) -> int:
        """len(history()), in one query."""
        return self.session.scalar(self._learned_from(func.count(ReportRow.id))) or 0
