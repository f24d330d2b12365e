"""The shinobi: their rows, partners and sleep."""
from __future__ import annotations

import builtins
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB

from ....domain.fatigue import SleepEpisode
from ....domain.ranks import Classification, ShinobiRank, ShinobiStatus
from ....domain.roster import Shinobi
from .. import sleep_digest
from ..tables import (
    AccountRow,
    PartnerRow,
    ShinobiRow,
    SleepEpisodeRow,
)
from .base import _Repo

_RANK = {r.value: r for r in ShinobiRank}  # a dict lookup, not an Enum call per row
_CLEARANCE = {c.value: c for c in Classification}
_STATUS = {s.value: s for s in ShinobiStatus}
# Read as plain rows, not ORM objects: a village of 10,000 is read on every recommendation and plan.
_SHINOBI_COLUMNS = (ShinobiRow.id, ShinobiRow.name, ShinobiRow.rank, ShinobiRow.clearance, ShinobiRow.status,
                    ShinobiRow.divisions, ShinobiRow.specialties)


class ShinobiRepository(_Repo):
    def add(self, *, name: str, rank: ShinobiRank, clearance: Classification, divisions: list[str],
            specialties: list[str], now: datetime) -> int:
        row = ShinobiRow(name=name, rank=rank.value, clearance=clearance.value, status=ShinobiStatus.ACTIVE.value,
                         divisions=divisions, specialties=specialties, created_at=now)
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, shinobi_id: int) -> Shinobi | None:
        found = self.get_many([shinobi_id])
        return found.get(shinobi_id)

    def get_many(self, ids: Iterable[int], *, links: bool = True) -> dict[int, Shinobi]:
        """By id; `links=False` skips partners and usernames (the fitness rules need neither)."""
        ids = list(set(ids))
        if not ids:
            return {}
        rows = self.session.execute(select(*_SHINOBI_COLUMNS).where(self._among(ShinobiRow.id, ids))).all()
        return self._convert(rows, links=links)

    def names(self, ids: Iterable[int]) -> dict[int, str]:
        """The names of these shinobi (of those that exist): what a page needs to name the few people it shows."""
        ids = list(set(ids))
        if not ids:
            return {}
        return dict(self.session.execute(select(ShinobiRow.id, ShinobiRow.name)
                                         .where(self._among(ShinobiRow.id, ids))).tuples().all())

    def list(self, *, status: ShinobiStatus | None = None, rank: ShinobiRank | None = None, links: bool = True,
             after: int | None = None, limit: int | None = None) -> builtins.list[Shinobi]:
        """By id; from after the id `after`, at most `limit` of them, when given."""
        q = select(*_SHINOBI_COLUMNS).order_by(ShinobiRow.id).limit(limit)
        if after is not None:
            q = q.where(ShinobiRow.id > after)
        if status is not None:
            q = q.where(ShinobiRow.status == status.value)
        if rank is not None:
            q = q.where(ShinobiRow.rank == rank.value)
        return list(self._convert(self.session.execute(q).all(), links=links).values())

    def list_in_division(self, division: str, *, links: bool = True) -> builtins.list[Shinobi]:
        """Those whose divisions hold `division`, by id: the JSON array searched in SQL (SQLite: json_each;
        PostgreSQL: jsonb containment), not the whole village read to be filtered here."""
        if self.session.get_bind().dialect.name == "sqlite":
            each = func.json_each(ShinobiRow.divisions).table_valued("value")
            held: ColumnElement[bool] = select(literal(1)).select_from(each).where(each.c.value == division).exists()
            if division.isascii():  # the array's text holds the name as json.dumps wrote it: parse only those
                held = (func.instr(ShinobiRow.divisions, json.dumps(division)) > 0) & held
        else:
            held = cast(ShinobiRow.divisions, JSONB).contains([division])
        q = select(*_SHINOBI_COLUMNS).where(held).order_by(ShinobiRow.id)
        return list(self._convert(self.session.execute(q).all(), links=links).values())

    def _named(self, holding: str, besides: Iterable[int]) -> builtins.list[Any]:
        needle = holding.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where = [ShinobiRow.name.ilike(f"%{needle}%", escape="\\")] if needle else []
        besides = list(besides)
        if besides:
            where.append(ShinobiRow.id.notin_(besides))
        return where

    def list_named(self, holding: str, *, besides: Iterable[int] = (), limit: int, links: bool = True
                   ) -> builtins.list[Shinobi]:
        """The first `limit` whose name holds `holding` (any case; everyone when empty), but the `besides`
        ids, by name then id."""
        q = (select(*_SHINOBI_COLUMNS).where(*self._named(holding, besides))
             .order_by(ShinobiRow.name, ShinobiRow.id).limit(limit))
        return list(self._convert(self.session.execute(q).all(), links=links).values())

    def count_named(self, holding: str, *, besides: Iterable[int] = ()) -> int:
        """How many `list_named` could list."""
        return self.session.execute(select(func.count()).select_from(ShinobiRow)
                                    .where(*self._named(holding, besides))).scalar_one()

    def _convert(self, rows: Iterable[Any], *, links: bool = True) -> dict[int, Shinobi]:
        rows = list(rows)
        ids = [r.id for r in rows]
        partners: dict[int, list[int]] = defaultdict(list)
        usernames: dict[int, str] = {}
        if ids and links:
            for p in self.session.execute(select(PartnerRow.shinobi_id, PartnerRow.partner_id)
                                          .where(self._among(PartnerRow.shinobi_id, ids))
                                          .order_by(PartnerRow.partner_id)):
                partners[p.shinobi_id].append(p.partner_id)
            for a in self.session.execute(select(AccountRow.shinobi_id, AccountRow.username)
                                          .where(self._among(AccountRow.shinobi_id, ids))):
                usernames[a.shinobi_id] = a.username
        return {
            r.id: Shinobi(id=r.id, name=r.name, rank=_RANK[r.rank], clearance=_CLEARANCE[r.clearance],
                          status=_STATUS[r.status], divisions=tuple(r.divisions or ()),
                          specialties=tuple(r.specialties or ()), partner_ids=tuple(partners[r.id]),
                          username=usernames.get(r.id))
            for r in rows
        }

    def change(self, shinobi_id: int, *, name: str | None = None, rank: ShinobiRank | None = None,
               clearance: Classification | None = None, divisions: builtins.list[str] | None = None,
               specialties: builtins.list[str] | None = None) -> None:
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = name
        if rank is not None:
            values["rank"] = rank.value
        if clearance is not None:
            values["clearance"] = clearance.value
        if divisions is not None:
            values["divisions"] = divisions
        if specialties is not None:
            values["specialties"] = specialties
        if values:
            self.session.execute(update(ShinobiRow).where(ShinobiRow.id == shinobi_id).values(**values))

    def set_status(self, ids: Iterable[int], status: ShinobiStatus) -> None:
        ids = list(ids)
        if ids:
            self.session.execute(update(ShinobiRow).where(self._among(ShinobiRow.id, ids)).values(status=status.value))

    def link_partners(self, a: int, b: int, now: datetime) -> bool:
        """Link both ways; False when they were already linked."""
        if self.session.get(PartnerRow, (a, b)) is not None:
            return False
        self.session.add_all([PartnerRow(shinobi_id=a, partner_id=b, linked_at=now),
                              PartnerRow(shinobi_id=b, partner_id=a, linked_at=now)])
        self.session.flush()
        return True

    # -- sleep ---------------------------------------------------------------------------------
    def sleep(self, shinobi_id: int, *, ending_after: datetime | None = None) -> builtins.list[SleepEpisode]:
        return self.sleep_many([shinobi_id], ending_after=ending_after)[shinobi_id]

    def sleep_many(self, ids: Iterable[int], *, ending_after: datetime | None = None
                   ) -> dict[int, builtins.list[SleepEpisode]]:
        ids = list(ids)
        out: dict[int, list[SleepEpisode]] = {i: [] for i in ids}
        if not ids:
            return out
        q = (select(SleepEpisodeRow.shinobi_id, SleepEpisodeRow.start_at, SleepEpisodeRow.end_at)
             .where(self._among(SleepEpisodeRow.shinobi_id, ids)).order_by(SleepEpisodeRow.start_at))
        if ending_after is not None:
            q = q.where(SleepEpisodeRow.end_at > ending_after)
        for r in self.session.execute(q):
            out[r.shinobi_id].append(SleepEpisode(start=r.start_at, end=r.end_at))
        return out

    def overlapping_sleep(self, shinobi_id: int, start: datetime, end: datetime) -> SleepEpisode | None:
        r = self.session.execute(
            select(SleepEpisodeRow.start_at, SleepEpisodeRow.end_at)
            .where(SleepEpisodeRow.shinobi_id == shinobi_id, SleepEpisodeRow.start_at < end,
                   SleepEpisodeRow.end_at > start).limit(1)).first()
        return SleepEpisode(start=r.start_at, end=r.end_at) if r else None

    def add_sleep(self, shinobi_id: int, start: datetime, end: datetime, by: str | None, now: datetime) -> int:
        row = SleepEpisodeRow(shinobi_id=shinobi_id, start_at=start, end_at=end, logged_by=by, logged_at=now)
        self.session.add(row)
        self.session.flush()
        sleep_digest.add(self.session.connection(), shinobi_id, start, end)  # in the same transaction
        return row.id
