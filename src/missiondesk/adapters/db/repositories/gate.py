"""The gate log."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select

from ....domain.gate import Direction, GateEvent, GateLogEntry
from .. import gate_digest
from ..tables import (
    GateEventRow,
)
from .base import _Repo


class GateRepository(_Repo):
    def add(self, *, direction: Direction, at: datetime, shinobi_id: int | None = None,
            detainee_id: int | None = None, by: str | None, now: datetime, flagged: str | None) -> int:
        row = GateEventRow(direction=direction.value, at=at, shinobi_id=shinobi_id, detainee_id=detainee_id,
                           logged_by=by, logged_at=now, flagged=flagged)
        self.session.add(row)
        self.session.flush()
        if shinobi_id is not None:  # in the same transaction: the digest is never behind the log
            gate_digest.add(self.session.connection(), shinobi_id, row.id, at, direction is Direction.IN)
        return row.id

    def events_for(self, ids: Iterable[int], *, detainees: bool = False) -> dict[int, list[GateEvent]]:
        """Gate events per person (shinobi, or detainees when asked), oldest first."""
        column = GateEventRow.detainee_id if detainees else GateEventRow.shinobi_id
        ids = list(ids)
        out: dict[int, list[GateEvent]] = {i: [] for i in ids}
        if ids:
            for r in self.session.execute(select(GateEventRow.id, column.label("person"), GateEventRow.direction,
                                                 GateEventRow.at)
                                          .where(self._among(column, ids)).order_by(GateEventRow.at, GateEventRow.id)):
                out[r.person].append(GateEvent(id=r.id, direction=Direction(r.direction), at=r.at))
        return out

    def all_events(self, *, detainees: bool = False) -> dict[int, list[GateEvent]]:
        column = GateEventRow.detainee_id if detainees else GateEventRow.shinobi_id
        out: dict[int, list[GateEvent]] = defaultdict(list)
        for r in self.session.execute(select(GateEventRow.id, column.label("person"), GateEventRow.direction,
                                             GateEventRow.at).where(column.is_not(None))
                                      .order_by(GateEventRow.at, GateEventRow.id)):
            out[r.person].append(GateEvent(id=r.id, direction=Direction(r.direction), at=r.at))
        return out

    def position(self, event_id: int, *, include_detainees: bool = True) -> tuple[datetime, int] | None:
        """Where an event stands in the log's order, (at, id): the cursor `log` pages after."""
        q = select(GateEventRow.at).where(GateEventRow.id == event_id)
        if not include_detainees:
            q = q.where(GateEventRow.detainee_id.is_(None))
        at = self.session.scalar(q)
        return None if at is None else (at, event_id)

    def log(self, *, since: datetime | None = None, until: datetime | None = None, shinobi_id: int | None = None,
            detainee_id: int | None = None, include_detainees: bool = True, limit: int = 1000,
            after: tuple[datetime, int] | None = None) -> list[GateLogEntry]:
        """The log by (at, id), from after the position `after` (a later event logged with an earlier time
        takes its place in time, and moves no other event to another page)."""
        q = select(GateEventRow).order_by(GateEventRow.at, GateEventRow.id).limit(limit)
        if after is not None:  # (at, id) > after, as a range on `at` an index serves
            q = q.where(GateEventRow.at >= after[0],
                        or_(GateEventRow.at > after[0], GateEventRow.id > after[1]))
        if since is not None:
            q = q.where(GateEventRow.at >= since)
        if until is not None:
            q = q.where(GateEventRow.at < until)
        if shinobi_id is not None:
            q = q.where(GateEventRow.shinobi_id == shinobi_id)
        if detainee_id is not None:
            q = q.where(GateEventRow.detainee_id == detainee_id)
        if not include_detainees:
            q = q.where(GateEventRow.detainee_id.is_(None))
        return [GateLogEntry(id=r.id, direction=Direction(r.direction), at=r.at, shinobi_id=r.shinobi_id,
                             detainee_id=r.detainee_id, flagged=r.flagged, logged_by=r.logged_by)
                for r in self.session.scalars(q)]
