"""Fitness for duty: gathers the facts of the records at a departure time and asks the domain."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.access import Caller
from ..domain.errors import NotFound
from ..domain.fatigue import FatigueEstimate, estimate_roster, predict_series
from ..domain.fitness import FitnessPolicy, MissionFacts, ShinobiFacts, Verdict, assess
from ..domain.gate import Direction, last_direction
from ..domain.medical import RestrictionKind
from ..domain.missions import Mission
from ..domain.ranks import ShinobiStatus
from ..domain.roster import Shinobi
from . import authz
from .missions import visible_mission
from .unit_of_work import Transaction, transactional

HISTORY = timedelta(days=14)


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
    sleep = tx.shinobi.sleep_many(shinobi_ids, ending_after=departs_at - HISTORY) if with_sleep else {}
    acts = tx.audit.acts_of(shinobi_ids, since=departs_at - HISTORY, until=departs_at)
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
    badge: str
    fatigue: FatigueEstimate


@transactional(write=False)
def roster_duty(tx: Transaction, caller: Caller, *, at: datetime, policy: FitnessPolicy) -> list[Duty]:
    """Every shinobi with one duty badge at `at`, the first that applies: fallen, on mission, away
    (out of the gate), resting (a rest order), on hold (welfare), then the fatigue level. The fatigue
    of the whole roster is computed at once (vectorised)."""
    people = tx.shinobi.list()
    ids = [s.id for s in people]
    busy = tx.assignments.on_active_assignment(ids)
    gate = tx.gate.events_for(ids)
    restrictions = tx.medical.restrictions_for(ids)
    holds = tx.medical.holds_for(ids)
    sleep = tx.shinobi.sleep_many(ids, ending_after=at - HISTORY)
    estimates = estimate_roster([sleep[i] for i in ids], at, policy.tz) if ids else []
    out = []
    for s, f in zip(people, estimates, strict=True):
        if s.status in (ShinobiStatus.KIA, ShinobiStatus.MIA):
            badge = "fallen"
        elif s.id in busy or s.status is ShinobiStatus.ON_MISSION:
            badge = "on_mission"
        elif last_direction(gate[s.id], at) is Direction.OUT:
            badge = "away"
        elif any(r.kind is RestrictionKind.REST and r.covers(at) for r in restrictions[s.id]):
            badge = "resting"
        elif any(h.covers(at) for h in holds[s.id]):
            badge = "on_hold"
        else:
            badge = f.level
        out.append(Duty(s, badge, f))
    return out


@transactional(write=False)
def forecast(tx: Transaction, caller: Caller, shinobi_id: int, *, start: datetime, hours: int, step_minutes: int,
             policy: FitnessPolicy) -> list[tuple[datetime, FatigueEstimate]]:
    """Predicted KSS and effectiveness from `start` on, with no more sleep than is logged."""
    authz.require(tx, caller, "checkFitness", authz.shinobi_resource(shinobi_id))
    episodes = tx.shinobi.sleep(shinobi_id, ending_after=start - HISTORY)
    return predict_series(episodes, start, hours, step_minutes, policy.tz)
