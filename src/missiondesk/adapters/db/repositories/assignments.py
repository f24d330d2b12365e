"""Assignments (teams sent and proposed), mission reports and the memorial."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from ....domain.missions import CasualtyStatus, Outcome, Report, ReportedCasualty
from ....domain.roster import Assignment, AssignmentStatus, MemorialEntry
from ..tables import AssignmentMemberRow, AssignmentRow, MemorialRow, ReportRow, ShinobiRow
from .base import _Repo


class AssignmentRepository(_Repo):
    def add(self, *, mission_id: int, shinobi_ids: list[int], departs_at: datetime, by: str | None,
            justification: str | None, now: datetime, status: AssignmentStatus = AssignmentStatus.ACTIVE,
            accepted_ids: Iterable[int] | None = None, known_codes: dict[int, list[str]] | None = None
            ) -> Assignment:
        """A team sent (`active`: every member accepted and held) or proposed (only `accepted_ids` have
        said yes, and nobody is held yet)."""
        sent = status is AssignmentStatus.ACTIVE
        accepted = set(shinobi_ids if accepted_ids is None else accepted_ids)
        row = AssignmentRow(mission_id=mission_id, departs_at=departs_at, created_at=now, created_by=by,
                            override_justification=justification, status=status.value)
        self.session.add(row)
        self.session.flush()
        self.session.add_all([AssignmentMemberRow(assignment_id=row.id, shinobi_id=s, position=i, active=sent,
                                                  accepted_at=now if s in accepted else None,
                                                  known_codes=(known_codes or {}).get(s, []))
                              for i, s in enumerate(shinobi_ids)])
        self.session.flush()
        added = self.get(row.id)
        assert added is not None  # just written
        return added

    def get(self, assignment_id: int) -> Assignment | None:
        rows = self.session.scalars(select(AssignmentRow).where(AssignmentRow.id == assignment_id)).all()
        return next(iter(self._convert(rows).values()), None)

    def for_mission(self, mission_id: int) -> Assignment | None:
        """The team sent on the mission (active or closed), if any."""
        return self.for_missions([mission_id]).get(mission_id)

    def for_missions(self, mission_ids: Iterable[int]) -> dict[int, Assignment]:
        mission_ids = list(mission_ids)
        if not mission_ids:
            return {}
        rows = self.session.scalars(select(AssignmentRow).where(
            self._among(AssignmentRow.mission_id, mission_ids),
            AssignmentRow.status.in_([AssignmentStatus.ACTIVE.value, AssignmentStatus.CLOSED.value]))).all()
        return {a.mission_id: a for a in self._convert(rows).values()}

    def sent_with(self, shinobi_id: int) -> list[Assignment]:
        """The teams (active or closed) the shinobi was sent with, by query on the members."""
        q = select(AssignmentRow).where(
            AssignmentRow.status.in_([AssignmentStatus.ACTIVE.value, AssignmentStatus.CLOSED.value]),
            AssignmentRow.id.in_(select(AssignmentMemberRow.assignment_id)
                                 .where(AssignmentMemberRow.shinobi_id == shinobi_id)))
        return list(self._convert(self.session.scalars(q).all()).values())

    def proposals(self, *, mission_id: int | None = None, shinobi_id: int | None = None) -> list[Assignment]:
        """Open proposals (oldest first), for a mission or naming a shinobi."""
        q = select(AssignmentRow).where(AssignmentRow.status == AssignmentStatus.PROPOSED.value)
        if mission_id is not None:
            q = q.where(AssignmentRow.mission_id == mission_id)
        if shinobi_id is not None:
            q = q.where(AssignmentRow.id.in_(select(AssignmentMemberRow.assignment_id)
                                             .where(AssignmentMemberRow.shinobi_id == shinobi_id)))
        return list(self._convert(self.session.scalars(q.order_by(AssignmentRow.id)).all()).values())

    def booked(self, shinobi_ids: Iterable[int] | None = None, *,
               departing: tuple[datetime, datetime] | None = None) -> list[Assignment]:
        """Active assignments with one of these shinobi (anyone, when None) among the members the gate has not
        yet logged out; leaving in [from, to] when `departing` is given."""
        members = select(AssignmentMemberRow.assignment_id).where(AssignmentMemberRow.active.is_(True),
                                                                  AssignmentMemberRow.left_at.is_(None))
        if shinobi_ids is not None:
            ids = list(shinobi_ids)
            if not ids:
                return []
            members = members.where(self._among(AssignmentMemberRow.shinobi_id, ids))
        q = (select(AssignmentRow)
             .where(AssignmentRow.status == AssignmentStatus.ACTIVE.value, AssignmentRow.id.in_(members))
             .order_by(AssignmentRow.id))
        if departing is not None:
            q = q.where(AssignmentRow.departs_at >= departing[0], AssignmentRow.departs_at <= departing[1])
        return list(self._convert(self.session.scalars(q).all()).values())

    def _convert(self, rows: Iterable[AssignmentRow]) -> dict[int, Assignment]:
        rows = list(rows)
        members: dict[int, list[AssignmentMemberRow]] = defaultdict(list)
        if rows:
            for m in self.session.scalars(select(AssignmentMemberRow)
                                          .where(self._among(AssignmentMemberRow.assignment_id, [r.id for r in rows]))
                                          .order_by(AssignmentMemberRow.assignment_id, AssignmentMemberRow.position)):
                members[m.assignment_id].append(m)
        return {r.id: _assignment(r, members[r.id]) for r in rows}

    def known_codes(self, assignment_id: int) -> dict[int, set[str]]:
        """The reasons already known for each member (overridden at booking, or told to the office since)."""
        rows = self.session.execute(select(AssignmentMemberRow.shinobi_id, AssignmentMemberRow.known_codes)
                                    .where(AssignmentMemberRow.assignment_id == assignment_id))
        return {sid: set(codes or ()) for sid, codes in rows}

    def set_known_codes(self, assignment_id: int, shinobi_id: int, codes: Iterable[str]) -> None:
        self.session.execute(update(AssignmentMemberRow)
                             .where(AssignmentMemberRow.assignment_id == assignment_id,
                                    AssignmentMemberRow.shinobi_id == shinobi_id)
                             .values(known_codes=sorted(set(codes))))

    def accept(self, assignment_id: int, shinobi_id: int, now: datetime) -> None:
        self.session.execute(update(AssignmentMemberRow)
                             .where(AssignmentMemberRow.assignment_id == assignment_id,
                                    AssignmentMemberRow.shinobi_id == shinobi_id,
                                    AssignmentMemberRow.accepted_at.is_(None))
                             .values(accepted_at=now))

    def activate(self, assignment_id: int) -> None:
        """Send a proposed team: the assignment active, its members held (the unique indexes decide races)."""
        self.session.execute(update(AssignmentRow).where(AssignmentRow.id == assignment_id)
                             .values(status=AssignmentStatus.ACTIVE.value))
        self.session.execute(update(AssignmentMemberRow).where(AssignmentMemberRow.assignment_id == assignment_id)
                             .values(active=True))
        self.session.flush()

    def decline(self, assignment_id: int, now: datetime) -> None:
        self.session.execute(update(AssignmentRow).where(AssignmentRow.id == assignment_id)
                             .values(status=AssignmentStatus.DECLINED.value, ended_at=now))

    def mark_left(self, assignment_id: int, shinobi_ids: Iterable[int], at: datetime) -> None:
        self.session.execute(update(AssignmentMemberRow)
                             .where(AssignmentMemberRow.assignment_id == assignment_id,
                                    self._among(AssignmentMemberRow.shinobi_id, list(shinobi_ids)),
                                    AssignmentMemberRow.left_at.is_(None))
                             .values(left_at=at))

    def on_active_assignment(self, ids: Iterable[int], *, besides: int | None = None) -> set[int]:
        """Those held by an active assignment (`besides`: other than that one)."""
        ids = list(ids)
        if not ids:
            return set()
        q = select(AssignmentMemberRow.shinobi_id).where(self._among(AssignmentMemberRow.shinobi_id, ids),
                                                          AssignmentMemberRow.active.is_(True))
        if besides is not None:
            q = q.where(AssignmentMemberRow.assignment_id != besides)
        return set(self.session.scalars(q).all())

    def end(self, assignment_id: int, at: datetime) -> None:
        self.session.execute(update(AssignmentRow).where(AssignmentRow.id == assignment_id)
                             .values(ended_at=at, status=AssignmentStatus.CLOSED.value))
        self.session.execute(update(AssignmentMemberRow).where(AssignmentMemberRow.assignment_id == assignment_id)
                             .values(active=False))

    def add_report(self, *, mission_id: int, outcome: str, at: datetime, summary: str | None,
                   casualties: list[dict[str, Any]], specimens: list[dict[str, Any]], by: str | None,
                   now: datetime) -> int:
        row = ReportRow(mission_id=mission_id, outcome=outcome, at=at, summary=summary, casualties=casualties,
                        specimens=specimens, filed_by=by, filed_at=now)
        self.session.add(row)
        self.session.flush()
        return row.id

    def report_for(self, mission_id: int) -> Report | None:
        row = self.session.scalar(select(ReportRow).where(ReportRow.mission_id == mission_id))
        if row is None:
            return None
        return Report(id=row.id, mission_id=row.mission_id, outcome=Outcome(row.outcome), at=row.at,
                      summary=row.summary,
                      casualties=tuple(ReportedCasualty(c["shinobi_id"], CasualtyStatus(c["status"]))
                                       for c in row.casualties or ()),
                      specimens=tuple(x.get("description", "") for x in row.specimens or ()),
                      filed_by=row.filed_by, filed_at=row.filed_at)

    def add_to_memorial(self, shinobi_id: int, rank: str, died_at: datetime, mission_id: int | None) -> None:
        self.session.add(MemorialRow(shinobi_id=shinobi_id, rank=rank, died_at=died_at, mission_id=mission_id))
        self.session.flush()

    def memorial_position(self, shinobi_id: int) -> tuple[datetime, int] | None:
        """Where a name stands on the memorial, (died_at, shinobi id): the cursor `memorial` pages after."""
        died_at = self.session.scalar(select(MemorialRow.died_at).where(MemorialRow.shinobi_id == shinobi_id))
        return None if died_at is None else (died_at, shinobi_id)

    def memorial(self, *, after: tuple[datetime, int] | None = None, limit: int | None = None
                 ) -> list[MemorialEntry]:
        """The fallen by (died_at, shinobi id), from after the position `after`, at most `limit`."""
        q = (select(MemorialRow, ShinobiRow.name).join(ShinobiRow, ShinobiRow.id == MemorialRow.shinobi_id)
             .order_by(MemorialRow.died_at, MemorialRow.shinobi_id).limit(limit))
        if after is not None:
            q = q.where(MemorialRow.died_at >= after[0],
                        or_(MemorialRow.died_at > after[0], MemorialRow.shinobi_id > after[1]))
        rows = self.session.execute(q)
        return [MemorialEntry(shinobi_id=m.shinobi_id, name=name, rank=m.rank, died_at=m.died_at,
                              mission_id=m.mission_id) for m, name in rows]


def _assignment(row: AssignmentRow, members: list[AssignmentMemberRow]) -> Assignment:
    return Assignment(id=row.id, mission_id=row.mission_id, shinobi_ids=tuple(m.shinobi_id for m in members),
                      departs_at=row.departs_at, created_at=row.created_at, created_by=row.created_by,
                      override_justification=row.override_justification, ended_at=row.ended_at,
                      status=AssignmentStatus(row.status),
                      accepted_ids=tuple(m.shinobi_id for m in members if m.accepted_at is not None),
                      left_ids=tuple(m.shinobi_id for m in members if m.left_at is not None))
