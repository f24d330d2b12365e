"""Missions and their authorizations."""
from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from ....domain.missions import Mission, MissionLine
from ....domain.ranks import Classification, MissionRank, MissionStatus
from ....domain.risk import Threat
from ..tables import AuthorizationRow, MissionRow
from .base import _Repo


class MissionRepository(_Repo):
    def add(self, *, title: str, rank: MissionRank, kind: str, classification: Classification, reward_ryo: int,
            min_team_size: int, status: MissionStatus, posted_at: datetime, description: str | None,
            by: str | None, threat: Threat = Threat.NONE, threat_count: int = 0) -> int:
        row = MissionRow(title=title, rank=rank.value, kind=kind, classification=classification.value,
                         reward_ryo=reward_ryo, min_team_size=min_team_size, status=status.value,
                         posted_at=posted_at, description=description, created_by=by, threat=threat.value,
                         threat_count=threat_count)
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, mission_id: int) -> Mission | None:
        row = self.session.get(MissionRow, mission_id)
        return self._convert([row])[0] if row else None

    def get_many(self, ids: Iterable[int]) -> dict[int, Mission]:
        ids = list(set(ids))
        if not ids:
            return {}
        return {m.id: m for m in self._convert(self.session.scalars(select(MissionRow)
                                                                    .where(self._among(MissionRow.id, ids))))}

    def lines(self, *, rank: MissionRank | None = None, status: MissionStatus | None = None) -> list[MissionLine]:
        """Every mission (of that rank and status) as its plain columns: no JSON read, no ORM object."""
        m = MissionRow
        q = select(m.id, m.title, m.rank, m.classification, m.status, m.posted_at, m.reward_ryo).order_by(m.id)
        if rank is not None:
            q = q.where(m.rank == rank.value)
        if status is not None:
            q = q.where(m.status == status.value)
        ranks = {e.value: e for e in MissionRank}
        clearances = {e.value: e for e in Classification}
        statuses = {e.value: e for e in MissionStatus}
        return [MissionLine(r.id, r.title, ranks[r.rank], clearances[r.classification], statuses[r.status],
                            r.posted_at, r.reward_ryo) for r in self.session.execute(q)]

    def list(self, *, status: MissionStatus | None = None, after: int | None = None, limit: int | None = None,
             posted_before: datetime | None = None) -> builtins.list[Mission]:
        """By id; from after the id `after`, at most `limit` of them, posted before a time, when given."""
        q = select(MissionRow).order_by(MissionRow.id).limit(limit)
        if posted_before is not None:
            q = q.where(MissionRow.posted_at < posted_before)
        if after is not None:
            q = q.where(MissionRow.id > after)
        if status is not None:
            q = q.where(MissionRow.status == status.value)
        return self._convert(self.session.scalars(q).all())

    def _convert(self, rows: Iterable[MissionRow]) -> builtins.list[Mission]:
        rows = list(rows)
        signed: dict[int, list[str]] = defaultdict(list)
        ids = [r.id for r in rows]
        if ids:
            for a in self.session.execute(select(AuthorizationRow.mission_id, AuthorizationRow.username)
                                          .where(self._among(AuthorizationRow.mission_id, ids))
                                          .order_by(AuthorizationRow.id)):
                signed[a.mission_id].append(a.username)
        return [Mission(id=r.id, title=r.title, rank=MissionRank(r.rank), kind=r.kind,
                        classification=Classification(r.classification), reward_ryo=r.reward_ryo,
                        min_team_size=r.min_team_size, status=MissionStatus(r.status), posted_at=r.posted_at,
                        description=r.description, authorized_by=tuple(signed[r.id]),
                        threat=Threat(r.threat), threat_count=r.threat_count) for r in rows]

    def set_status(self, mission_id: int, status: MissionStatus, *, closed_at: datetime | None = None) -> None:
        values: dict[str, Any] = {"status": status.value}
        if closed_at is not None:
            values["closed_at"] = closed_at
        self.session.execute(update(MissionRow).where(MissionRow.id == mission_id).values(**values))

    def change(self, mission_id: int, **values: Any) -> None:
        """Explicit field updates (title, kind, classification, reward_ryo, min_team_size, description, threat,
        threat_count), as the service names them; enums are stored by value."""
        allowed = {"title", "kind", "classification", "reward_ryo", "min_team_size", "description", "threat",
                   "threat_count"}
        assert set(values) <= allowed, set(values) - allowed
        if values:
            self.session.execute(update(MissionRow).where(MissionRow.id == mission_id).values(
                **{k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}))

    def add_authorization(self, mission_id: int, account_id: int, username: str, at: datetime) -> None:
        self.session.add(AuthorizationRow(mission_id=mission_id, account_id=account_id, username=username, at=at))
        self.session.flush()
