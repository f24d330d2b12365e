"""The roster read as columns (adapters/db/roster.py) on both engines: the sleep digest, written with each
episode, reads the same episodes as the log itself, whatever order they were logged in and however far back
the reader looks; and the whole roster's facts read as columns judge as the per-shinobi facts do."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from missiondesk.adapters.db import gate_digest, sleep_digest
from missiondesk.adapters.db.tables import (
    AccountRow,
    AuditRow,
    GateDigestRow,
    GateEventRow,
    SleepDigestRow,
    SleepEpisodeRow,
)
from missiondesk.domain.fitness import FitnessPolicy, RosterFacts
from missiondesk.domain.gate import Direction
from missiondesk.domain.ranks import Classification, ShinobiRank, ShinobiStatus
from missiondesk.services import fitness

DAWN = datetime(2026, 3, 14, 6, 20, tzinfo=UTC)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

# episodes as (shinobi 0-2, start minute from EPOCH, length in minutes), logged in the order drawn
episodes = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 72 * 24 * 60), st.integers(1, 14 * 60)),
                    max_size=25)


def the_log(tx, ids, since, until):
    """The reference: straight from sleep_episode."""
    rows = tx.session.execute(select(SleepEpisodeRow.shinobi_id, SleepEpisodeRow.start_at, SleepEpisodeRow.end_at)
                              .where(SleepEpisodeRow.end_at > since, SleepEpisodeRow.start_at < until)
                              .order_by(SleepEpisodeRow.shinobi_id, SleepEpisodeRow.start_at)).all()
    return [(r[0], r[1].timestamp(), r[2].timestamp()) for r in rows if r[0] in ids]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(logged=episodes, back=st.integers(0, 90), seconds=st.integers(0, 59))
def test_the_digest_reads_what_the_log_holds(runtime, logged, back, seconds):
    with runtime.uow.begin(write=True) as tx:
        tx.session.execute(SleepDigestRow.__table__.delete())
        tx.session.execute(SleepEpisodeRow.__table__.delete())
        ids = [tx.shinobi.add(name=f"S{i}", rank=ShinobiRank.JONIN, clearance=Classification.PUBLIC, divisions=[],
                              specialties=[], now=DAWN) for i in range(3)]
        taken: list[tuple[int, datetime, datetime]] = []
        for who, minute, length in logged:
            start = EPOCH + timedelta(minutes=minute, seconds=seconds, microseconds=7 * minute)
            end = start + timedelta(minutes=length)
            if any(w == who and s < end and start < e for w, s, e in taken):
                continue  # the service refuses overlapping sleep
            taken.append((who, start, end))
            tx.shinobi.add_sleep(ids[who], start, end, None, DAWN)
        until = EPOCH + timedelta(days=90 - back)
        since = until - timedelta(days=14)
        owner, start, end = tx.roster.sleep(ending_after=since, starting_before=until)
        got = list(zip(owner.tolist(), start.tolist(), end.tolist(), strict=True))
        assert got == the_log(tx, set(ids), since, until)
        # a digest row exactly for those with an episode; rebuilt from the log, the same digests
        kept = dict(tx.session.execute(select(SleepDigestRow.shinobi_id, SleepDigestRow.episodes)).all())
        assert set(kept) == {ids[w] for w, _, _ in taken}
        sleep_digest.rebuild(tx.session.connection())
        assert dict(tx.session.execute(select(SleepDigestRow.shinobi_id, SleepDigestRow.episodes)).all()) == kept


# gate events as (shinobi 0-2, minute from EPOCH, arrival?), logged in the order drawn (a clerk may log late)
gate_events = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 72 * 24 * 60), st.booleans()), max_size=25)


def the_gate_log(tx, ids, since, until):
    """The reference: straight from gate_event, each shinobi's events in (since, until] and their last before."""
    rows = tx.session.execute(select(GateEventRow.shinobi_id, GateEventRow.at, GateEventRow.id, GateEventRow.direction)
                              .where(GateEventRow.shinobi_id.in_(ids))
                              .order_by(GateEventRow.shinobi_id, GateEventRow.at, GateEventRow.id)).all()
    out = []
    for sid in sorted(ids):
        mine = [r for r in rows if r[0] == sid]
        before = [r for r in mine if r[1] <= since][-1:]
        out += [(sid, r[1].timestamp(), r[3] == "in") for r in before + [r for r in mine if since < r[1] <= until]]
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(logged=gate_events, back=st.integers(0, 90), seconds=st.integers(0, 59), same=st.booleans())
def test_the_gate_digest_reads_what_the_log_holds(runtime, logged, back, seconds, same):
    """Whatever order the events come in, however far back the reader looks (before what a digest keeps, the
    log itself), and with ties in time (`same`: every event on the minute, so some share their instant)."""
    with runtime.uow.begin(write=True) as tx:
        tx.session.execute(GateDigestRow.__table__.delete())
        tx.session.execute(GateEventRow.__table__.delete())
        ids = [tx.shinobi.add(name=f"G{i}", rank=ShinobiRank.JONIN, clearance=Classification.PUBLIC, divisions=[],
                              specialties=[], now=DAWN) for i in range(3)]
        for who, minute, arrival in logged:
            at = EPOCH + timedelta(minutes=minute // (60 if same else 1),
                                   seconds=0 if same else seconds, microseconds=0 if same else 7 * minute)
            tx.gate.add(direction=Direction.IN if arrival else Direction.OUT, at=at, shinobi_id=ids[who], by=None,
                        now=DAWN, flagged=None)
        until = EPOCH + timedelta(days=90 - back)
        since = until - timedelta(days=15)
        cols = tx.roster.gate(since=since, until=until)
        got = list(zip(cols.owner_ids.tolist(), cols.at.tolist(), cols.flag.tolist(), strict=True))
        assert got == the_gate_log(tx, ids, since, until)
        kept = dict(tx.session.execute(select(GateDigestRow.shinobi_id, GateDigestRow.events)).all())
        assert set(kept) == {ids[w] for w, _, _ in logged}
        gate_digest.rebuild(tx.session.connection())
        assert dict(tx.session.execute(select(GateDigestRow.shinobi_id, GateDigestRow.events)).all()) == kept


def test_the_roster_read_as_columns_judges_as_the_facts_of_each(api, runtime):
    """Gate trips, rest orders, holds and sleep for a few shinobi: `read_roster` at dawn gives the same columns
    as the per-shinobi facts (`gather_facts`) put together."""
    a, b, c = (api.person(n) for n in ("A", "B", "C"))
    api.ok("hokage", "POST", f"/shinobi/{a}/sleep", 201, json={"start": "2026-03-13T22:00:00Z",
                                                                 "end": "2026-03-14T05:00:00Z"})
    for direction, at in (("out", "2026-03-07T06:00:00Z"), ("in", "2026-03-14T03:00:00Z")):
        api.ok("clerk", "POST", "/gate/events", 201, json={"direction": direction, "at": at, "shinobi_ids": [b]})
    api.ok("clerk", "POST", "/gate/events", 201, json={"direction": "out", "at": "2026-02-01T06:00:00Z",
                                                       "shinobi_ids": [c]})
    api.ok("medic", "POST", f"/shinobi/{b}/restrictions", 201,
           json={"kind": "rest", "reason": "trip", "starts_at": "2026-03-14T03:30:00Z"})
    api.ok("medic", "POST", f"/shinobi/{a}/welfare-holds", 201,
           json={"reason": "loss", "since": "2026-01-01T00:00:00Z"})
    policy = FitnessPolicy()
    with runtime.uow.begin(write=False) as tx:
        read = fitness.read_roster(tx, [DAWN], policy)
        cols = read.facts(DAWN, policy)
        people = tx.shinobi.list()
        facts = fitness.gather_facts(tx, [s.id for s in people], DAWN)
    each = RosterFacts.of(facts, DAWN)
    assert cols.ids.tolist() == each.ids.tolist() == sorted(s.id for s in people)
    for name in ("rank", "clearance", "unavailable", "assigned", "away", "resting", "light", "held"):
        assert np.array_equal(getattr(cols, name), getattr(each, name)), name
    assert cols.away[cols.ids.tolist().index(c)] and not cols.away[cols.ids.tolist().index(b)]
    for name in ("level", "kss", "effectiveness"):
        assert np.allclose(getattr(cols.fatigue(policy), name), getattr(each.fatigue(policy), name),
                           equal_nan=True), name
    d1, d2 = cols.duty(policy), each.duty(policy)
    assert np.array_equal(d1.rest_clears, d2.rest_clears, equal_nan=True)
    assert np.array_equal(d1.duty_clears, d2.duty_clears, equal_nan=True)
    assert read.people.status[cols.ids.tolist().index(a)] is ShinobiStatus.ACTIVE


def test_times_read_as_columns_keep_their_second_when_the_fraction_is_near_the_next(runtime):
    """A regression: SQLite's strftime('%s') rounds to the millisecond, so an event at 15:47:18.9995 read back as
    15:47:19.9995 (the next second, and the fraction added again): the desk showed a team leaving a second late,
    and the duty rules saw a gate time a second off."""
    from missiondesk.domain.gate import Direction

    t0 = datetime(2026, 3, 6, 15, 47, 18, tzinfo=UTC)
    fractions = [0, 1, 499_999, 999_499, 999_500, 999_513, 999_999]
    with runtime.uow.begin(write=True) as tx:
        sid = tx.shinobi.add(name="Gekko", rank=ShinobiRank.JONIN, clearance=Classification.PUBLIC, divisions=[],
                             specialties=[], now=t0)
        times = [t0 + timedelta(minutes=k, microseconds=f) for k, f in enumerate(fractions)]
        for k, t in enumerate(times):
            tx.gate.add(direction=Direction.OUT if k % 2 == 0 else Direction.IN, at=t, shinobi_id=sid, by=None, now=t,
                        flagged=None)
        tx.commit()
    with runtime.uow.begin(write=False) as tx:
        cols = tx.roster.gate(since=t0 - timedelta(days=1), until=t0 + timedelta(days=1))
    mine = cols.owner_ids == sid
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert [round(x * 1e6) for x in cols.at[mine].tolist()] == [(t - epoch) // timedelta(microseconds=1)
                                                                for t in times]


# acts of their own as (minute from 13 days before dawn), at any hour; the village's zone drawn among three
acts_at = st.lists(st.integers(0, 13 * 24 * 60), min_size=1, max_size=60)
zones = st.sampled_from(["UTC", "Asia/Tokyo", "America/New_York"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=acts_at, zone=zones)
def test_the_roster_reads_the_acts_that_can_cut_a_night_and_judges_as_with_all(api, runtime, minutes, zone):
    """The roster reads a silent shinobi's own acts only at the hours they can cut an estimated night
    (services/fitness.night_hours); with every act read instead (the per-shinobi facts), the same estimate."""
    from zoneinfo import ZoneInfo

    policy = FitnessPolicy(tz=ZoneInfo(zone))
    with runtime.uow.begin(write=True) as tx:
        tx.session.execute(AuditRow.__table__.delete().where(AuditRow.action == "test.act"))
        account = tx.session.execute(select(AccountRow.shinobi_id, AccountRow.username)
                                     .where(AccountRow.username == "genin")).one()
        seq = tx.session.execute(select(func.coalesce(func.max(AuditRow.seq), 0))).scalar_one()
        start = DAWN - timedelta(days=13)
        for k, minute in enumerate(sorted(minutes), 1):
            tx.session.add(AuditRow(seq=seq + k, at=start + timedelta(minutes=minute, seconds=7), actor=account[1],
                                    action="test.act", target=None, details={}, prev_hash="0" * 64,
                                    hash=f"{seq + k:064d}"))
        tx.commit()
    sid = account[0]
    if not _seen(runtime, sid):  # out through the gate a week ago, back two days ago: their log is silent
        for direction, at in (("out", "2026-03-07T06:00:00Z"), ("in", "2026-03-12T03:00:00Z")):
            api.ok("clerk", "POST", "/gate/events", 201, json={"direction": direction, "at": at, "shinobi_ids": [sid]})
    with runtime.uow.begin(write=False) as tx:
        cols = fitness.read_roster(tx, [DAWN], policy).facts(DAWN, policy)
        each = RosterFacts.of(fitness.gather_facts(tx, [int(i) for i in cols.ids], DAWN), DAWN, tz=policy.tz)
    i = cols.ids.tolist().index(sid)

    def history(f: RosterFacts, k: int) -> list[tuple[float, float]]:  # the (estimated) sleep the models run on
        mine = f.sleep_owner == k
        return sorted(zip(f.sleep_start[mine].tolist(), f.sleep_end[mine].tolist(), strict=True))

    assert history(cols, i) == history(each, each.ids.tolist().index(sid)), (zone, sorted(minutes))
    for name in ("kss", "effectiveness"):
        got, want = getattr(cols.fatigue(policy), name)[i], getattr(each.fatigue(policy), name)[i]
        assert np.isclose(got, want, equal_nan=True), (name, got, want, zone, sorted(minutes))


def _seen(runtime, sid: int) -> bool:
    with runtime.uow.begin(write=False) as tx:
        return bool(tx.gate.events_for([sid])[sid])
