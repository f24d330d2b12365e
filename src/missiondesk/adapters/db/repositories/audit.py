"""The audit log: a hash chain."""
from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, cast, exists, literal, select, text, union_all

from ....domain.audit import GENESIS, AuditEntry, canonical, chain_hash, load_details
from ..tables import AccountRow, AuditRow
from .base import _Repo


class AuditRepository(_Repo):
    def append(self, *, at: datetime, actor: str | None, action: str, target: str | None,
               details: dict[str, Any]) -> AuditEntry:
        """Append at the head of the chain. Writers are serialised: SQLite by BEGIN IMMEDIATE,
        PostgreSQL by a transaction-scoped advisory lock taken before reading the head."""
        at = at.astimezone(UTC)
        details = json.loads(json.dumps(details, default=str))  # exactly what the JSON column gives back
        if self.session.get_bind().dialect.name == "postgresql":
            # writers already hold it (see session.py); a read that records an audit entry takes it here
            self.session.execute(text("SELECT pg_advisory_xact_lock(7431001)"))
        head = self.session.execute(select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc())
                                    .limit(1)).first()
        seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS)
        digest = chain_hash(prev, canonical(seq, at, actor, action, target, details))
        self.session.add(AuditRow(seq=seq, at=at, actor=actor, action=action, target=target, details=details,
                                  prev_hash=prev, hash=digest))
        self.session.flush()
        return AuditEntry(seq=seq, at=at, actor=actor, action=action, target=target, details=details,
                          prev_hash=prev, hash=digest)

    def list(self, *, actor: str | None = None, action: str | None = None, target: str | None = None,
             since: datetime | None = None, until: datetime | None = None, after_seq: int = 0,
             limit: int = 1000) -> builtins.list[AuditEntry]:
        q = select(AuditRow).where(AuditRow.seq > after_seq).order_by(AuditRow.seq).limit(limit)
        if actor is not None:
            q = q.where(AuditRow.actor == actor)
        if action is not None:
            q = q.where(AuditRow.action == action)
        if target is not None:
            q = q.where(AuditRow.target == target)
        if since is not None:
            q = q.where(AuditRow.at >= since)
        if until is not None:
            q = q.where(AuditRow.at < until)
        return [_entry(r) for r in self.session.scalars(q)]

    def acts_of(self, shinobi_ids: Iterable[int], *, since: datetime, until: datetime
                ) -> dict[int, builtins.list[datetime]]:
        """When each shinobi's own account acted on the record (sign-ins, requests), oldest first."""
        ids = list(shinobi_ids)
        out: dict[int, list[datetime]] = {i: [] for i in ids}
        if not ids:
            return out
        # their accounts first, then those accounts' entries in the window by the (actor, at) index: as one join
        # PostgreSQL guessed every id had an account and scanned the window of the whole log
        accounts = dict(self.session.execute(select(AccountRow.username, AccountRow.shinobi_id)
                                             .where(self._among(AccountRow.shinobi_id, ids))).tuples().all())
        if accounts:
            for actor, at in self.session.execute(
                    select(AuditRow.actor, AuditRow.at)
                    .where(AuditRow.actor.in_(sorted(accounts)), AuditRow.at >= since, AuditRow.at <= until)
                    .order_by(AuditRow.at, AuditRow.seq)):
                if actor is not None:  # always, by the filter
                    out[accounts[actor]].append(at)
        return out

    def actions_present(self, actions: Iterable[str]) -> set[str]:
        """Which of these actions the log holds: one probe of the action index each, in no order (ordered by
        seq, PostgreSQL walked the whole log for an action it does not hold), all in one statement (a round trip
        each was 48 ms for the audit page's 52 actions on PostgreSQL)."""
        wanted = sorted(set(actions))
        if not wanted:
            return set()
        probes = [select(literal(a)).where(exists().where(AuditRow.action == a)) for a in wanted]
        return set(self.session.execute(union_all(*probes)).scalars())

    def head(self) -> AuditEntry | None:
        row = self.session.scalar(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1))
        return _entry(row) if row else None

    def get(self, seq: int) -> AuditEntry | None:
        row = self.session.get(AuditRow, seq)
        return _entry(row) if row else None

    def walk(self, batch: int = 5000, *, after: int = 0, until: int | None = None) -> Iterator[AuditEntry]:
        """The entries after seq `after` (up to `until`) in seq order, as stored: the details are read from the
        column's own text (PostgreSQL's json keeps it as written; SQLite keeps text) and parsed strictly, so
        an entry whose details repeat a key is flawed here, not quietly collapsed to one value by the driver."""
        raw = cast(AuditRow.details, Text)
        while True:
            q = (select(AuditRow.seq, AuditRow.at, AuditRow.actor, AuditRow.action, AuditRow.target, raw,
                        AuditRow.prev_hash, AuditRow.hash)
                 .where(AuditRow.seq > after).order_by(AuditRow.seq).limit(batch))
            if until is not None:
                q = q.where(AuditRow.seq <= until)
            rows = self.session.execute(q).all()
            if not rows:
                return
            for seq, at, actor, action, target, text_, prev_hash, hash_ in rows:
                details, flaw = load_details(text_)
                yield AuditEntry(seq=seq, at=at, actor=actor, action=action, target=target, details=details,
                                 prev_hash=prev_hash, hash=hash_, flaw=flaw)
            after = rows[-1][0]


def _entry(r: AuditRow) -> AuditEntry:
    return AuditEntry(seq=r.seq, at=r.at, actor=r.actor, action=r.action, target=r.target,
                      details=dict(r.details or {}), prev_hash=r.prev_hash, hash=r.hash)
