"""Detainees, their chain of custody and audience requests."""
from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update

from ....domain.custody import AudienceRequest, AudienceStatus, Detainee, DetaineeStatus, Link
from ..tables import AudienceRequestRow, CustodyCustodianRow, CustodyLinkRow, DetaineeRow
from .base import _Repo


class CustodyRepository(_Repo):
    def add(self, *, name: str, origin: str | None, at: datetime, in_village: bool, custodian_ids: list[int],
            by: str | None, now: datetime) -> int:
        row = DetaineeRow(name=name, origin=origin, status=DetaineeStatus.HELD.value, detained_since=at,
                          in_village=in_village, created_by=by, created_at=now)
        self.session.add(row)
        self.session.flush()
        self.add_link(row.id, custodian_ids, at, by, now)
        return row.id

    def add_link(self, detainee_id: int, custodian_ids: list[int], at: datetime, by: str | None,
                 now: datetime) -> None:
        link = CustodyLinkRow(detainee_id=detainee_id, at=at, created_by=by, created_at=now)
        self.session.add(link)
        self.session.flush()
        self.session.add_all([CustodyCustodianRow(link_id=link.id, shinobi_id=s) for s in custodian_ids])
        self.session.flush()

    def end(self, detainee_id: int, status: DetaineeStatus, at: datetime, note: str | None) -> None:
        self.session.execute(update(DetaineeRow).where(DetaineeRow.id == detainee_id)
                             .values(status=status.value, ended_at=at, end_note=note))

    def add_audience_request(self, detainee_id: int, with_: str, at: datetime, by: str | None) -> int:
        row = AudienceRequestRow(detainee_id=detainee_id, with_=with_, at=at, status=AudienceStatus.OPEN.value,
                                 requested_by=by)
        self.session.add(row)
        self.session.flush()
        return row.id

    def decide_audience(self, request_id: int, status: AudienceStatus, at: datetime, by: str,
                        note: str | None) -> None:
        self.session.execute(update(AudienceRequestRow).where(AudienceRequestRow.id == request_id)
                             .values(status=status.value, decided_at=at, decided_by=by, note=note))

    def in_village_at_intake(self, ids: Iterable[int]) -> dict[int, bool]:
        ids = list(ids)
        if not ids:
            return {}
        return {r.id: r.in_village for r in self.session.execute(select(DetaineeRow.id, DetaineeRow.in_village)
                                                                  .where(self._among(DetaineeRow.id, ids)))}

    def get(self, detainee_id: int) -> Detainee | None:
        found = self._convert(self.session.scalars(select(DetaineeRow).where(DetaineeRow.id == detainee_id)))
        return found[0] if found else None

    def list(self, *, status: DetaineeStatus | None = None) -> builtins.list[Detainee]:
        q = select(DetaineeRow).order_by(DetaineeRow.id)
        if status is not None:
            q = q.where(DetaineeRow.status == status.value)
        return self._convert(self.session.scalars(q))

    def _convert(self, rows: Iterable[DetaineeRow]) -> builtins.list[Detainee]:
        rows = list(rows)
        ids = [r.id for r in rows]
        if not ids:
            return []
        custodians: dict[int, list[int]] = defaultdict(list)
        links: dict[int, list[CustodyLinkRow]] = defaultdict(list)
        for link in self.session.scalars(select(CustodyLinkRow).where(self._among(CustodyLinkRow.detainee_id, ids))
                                         .order_by(CustodyLinkRow.at, CustodyLinkRow.id)):
            links[link.detainee_id].append(link)
        link_ids = [lk.id for ls in links.values() for lk in ls]
        if link_ids:
            for c in self.session.execute(select(CustodyCustodianRow.link_id, CustodyCustodianRow.shinobi_id)
                                          .where(self._among(CustodyCustodianRow.link_id, link_ids))
                                          .order_by(CustodyCustodianRow.shinobi_id)):
                custodians[c.link_id].append(c.shinobi_id)
        requests: dict[int, list[AudienceRequest]] = defaultdict(list)
        for r in self.session.scalars(select(AudienceRequestRow).where(self._among(AudienceRequestRow.detainee_id, ids))
                                      .order_by(AudienceRequestRow.at, AudienceRequestRow.id)):
            requests[r.detainee_id].append(AudienceRequest(
                id=r.id, with_=r.with_, at=r.at, status=AudienceStatus(r.status), decided_at=r.decided_at,
                decided_by=r.decided_by, note=r.note))
        return [Detainee(id=r.id, name=r.name, origin=r.origin, status=DetaineeStatus(r.status),
                         detained_since=r.detained_since,
                         chain=tuple(Link(id=lk.id, custodian_ids=tuple(custodians[lk.id]), at=lk.at, by=lk.created_by)
                                     for lk in links[r.id]),
                         audience_requests=tuple(requests[r.id]), ended_at=r.ended_at, end_note=r.end_note)
                for r in rows]
