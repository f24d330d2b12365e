"""The roster as columns: what the fitness rules read of every shinobi at once, one query per table, each
bounded in SQL by the time window the rules look at, and read without an object per row (a village of
10,000 has some 140,000 sleep episodes in its fortnight)."""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, String, cast, false, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from ...domain.medical import Restriction, WelfareHold
from ...domain.ranks import Classification, Role, ShinobiRank, ShinobiStatus
from ...domain.roster import Columns, RosterPeople
from . import gate_digest, sleep_digest
from .repositories import _hold, _Repo, _restriction
from .tables import (
    AccountRow,
    AssignmentMemberRow,
    AuditRow,
    GateDigestRow,
    GateEventRow,
    RestrictionRow,
    RosterVersionRow,
    ShinobiRow,
    SleepDigestRow,
    SleepEpisodeRow,
    WelfareHoldRow,
)

T = TypeVar("T")
_MICROS: dict[tuple[Any, str], ColumnElement[Any]] = {}  # RosterRepository._micros's, by column and dialect

_RANK_ORDER = {r.value: r.order for r in ShinobiRank}
_CLEARANCE_ORDER = {c.value: c.order for c in Classification}
_STATUS = {s.value: s for s in ShinobiStatus}


class RosterCache:
    """The roster's columns that change only with a write (the people, the two digests), kept in the process under
    the roster's version they were read at (table roster_version, which triggers move on with every change to the
    tables they come from: migration 0013), for read-only transactions only: a writing transaction sees its own
    uncommitted changes, which a rollback would leave behind here under a version that a later commit reuses.
    A value is used again only by a transaction that reads the same version, so never one older than the data
    that transaction would read itself. Arrays kept here are read-only (numpy raises on a write into one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[int, Any]] = {}

    def get(self, key: Hashable, version: int, compute: Callable[[], T]) -> T:
        kept = self._entries.get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
        value = _frozen(compute())
        with self._lock:  # a newer version is never replaced by an older one read by a slower transaction
            current = self._entries.get(key)
            if current is None or current[0] <= version:
                self._entries[key] = (version, value)
        return value


def _frozen(value: T) -> T:
    """Every numpy array in `value` (itself, a tuple's items, a dataclass's fields) made read-only."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, tuple):
        for item in value:
            _frozen(item)
    elif hasattr(value, "__dataclass_fields__"):
        for f in fields(value):  # type: ignore[arg-type]
            _frozen(getattr(value, f.name))
    return value


class RosterRepository(_Repo):
    def __init__(self, session: Session, cache: RosterCache | None = None):
        super().__init__(session)
        self._cache = cache  # None in a writing transaction
        self._version: int | None = None

    def _kept(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, or what it gave before at this transaction's roster version."""
        if self._cache is None:
            return compute()
        if self._version is None:  # once per transaction, before any column it may stand for is read
            version = self.session.scalar(select(RosterVersionRow.version).where(RosterVersionRow.id == 1))
            if version is None:
                self._cache = None
                return compute()
            self._version = version
        return self._cache.get(key, self._version, compute)

    def people(self, *, statuses: frozenset[ShinobiStatus] | None = None,
               without_roles: frozenset[Role] = frozenset()) -> RosterPeople:
        """Every shinobi (of those statuses), but those whose account holds one of `without_roles`."""
        return self._kept(("people", statuses, without_roles), lambda: self._people(statuses, without_roles))

    def _people(self, statuses: frozenset[ShinobiStatus] | None, without_roles: frozenset[Role]) -> RosterPeople:
        q = select(ShinobiRow.id, ShinobiRow.rank, ShinobiRow.clearance, ShinobiRow.status,
                   cast(ShinobiRow.specialties, String), ShinobiRow.name).order_by(ShinobiRow.id)
        if statuses is not None:
            q = q.where(ShinobiRow.status.in_(sorted(s.value for s in statuses)))
        rows = self._rows(q)
        if without_roles:
            barred = {sid for sid, roles in self._rows(select(AccountRow.shinobi_id, AccountRow.roles))
                      if not without_roles.isdisjoint(Role(r) for r in _json_list(roles))}
            rows = [r for r in rows if r[0] not in barred]
        n = len(rows)
        ids, ranks, clearances, statuses_, specialties, names = zip(*rows, strict=True) if rows else ((),) * 6
        # each distinct set of specialties (as stored), parsed once
        kinds = {k: i for i, k in enumerate(dict.fromkeys(specialties))}
        which = np.fromiter(map(kinds.__getitem__, specialties), np.int64, n)
        return RosterPeople(
            ids=np.fromiter(ids, np.int64, n),
            rank=np.fromiter(map(_RANK_ORDER.__getitem__, ranks), np.int16, n),
            clearance=np.fromiter(map(_CLEARANCE_ORDER.__getitem__, clearances), np.int16, n),
            status=tuple(map(_STATUS.__getitem__, statuses_)),
            names=names,
            specialty_sets=tuple(tuple(_json_list(k)) for k in kinds),
            specialty_set=which,
        )

    def names_and_status(self, ids: Iterable[int]) -> dict[int, tuple[str, ShinobiStatus]]:
        """The name and status of each of these shinobi (a page naming a few hundred: plain tuples, no Shinobi)."""
        ids = list(ids)
        if not ids:
            return {}
        rows = self._rows(select(ShinobiRow.id, ShinobiRow.name, ShinobiRow.status)
                          .where(self._among(ShinobiRow.id, ids)))
        return {i: (name, _STATUS[status]) for i, name, status in rows}

    def on_assignment(self) -> np.ndarray:
        """The shinobi held by an active assignment."""
        rows = self._rows(select(AssignmentMemberRow.shinobi_id).where(AssignmentMemberRow.active.is_(True)))
        return np.fromiter((r[0] for r in rows), np.int64, len(rows))

    def sleep(self, *, ending_after: datetime, starting_before: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every logged episode that ends after `ending_after` and starts before `starting_before`: (shinobi id,
        start, end) in POSIX seconds, exact to the microsecond, by shinobi and start. Read from the digests
        (one row per shinobi), and from the log itself for any shinobi whose digest starts too late."""
        lo, hi = sleep_digest.micros(ending_after), sleep_digest.micros(starting_before)
        owner, pairs, short = self._digests(SleepDigestRow, SleepDigestRow.episodes, lo, 2)
        if short:  # read back further than their digest keeps: the log
            q = (select(SleepEpisodeRow.shinobi_id, self._micros(SleepEpisodeRow.start_at),
                        self._micros(SleepEpisodeRow.end_at))
                 .where(self._among(SleepEpisodeRow.shinobi_id, short), SleepEpisodeRow.end_at > ending_after)
                 .order_by(SleepEpisodeRow.shinobi_id, SleepEpisodeRow.start_at))
            table = self._table(q, 3)
            owner = np.concatenate([owner, table[:, 0]])
            pairs = np.vstack([pairs, table[:, 1:]])
            order = np.lexsort((pairs[:, 0], owner))
            owner, pairs = owner[order], pairs[order]
        used = (pairs[:, 1] > lo) & (pairs[:, 0] < hi)
        return owner[used], pairs[used, 0] / 1e6, pairs[used, 1] / 1e6

    def gate(self, *, since: datetime, until: datetime) -> Columns:
        """Every shinobi's gate events in (`since`, `until`], and the last one of each at or before `since`
        (where they were when the window opened): (shinobi id, time, arrival?) by shinobi, time and entry.
        Read from the digests (one row per shinobi), and from the log itself for any shinobi whose digest
        starts too late."""
        lo, hi = sleep_digest.micros(since), sleep_digest.micros(until)
        owner, table, short = self._digests(GateDigestRow, GateDigestRow.events, lo, gate_digest.WIDTH)
        if short:  # read back further than their digest keeps: the log
            log = self._gate_log(short, since=since, until=until)
            owner = np.concatenate([owner, log[:, 0]])
            table = np.vstack([table, log[:, 1:]])
            order = np.lexsort((table[:, 1], table[:, 0], owner))  # by shinobi, time, then entry
            owner, table = owner[order], table[order]
        at = table[:, 0]
        early = at <= lo
        # the last event at or before `since` of each shinobi: an early one whose next is another's, or late
        last_early = early & np.append((owner[1:] != owner[:-1]) | ~early[1:], True)
        used = last_early | (~early & (at <= hi))
        return Columns(owner[used], at[used] / 1e6, table[used, 2].astype(bool))

    def _gate_log(self, shinobi_ids: list[int], *, since: datetime, until: datetime) -> np.ndarray:
        """From the log: these shinobi's events in (`since`, `until`] and the last of each at or before `since`,
        as rows of (shinobi id, time in µs, id, arrival?)."""
        g = GateEventRow.__table__
        inner = g.alias("earlier")
        inward = (g.c.direction == "in")
        among = self._among(g.c.shinobi_id, shinobi_ids)
        window = select(g.c.shinobi_id, self._micros(g.c.at), g.c.id, inward).where(
            among, g.c.at > since, g.c.at <= until)
        # the latest event before the window, per shinobi: one probe of (shinobi_id, at) each
        s = ShinobiRow.__table__
        prior = select(inner.c.id).where(inner.c.shinobi_id == s.c.id, inner.c.at <= since) \
            .order_by(inner.c.at.desc(), inner.c.id.desc()).limit(1).correlate(s).scalar_subquery()
        before = select(g.c.shinobi_id, self._micros(g.c.at), g.c.id, inward).where(
            g.c.id.in_(select(prior).select_from(s).where(self._among(s.c.id, shinobi_ids))))
        rows = self._rows(window.union_all(before))
        return np.array([(r[0], r[1], r[2], bool(r[3])) for r in rows], dtype=np.int64).reshape(len(rows), 4)

    def restrictions(self, *, after: datetime, before: datetime) -> list[Restriction]:
        """The rest and light-duty orders that may be in force at some time in [after, before]."""
        r = RestrictionRow
        q = select(*r.__table__.c).where(r.starts_at <= before, or_(r.ends_at.is_(None), r.ends_at > after),
                                         or_(r.lifted_at.is_(None), r.lifted_at > after)).order_by(r.starts_at, r.id)
        return [_restriction(row) for row in self.session.execute(q)]  # rows, not ORM objects to track

    def holds(self, *, after: datetime, before: datetime) -> list[WelfareHold]:
        """The welfare holds that may be in force at some time in [after, before]."""
        h = WelfareHoldRow
        q = select(*h.__table__.c).where(h.since <= before, or_(h.lifted_at.is_(None), h.lifted_at > after)) \
            .order_by(h.since, h.id)
        return [_hold(row) for row in self.session.execute(q)]

    def acts(self, shinobi_ids: list[int], *, since: datetime, until: datetime,
             hours: Sequence[tuple[int, int]] | None = None) -> Columns:
        """When these shinobi's own accounts acted on the record in [since, until]; only those at the `hours`
        when given: (start, end) seconds of the UTC day, inclusive, wrapping past midnight when start > end."""
        if not shinobi_ids:
            return Columns(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, bool))
        # their accounts first (few: most shinobi have none), then those accounts' entries in the window, which
        # the (actor, at) index serves; one join let PostgreSQL guess every shinobi had one, and scan the log
        accounts = dict(self._rows(select(AccountRow.username, AccountRow.shinobi_id)
                                   .where(self._among(AccountRow.shinobi_id, shinobi_ids))))
        if not accounts:
            return Columns(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, bool))
        q = select(AuditRow.actor, self._micros(AuditRow.at)).where(
            AuditRow.actor.in_(sorted(accounts)), AuditRow.at >= since, AuditRow.at <= until)
        if hours is not None:
            second = (self._micros(AuditRow.at) // 1_000_000) % 86_400
            q = q.where(or_(*(second.between(a, b) if a <= b else or_(second >= a, second <= b) for a, b in hours),
                            false()))
        rows = self._rows(q)
        owner = np.fromiter((accounts[r[0]] for r in rows), np.int64, len(rows))
        at = np.fromiter((r[1] for r in rows), np.int64, len(rows))
        order = np.lexsort((at, owner))
        return Columns(owner[order], at[order] / 1e6, np.zeros(len(rows), bool))

    def _digests(self, row: Any, packed: Any, lo: int, width: int) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """The digests complete from `lo` (µs) on, unpacked: the owner of each entry (`width` int64 values), the
        entries (by shinobi, each one's as packed); and the shinobi whose digest starts too late."""
        ids, complete_after, counts, owner, entries = self._kept(("digests", row.__tablename__),
                                                                 lambda: self._all_digests(row, packed, width))
        complete = complete_after <= lo
        if complete.all():
            return owner, entries, []
        keep = np.repeat(complete, counts)
        return owner[keep], entries[keep], ids[~complete].tolist()

    def _all_digests(self, row: Any, packed: Any, width: int) -> tuple[np.ndarray, ...]:
        """Every digest, unpacked: (shinobi ids, each one's complete_after_us, its count of entries; the owner of
        each entry, the entries). The database measures each; the driver's tuples are unzipped and joined in C,
        no Python step per shinobi."""
        rows = self._rows(select(row.shinobi_id, row.complete_after_us, func.length(packed), packed)
                          .order_by(row.shinobi_id))
        ids, complete_after, sizes, blobs = zip(*rows, strict=True) if rows else ((), (), (), ())
        id_column = np.array(ids, dtype=np.int64)
        counts = np.array(sizes, dtype=np.int64) // (8 * width)
        entries = np.frombuffer(b"".join(blobs), dtype="<i8").reshape(-1, width)
        return (id_column, np.array(complete_after, dtype=np.int64), counts, np.repeat(id_column, counts),
                entries)

    # -- reading columns -----------------------------------------------------------------------------
    def _rows(self, q: Any) -> list[Any]:
        """Plain tuples from the driver's cursor: no ORM loading, no Row object per row (the columns read
        here are integers, text, bytes and JSON, which need no conversion by SQLAlchemy). On PostgreSQL the
        rows come in the binary format: the digests' bytes as they are, not as hexadecimal text to decode (the
        sleep digests of 10,000 shinobi: 24.7 -> 13.5 ms)."""
        conn = self.session.connection()
        if conn.dialect.name != "postgresql":
            return list(conn.execute(q).cursor.fetchall())
        compiled = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        driver = conn.connection.driver_connection
        assert driver is not None, "a connection in a transaction has its driver's"
        with driver.cursor(binary=True) as cursor:
            cursor.execute(str(compiled), compiled.params)
            return list(cursor.fetchall())

    def _table(self, q: Any, width: int) -> np.ndarray:
        rows = self._rows(q)
        return np.array(rows, dtype=np.int64).reshape(len(rows), width)

    def _micros(self, column: Any) -> ColumnElement[Any]:
        """A time column as integer microseconds since the epoch, computed by the database (SQLite keeps naive
        UTC text 'YYYY-MM-DD HH:MM:SS.ffffff'). Built once per column and engine: SQLAlchemy's operators took
        some 8 ms to build the SQLite one, at each roster read (an expression is immutable, and shared)."""
        key = (column, self.session.get_bind().dialect.name)
        built = _MICROS.get(key)
        if built is None:
            built = _MICROS[key] = self._build_micros(column)
        return built

    def _build_micros(self, column: Any) -> ColumnElement[Any]:
        if self.session.get_bind().dialect.name == "sqlite":
            raw = type_coerce(column, String)
            # the whole seconds of the text without its fraction: strftime keeps milliseconds, so .9995 and up
            # would round up to the next second, and the fraction then be added on top of it
            whole = func.strftime("%s", func.substr(raw, 1, 19))
            return cast(whole, BigInteger) * 1_000_000 + cast(func.substr(raw, 21, 6), BigInteger)
        return cast(func.round(func.extract("epoch", column) * 1_000_000), BigInteger)


def _json_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        import json

        return list(json.loads(value))
    return list(value)
