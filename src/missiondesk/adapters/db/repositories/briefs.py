"""Mission briefs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from ....domain.briefs import Brief
from ..tables import BriefRow
from .base import _Repo


class BriefRepository(_Repo):
    def add(self, mission_id: int, text_: str, by: str | None, now: datetime) -> Brief:
        row = BriefRow(mission_id=mission_id, text=text_, created_by=by, created_at=now)
        self.session.add(row)
        self.session.flush()
        return _brief(row)

    def latest(self, mission_id: int) -> Brief | None:
        """The live brief, else the last destroyed one."""
        row = self.session.scalar(select(BriefRow).where(BriefRow.mission_id == mission_id)
                                  .order_by(BriefRow.destroyed_at.is_(None).desc(), BriefRow.id.desc()).limit(1))
        return _brief(row) if row else None

    def destroy(self, brief_id: int, by: str, reason: str, now: datetime) -> None:
        self.session.execute(update(BriefRow).where(BriefRow.id == brief_id)
                             .values(text=None, destroyed_at=now, destroyed_by=by, destroy_reason=reason))


def _brief(r: BriefRow) -> Brief:
    return Brief(id=r.id, mission_id=r.mission_id, text=r.text, created_by=r.created_by, created_at=r.created_at,
                 destroyed_at=r.destroyed_at, destroyed_by=r.destroyed_by, destroy_reason=r.destroy_reason)
