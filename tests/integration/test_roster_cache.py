"""The roster's columns kept in the process (adapters/db/roster.RosterCache) on both engines: a read-only
transaction reads exactly what it would read without them, whatever was written, committed or rolled back
before it, by the repositories or by plain SQL; and a second read at the same version reads no column again."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, text, update

from missiondesk.adapters.db.roster import RosterRepository
from missiondesk.adapters.db.tables import AccountRow, GateDigestRow, ShinobiRow, SleepDigestRow
from missiondesk.domain.gate import Direction
from missiondesk.domain.ranks import Classification, Role, ShinobiRank, ShinobiStatus

DAWN = datetime(2026, 3, 14, 6, 20, tzinfo=UTC)
RANKS = list(ShinobiRank)
STATUSES = [ShinobiStatus.ACTIVE, ShinobiStatus.ON_MISSION, ShinobiStatus.KIA, ShinobiStatus.RETIRED]
ROLES = [Role.HOKAGE, Role.CLERK, Role.MEDIC]

# what a write may do to what the columns read: (kind, who 0-3, a number the kind reads)
writes = st.lists(st.tuples(st.sampled_from(["add", "rank", "status", "sleep", "gate", "account", "roles",
                                             "forget_digest", "sql_rank"]),
                            st.integers(0, 3), st.integers(0, 10_000), st.booleans()),
                  min_size=1, max_size=12)


def read(repo: RosterRepository, without: frozenset[Role] = frozenset()):
    """Everything the cache may stand for, as plain values to compare."""
    people = repo.people(without_roles=without)
    on = repo.people(statuses=frozenset({ShinobiStatus.ACTIVE}))
    sleep = repo.sleep(ending_after=DAWN - timedelta(days=14), starting_before=DAWN)
    gate = repo.gate(since=DAWN - timedelta(days=20), until=DAWN)
    return ([people.ids.tolist(), people.rank.tolist(), people.clearance.tolist(), list(people.status),
             list(people.names), [people.specialty_sets[k] for k in people.specialty_set.tolist()]],
            on.ids.tolist(), [a.tolist() for a in sleep],
            [gate.owner_ids.tolist(), gate.at.tolist(), gate.flag.tolist()])


def cached_and_fresh(runtime, without: frozenset[Role] = frozenset()):
    with runtime.uow.begin(write=False) as tx:
        assert tx.roster._cache is not None  # a read-only transaction reads through the cache
        cached = read(tx.roster, without)
    with runtime.uow.begin(write=False) as tx:
        fresh = read(RosterRepository(tx.session), without)  # no cache: straight from the tables
    return cached, fresh


def apply(tx, ids: list[int], kind: str, who: int, n: int) -> None:
    sid = ids[who % len(ids)]
    if kind == "add":
        ids.append(tx.shinobi.add(name=f"New {n}", rank=RANKS[n % len(RANKS)], clearance=Classification.PUBLIC,
                                  divisions=[], specialties=["sensor"] if n % 2 else [], now=DAWN))
    elif kind == "rank":
        tx.shinobi.change(sid, rank=RANKS[n % len(RANKS)], specialties=["medical-ninjutsu"] if n % 3 else None)
    elif kind == "status":
        tx.shinobi.set_status([sid], STATUSES[n % len(STATUSES)])
    elif kind == "sleep":
        start = DAWN - timedelta(minutes=60 + n)
        if tx.shinobi.overlapping_sleep(sid, start, start + timedelta(minutes=30)) is None:
            tx.shinobi.add_sleep(sid, start, start + timedelta(minutes=30), None, DAWN)
    elif kind == "gate":
        tx.gate.add(direction=Direction.IN if n % 2 else Direction.OUT, at=DAWN - timedelta(minutes=n), shinobi_id=sid,
                    by=None, now=DAWN, flagged=None)
    elif kind == "account":
        tx.accounts.add(username=f"user{n}-{len(ids)}-{who}", password_hash="x", roles=[ROLES[n % len(ROLES)]],
                        shinobi_id=sid, now=DAWN)
    elif kind == "roles":
        tx.session.execute(update(AccountRow).where(AccountRow.shinobi_id == sid)
                           .values(roles=[ROLES[n % len(ROLES)].value]))
    elif kind == "forget_digest":  # a digest row gone (as an erasure does): the log answers for that shinobi
        tx.session.execute(delete(SleepDigestRow).where(SleepDigestRow.shinobi_id == sid))
        tx.session.execute(delete(GateDigestRow).where(GateDigestRow.shinobi_id == sid))
    elif kind == "sql_rank":  # not through a repository at all
        tx.session.execute(update(ShinobiRow).where(ShinobiRow.id == sid).values(rank=RANKS[n % len(RANKS)].value))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=writes)
def test_a_read_only_transaction_reads_what_the_tables_hold_after_any_write(runtime, steps):
    with runtime.uow.begin(write=True) as tx:
        ids = [tx.shinobi.add(name=f"S{i}", rank=ShinobiRank.JONIN, clearance=Classification.PUBLIC, divisions=[],
                              specialties=[], now=DAWN) for i in range(4)]
        tx.commit()
    cached_and_fresh(runtime)  # the cache holds the state before the writes
    for kind, who, n, commit in steps:
        with runtime.uow.begin(write=True) as tx:
            apply(tx, ids, kind, who, n)
            # inside the writing transaction the roster reads its own writes, never the cache
            assert tx.roster._cache is None
            if commit:
                tx.commit()
            # else: rolled back as the transaction ends; the version it moved on is rolled back with it
        for without in (frozenset(), frozenset({Role.HOKAGE})):
            cached, fresh = cached_and_fresh(runtime, without)
            assert cached == fresh, (kind, commit)


def test_a_second_read_at_the_same_version_reads_no_column_and_a_write_ends_that(runtime, monkeypatch):
    with runtime.uow.begin(write=True) as tx:
        sid = tx.shinobi.add(name="Kept", rank=ShinobiRank.CHUNIN, clearance=Classification.PUBLIC, divisions=[],
                             specialties=[], now=DAWN)
        tx.shinobi.add_sleep(sid, DAWN - timedelta(hours=8), DAWN - timedelta(hours=1), None, DAWN)
        tx.commit()
    computed: list[str] = []  # the columns read from the tables (PostgreSQL's are read past SQLAlchemy's events)
    for name in ("_people", "_all_digests"):
        original = getattr(RosterRepository, name)

        def counted(self, *args, _original=original, _name=name):
            computed.append(_name if _name == "_people" else args[0].__tablename__)
            return _original(self, *args)

        monkeypatch.setattr(RosterRepository, name, counted)

    with runtime.uow.begin(write=False) as tx:
        first = read(tx.roster)
    assert sorted(computed) == ["_people", "_people", "gate_digest", "sleep_digest"]
    computed.clear()
    with runtime.uow.begin(write=False) as tx:
        again = read(tx.roster)
        with pytest.raises(ValueError):  # kept arrays are read-only: no reader can change another's
            tx.roster.people().rank[0] = 99
    assert again == first and computed == []
    with runtime.uow.begin(write=True) as tx:
        tx.shinobi.change(sid, rank=ShinobiRank.JONIN)
        tx.commit()
    with runtime.uow.begin(write=False) as tx:
        after = tx.roster.people()
    assert computed == ["_people"]
    assert after.rank[after.ids.tolist().index(sid)] == ShinobiRank.JONIN.order


def test_every_change_to_the_four_tables_moves_the_version_on(runtime):
    def version() -> int:
        with runtime.uow.begin(write=False) as tx:
            return int(tx.session.scalar(text("SELECT version FROM roster_version WHERE id = 1")))

    seen = [version()]
    with runtime.uow.begin(write=True) as tx:
        sid = tx.shinobi.add(name="V", rank=ShinobiRank.GENIN, clearance=Classification.PUBLIC, divisions=[],
                             specialties=[], now=DAWN)
        tx.commit()
    seen.append(version())
    for change in (lambda tx: tx.shinobi.change(sid, name="W"),
                   lambda tx: tx.accounts.add(username="v", password_hash="x", roles=[Role.CLERK], shinobi_id=sid,
                                              now=DAWN),
                   lambda tx: tx.shinobi.add_sleep(sid, DAWN - timedelta(hours=3), DAWN - timedelta(hours=2), None,
                                                   DAWN),
                   lambda tx: tx.gate.add(direction=Direction.OUT, at=DAWN, shinobi_id=sid, by=None, now=DAWN,
                                          flagged=None),
                   lambda tx: tx.session.execute(delete(AccountRow).where(AccountRow.shinobi_id == sid)),
                   lambda tx: tx.session.execute(delete(SleepDigestRow).where(SleepDigestRow.shinobi_id == sid)),
                   lambda tx: tx.session.execute(delete(GateDigestRow).where(GateDigestRow.shinobi_id == sid))):
        with runtime.uow.begin(write=True) as tx:
            change(tx)
            tx.commit()
        seen.append(version())
    assert np.all(np.diff(seen) > 0), seen
    with runtime.uow.begin(write=True) as tx:  # rolled back: the version with it
        tx.shinobi.change(sid, name="X")
    assert version() == seen[-1]
