"""Fitness for duty: gathers the facts of the records at a departure time and asks the domain."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from ..domain.access import Caller
from ..domain.errors import NotFound
from ..domain.fitness import FitnessPolicy, MissionFacts, ShinobiFacts, Verdict, assess
from ..domain.gate import last_direction
from ..domain.missions import Mission
from . import authz
from .missions import visible_mission
from .unit_of_work import Transaction, transactional

HISTORY = timedelta(days=14)


def mission_facts(m: Mission) -> MissionFacts:
    return MissionFacts(id=m.id, rank=m.rank, classification=m.classification, status=m.status,
                        min_team_size=m.min_team_size)


def gather_facts(tx: Transaction, shinobi_ids: Sequence[int], departs_at: datetime) -> list[ShinobiFacts]:
    """Everything the rules need about these shinobi, read in a handful of queries.
    Raises NotFound for the first unknown id."""
    people = tx.shinobi.get_many(shinobi_ids, links=False)
    for sid in shinobi_ids:
        if sid not in people:
            raise NotFound("shinobi", sid)
    busy = tx.assignments.on_active_assignment(shinobi_ids)
    gate = tx.gate.events_for(shinobi_ids)
    restrictions = tx.medical.restrictions_for(shinobi_ids)
    holds = tx.medical.holds_for(shinobi_ids)
    sleep = tx.shinobi.sleep_many(shinobi_ids, ending_after=departs_at - HISTORY)
    out = []
    for sid in shinobi_ids:
        s = people[sid]
        direction = last_direction(gate[sid], departs_at)
        out.append(ShinobiFacts(
            id=s.id, name=s.name, rank=s.rank, clearance=s.clearance, status=s.status,
            on_assignment=sid in busy, last_gate_direction=direction.value if direction else None,
            restrictions=tuple(restrictions[sid]), holds=tuple(holds[sid]), sleep=tuple(sleep[sid])))
    return out


@transactional(write=False)
def check_fitness(tx: Transaction, caller: Caller, shinobi_id: int, *, mission_id: int | None, at: datetime,
                  policy: FitnessPolicy) -> Verdict:
    """The individual verdict (never the team-level codes), with the fatigue behind it."""
    authz.require(tx, caller, "checkFitness", authz.shinobi_resource(shinobi_id))
    mission = mission_facts(visible_mission(tx, caller, mission_id)) if mission_id is not None else None
    (facts,) = gather_facts(tx, [shinobi_id], at)
    return assess(facts, mission, at, policy)
