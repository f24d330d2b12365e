"""The plan for the whole board: every open mission the caller may see staffed or left empty, nobody
twice, maximising the expected value. Nothing is assigned."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from ..domain import risk as model_
from ..domain.access import Caller
from ..domain.fitness import FitnessPolicy, assess_roster
from ..domain.missions import Mission
from ..domain.ranks import MissionStatus
from ..domain.risk import Estimate
from . import authz
from .fitness import mission_facts
from .risk import current_model, village
from .unit_of_work import Transaction, transactional


@dataclass(frozen=True)
class PlannedTeam:
    mission: Mission
    shinobi_ids: tuple[int, ...]
    estimate: Estimate
    expected_value: float


@dataclass(frozen=True)
class Plan:
    departs_at: datetime
    teams: tuple[PlannedTeam, ...]
    left_empty: tuple[int, ...]
    value: float
    upper_bound: float
    gap: float
    eligible_pairs: int
    stats: dict[str, float]


@transactional(write=False)
def plan_board(tx: Transaction, caller: Caller, *, departs_at: datetime, policy: FitnessPolicy,
               time_limit: float = 5.0, progress: Any = None) -> Plan:
    """A proposed assignment of available shinobi to the open missions the caller may see, maximising
    the expected value (reward × P(success) − casualty cost × P(casualty), counted per member); every
    mission fully staffed or left empty, nobody twice. Nothing is assigned: each team goes through the
    normal assignment, with every check, when a person accepts it."""
    from ..domain.planning import solve_plan

    authz.require(tx, caller, "planBoard")
    board = authz.filter_allowed(tx, caller, "viewMission", tx.missions.list(status=MissionStatus.OPEN),
                                 lambda m: authz.mission_resource(m.id, m.classification))
    v = village(tx, departs_at, policy)
    model = current_model(tx)
    eligible_for: dict[tuple, np.ndarray] = {}  # the fitness rules depend on the mission's rank and classification
    strength_for: dict[str, np.ndarray] = {}
    pm, ps, pv = [], [], []
    for mi, m in enumerate(board):
        key = (m.rank, m.classification)
        if key not in eligible_for:
            eligible_for[key] = np.flatnonzero(assess_roster(v.roster, mission_facts(m), policy, v.fatigue).eligible)
        if m.kind not in strength_for:
            strength_for[m.kind] = v.strength(m.kind)
        who = eligible_for[key]
        pm.append(np.full(who.size, mi, dtype=np.int64))
        ps.append(who)
        pv.append(model_.pair_values(model, m, strength_for[m.kind][who], v.medic[who], v.sensor[who],
                                     model_.casualty_cost(m.rank)))
    people = v.people

    def joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)

    pair_values = joined(pv, np.float64)
    result = solve_plan([m.id for m in board], [m.min_team_size for m in board], [s.id for s in people],
                        joined(pm, np.int64), joined(ps, np.int64), pair_values, time_limit=time_limit,
                        progress=progress)
    by_id = {m.id: m for m in board}
    index = {s.id: i for i, s in enumerate(people)}
    teams = []
    for mission_id, ids in sorted(result.assignment.items()):
        m = by_id[mission_id]
        e = model_.estimate(model, [v.member(index[s]) for s in ids], m.kind, m.threat, m.threat_count)
        value = model_.expected_value(m.reward_ryo, e, model_.casualty_cost(m.rank))
        teams.append(PlannedTeam(m, tuple(ids), e, value))
    empty = tuple(m.id for m in board if m.id not in result.assignment)
    return Plan(departs_at, tuple(teams), empty, result.value, result.upper_bound, result.gap, pair_values.size,
                dict(result.stats))
