"""Fitness for duty: gathers the facts of the records at a departure time and asks the domain."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo
from typing import Protocol, TypeVar

import numpy as np

from ..domain.access import Caller
from ..domain.errors import NotFound
from ..domain.fatigue import HISTORY_WINDOW, FatigueEstimate, predict_series
from ..domain.fatigue.estimate import AWAKE, INSIDE_NIGHT, OUTSIDE_NIGHT
from ..domain.fitness import (
    FitnessPolicy,
    MissionFacts,
    RosterFacts,
    RosterRecords,
    ShinobiFacts,
    Verdict,
    assess,
)
from ..domain.gate import last_direction
from ..domain.missions import Mission
from ..domain.ranks import UNAVAILABLE_STATUSES, Role, ShinobiStatus
from ..domain.roster import RosterPeople, Shinobi
from . import authz
from .missions import visible_mission
from .unit_of_work import Transaction, transactional


class _OfShinobi(Protocol):
    @property
    def shinobi_id(self) -> int: ...


R = TypeVar("R", bound=_OfShinobi)


def mission_facts(m: Mission) -> MissionFacts:
    return MissionFacts(id=m.id, rank=m.rank, classification=m.classification, status=m.status,
                        min_team_size=m.min_team_size)


def gather_facts(tx: Transaction, shinobi_ids: Sequence[int], departs_at: datetime, *, with_sleep: bool = True,
                 known: Mapping[int, Shinobi] | None = None, besides: int | None = None,
                 asking: tuple[int, datetime] | None = None) -> list[ShinobiFacts]:
    """Everything the rules need about these shinobi, read in a handful of queries (without the sleep
    log if not `with_sleep`: a caller reading it as columns; `known`: the shinobi already read;
    `besides`: an assignment of theirs that is not "another mission", a booked team judged again;
    `asking`: the shinobi whose own request is being judged, and when: an act of theirs, as those on the
    audit log, for the estimate where their sleep log is silent). Raises NotFound for the first unknown id."""
    people = known if known is not None else tx.shinobi.get_many(shinobi_ids, links=False)
    for sid in shinobi_ids:
        if sid not in people:
            raise NotFound("shinobi", sid)
    busy = tx.assignments.on_active_assignment(shinobi_ids, besides=besides)
    gate = tx.gate.events_for(shinobi_ids)
    restrictions = tx.medical.restrictions_for(shinobi_ids)
    holds = tx.medical.holds_for(shinobi_ids)
    sleep = tx.shinobi.sleep_many(shinobi_ids, ending_after=departs_at - HISTORY_WINDOW) if with_sleep else {}
    acts = tx.audit.acts_of(shinobi_ids, since=departs_at - HISTORY_WINDOW, until=departs_at)
    if asking is not None and asking[0] in acts and asking[1] <= departs_at:
        acts[asking[0]].append(asking[1])
    out = []
    for sid in shinobi_ids:
        s = people[sid]
        direction = last_direction(gate[sid], departs_at)
        status = s.status
        if besides is not None and status is ShinobiStatus.ON_MISSION and sid not in busy:
            status = ShinobiStatus.ACTIVE  # on mission by the very booking being judged
        out.append(ShinobiFacts(
            id=s.id, name=s.name, rank=s.rank, clearance=s.clearance, status=status,
            on_assignment=sid in busy, last_gate_direction=direction.value if direction else None,
            restrictions=tuple(restrictions[sid]), holds=tuple(holds[sid]), sleep=tuple(sleep.get(sid, ())),
            gate=tuple(gate[sid]), acts=tuple(acts[sid])))
    return out


@dataclass(frozen=True, eq=False)
class RosterRead:
    """The roster's people and the records its facts come from, read as columns for the times asked."""

    people: RosterPeople
    records: RosterRecords

    def facts(self, at: datetime, policy: FitnessPolicy) -> RosterFacts:
        return RosterFacts.at(self.records, at, policy.tz)

    def take(self, index: np.ndarray) -> RosterRead:
        """Only the shinobi at these (ascending) indexes."""
        return RosterRead(self.people.take(index), self.records.take(index))


def read_roster(tx: Transaction, times: Sequence[datetime], policy: FitnessPolicy, *,
                statuses: frozenset[ShinobiStatus] | None = None, without_roles: frozenset[Role] = frozenset()
                ) -> RosterRead:
    """Every shinobi (of those statuses, but those whose account holds one of `without_roles`) with the records
    the fitness rules read at each of `times`, one query per table, each bounded in SQL by the windows the
    rules look back over (the sleep log's and the estimate's 14 days, the duty window), as columns."""
    lo, hi = min(times), max(times)
    people = tx.roster.people(statuses=statuses, without_roles=without_roles)
    ids = people.ids
    since = lo - max(HISTORY_WINDOW + AWAKE, policy.duty.window)
    sleep_ids, start, end = tx.roster.sleep(ending_after=lo - HISTORY_WINDOW, starting_before=hi)
    gate = tx.roster.gate(since=since, until=hi + AWAKE)
    busy = tx.roster.on_assignment()
    mine, owner = _owners(ids, sleep_ids)
    g_mine, g_owner = _owners(ids, gate.owner_ids)
    restrictions = _indexed(ids, tx.roster.restrictions(after=lo, before=hi))
    holds = _indexed(ids, tx.roster.holds(after=lo, before=hi))
    records = RosterRecords(
        ids=ids, rank=people.rank, clearance=people.clearance,
        unavailable=np.fromiter(map(UNAVAILABLE_STATUSES.__contains__, people.status), bool, len(people)),
        assigned=np.isin(ids, busy) | np.fromiter(map(ShinobiStatus.ON_MISSION.__eq__, people.status), bool,
                                                  len(people)),
        sleep_owner=owner, sleep_start=start[mine], sleep_end=end[mine],
        gate_owner=g_owner, gate_at=gate.at[g_mine], gate_in=gate.flag[g_mine],
        restrictions=restrictions, holds=holds)
    # their own acts, for those the estimate may speak for
    silent = np.zeros(len(records), dtype=bool)
    for t in times:
        silent |= records.silent_and_seen(t.timestamp())
    if silent.any():
        since = lo - HISTORY_WINDOW - AWAKE
        acts = tx.roster.acts(ids[silent].tolist(), since=since, until=hi, hours=night_hours(policy.tz, since, hi))
        _, a_owner = _owners(ids, acts.owner_ids)
        records = replace(records, acts_owner=a_owner, acts_at=acts.at)
    return RosterRead(people, records)


def night_hours(tz: tzinfo, since: datetime, until: datetime) -> tuple[tuple[int, int], ...]:
    """The hours of the UTC day at which an act of a shinobi's own can cut a night of an estimated history: those
    within AWAKE of the village's night at home (which holds the night outside), at each UTC offset the village's
    zone has between `since` and `until`, as (start, end) seconds of the day, wrapping past midnight. An act at
    any other hour leaves every estimate as it is (domain/fatigue/estimate.py: it keeps AWAKE either side of
    itself awake, and sleep is only ever estimated in those nights), so the roster reads only these: at an office
    whose clerks and medics act thousands of times a fortnight, most of them by day."""
    assert _within(OUTSIDE_NIGHT, INSIDE_NIGHT), "the night outside lies within the night at home"
    start = _second(INSIDE_NIGHT[0]) - int(AWAKE.total_seconds())
    end = _second(INSIDE_NIGHT[1]) + int(AWAKE.total_seconds())
    steps = int((until - since) / timedelta(hours=6)) + 1
    offsets = {int(t.astimezone(tz).utcoffset().total_seconds())  # type: ignore[union-attr]
               for t in (since + k * timedelta(hours=6) for k in range(steps + 1))}
    offsets.add(int(until.astimezone(tz).utcoffset().total_seconds()))  # type: ignore[union-attr]
    return tuple(sorted(((start - o) % 86_400, (end - o) % 86_400) for o in offsets))


def _second(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _within(inner: tuple[time, time], outer: tuple[time, time]) -> bool:
    """A night (start, end, past midnight when end <= start) inside another."""
    def span(n: tuple[time, time]) -> tuple[int, int]:
        a, b = _second(n[0]), _second(n[1])
        return a, b + (86_400 if b <= a else 0)
    (a, b), (c, d) = span(inner), span(outer)
    return (c <= a and b <= d) or (c <= a + 86_400 and b + 86_400 <= d)


def _indexed(ids: np.ndarray, records: Sequence[R]) -> tuple[tuple[int, R], ...]:
    """Each record (of those naming a shinobi of `ids`, ascending) with the index of its shinobi."""
    mine, at = _owners(ids, np.fromiter((r.shinobi_id for r in records), np.int64, len(records)))
    kept = [r for r, m in zip(records, mine.tolist(), strict=True) if m]
    return tuple(zip(at.tolist(), kept, strict=True))


def _owners(ids: np.ndarray, owner_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which rows name a shinobi of `ids` (ascending), and the index of each such shinobi."""
    at = np.searchsorted(ids, owner_ids)
    mine = at < ids.size
    mine[mine] = ids[at[mine]] == owner_ids[mine]
    return mine, at[mine]


@transactional(write=False)
def check_fitness(tx: Transaction, caller: Caller, shinobi_id: int, *, mission_id: int | None, at: datetime,
                  policy: FitnessPolicy) -> Verdict:
    """The individual verdict (never the team-level codes), with the fatigue behind it."""
    authz.require(tx, caller, "checkFitness", authz.shinobi_resource(shinobi_id))
    mission = mission_facts(visible_mission(tx, caller, mission_id)) if mission_id is not None else None
    (facts,) = gather_facts(tx, [shinobi_id], at)
    return assess(facts, mission, at, policy)


# -- the roster's duty badges ------------------------------------------------------------------------
@dataclass(frozen=True)
class Duty:
    shinobi: Shinobi
    badge: str  # the first of `badges`
    fatigue: FatigueEstimate
    badges: tuple[str, ...] = ()  # every badge that applies, in domain.fitness.DUTY_BADGES order, then fatigue


@dataclass(frozen=True)
class Forecast:
    series: list[tuple[datetime, FatigueEstimate]]
    estimated: bool = False  # the history is estimated from the office's records: no sleep logged
    basis: str | None = None


@transactional(write=False)
def forecast(tx: Transaction, caller: Caller, shinobi_id: int, *, start: datetime, hours: int, step_minutes: int,
             policy: FitnessPolicy) -> Forecast:
    """Predicted KSS and effectiveness from `start` on, with no more sleep than is logged (or estimated, where
    the log is silent and the gate log speaks, as the rules judge)."""
    authz.require(tx, caller, "checkFitness", authz.shinobi_resource(shinobi_id))
    (facts,) = gather_facts(tx, [shinobi_id], start)
    return forecast_of(facts, start, hours, step_minutes, policy)


def forecast_of(facts: ShinobiFacts, start: datetime, hours: int, step_minutes: int, policy: FitnessPolicy
                ) -> Forecast:
    """`forecast` from facts already gathered at `start` (the shinobi's page judges them now as well)."""
    history = facts.history(start, policy.tz)
    return Forecast(predict_series(history.episodes, start, hours, step_minutes, policy.tz), history.estimated,
                    history.basis)
