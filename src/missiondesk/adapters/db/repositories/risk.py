"""The fitted risk models and what a fit learns from."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from ....domain.risk import RiskModel
from ..tables import AssignmentMemberRow, AssignmentRow, MissionRow, ReportRow, RiskModelRow, ShinobiRow
from .base import _Repo


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

    def history(self) -> list[dict[str, Any]]:
        """Past missions with their teams and outcomes: what a fit learns from."""
        out = []
        for rep, mission, assignment in self.session.execute(
                self._learned_from(ReportRow, MissionRow, AssignmentRow).order_by(ReportRow.id)):
            members = self.session.execute(
                select(ShinobiRow.id, ShinobiRow.rank, ShinobiRow.specialties)
                .join(AssignmentMemberRow, AssignmentMemberRow.shinobi_id == ShinobiRow.id)
                .where(AssignmentMemberRow.assignment_id == assignment.id)).all()
            out.append({"mission_id": mission.id, "kind": mission.kind, "threat": mission.threat,
                        "threat_count": mission.threat_count, "departs_at": assignment.departs_at,
                        "outcome": rep.outcome, "casualties": rep.casualties,
                        "members": [(m.id, m.rank, tuple(m.specialties or ())) for m in members]})
        return out

    def history_size(self) -> int:
        """len(history()), in one query."""
        return self.session.scalar(self._learned_from(func.count(ReportRow.id))) or 0
