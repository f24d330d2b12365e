"""The plan for the whole board: every open mission the caller may see staffed or left empty (or left
out, when too few are eligible), nobody twice, maximising the expected value. Nothing is assigned.

The time limit is the whole call's, reads included: its clock starts when `plan_board` is called, and
the planner gets what is left of it as a deadline, less AFTER_SOLVE for the teams' estimates after it.
What the caller does with the plan afterwards (a JSON response, the desk's page, the CLI's table) is
outside the limit: a few milliseconds to a few tens (measured in bench/plan.py; the bench allows 5 % of
the limit or 0.2 s, whichever is more). The limit holds when it leaves the planner the time of what it
cannot cut short (the relaxation's first round and building the board: about 1 s at 300 missions and
10,000 shinobi on 2 cores); with less the call takes that long."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

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
from .unit_of_work import Transaction, UnitOfWork, transactional

if TYPE_CHECKING:  # (the planner, and OR-Tools with it, is imported when a plan is asked for: 0.6 s)
    from ..domain.planning import LeftOut


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
    left_empty: tuple[int, ...]  # staffable missions the plan leaves empty
    left_out: tuple[LeftOut, ...]  # missions with fewer eligible shinobi than places: in no plan, out of the bound
    value: float
    upper_bound: float
    gap: float
    eligible_pairs: int
    stats: dict[str, float]
    board: dict[int, Mission]  # the open missions planned over (those the caller may see), by id


Timer = Callable[[], float]  # seconds, monotonic
AFTER_SOLVE = 0.02  # share of the limit (at most 0.1 s) kept back from the planner for the teams' estimates


def plan_board(uow: UnitOfWork, caller: Caller, *, departs_at: datetime, policy: FitnessPolicy,
               time_limit: float = 5.0, progress: Any = None, timer: Timer = time.monotonic) -> Plan:
    """A proposed assignment of available shinobi to the open missions the caller may see, maximising
    the expected value (reward × P(success) − casualty cost × P(casualty), counted per member); every
    mission fully staffed or left empty, nobody twice; a mission with fewer eligible shinobi than places
    is left out, with why. Nothing is assigned: each team goes through the normal assignment, with every
    check, when a person accepts it. Returns within `time_limit` seconds of the call on `timer` (see the
    module's docstring); `stats` says where the time went (``time_reads``, ``time_pairs``, the
    planner's ``time_<phase>``, ``time_call``)."""
    started = timer()
    return _plan_board(uow, caller, departs_at=departs_at, policy=policy, deadline=started + time_limit,
                       started=started, progress=progress, timer=timer)


@transactional(write=False)
def _plan_board(tx: Transaction, caller: Caller, *, departs_at: datetime, policy: FitnessPolicy, deadline: float,
                started: float, progress: Any, timer: Timer) -> Plan:
    from ..domain.planning import solve_plan

    time_limit = deadline - started
    authz.require(tx, caller, "planBoard")
    board = authz.filter_allowed(tx, caller, "viewMission", tx.missions.list(status=MissionStatus.OPEN),
                                 lambda m: authz.mission_resource(m.id, m.classification))
    v = village(tx, departs_at, policy)
    model = current_model(tx)
    read = timer()
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
    paired = timer()
    result = solve_plan([m.id for m in board], [m.min_team_size for m in board], [s.id for s in people],
                        joined(pm, np.int64), joined(ps, np.int64), pair_values, progress=progress, clock=timer,
                        deadline=deadline - min(0.1, AFTER_SOLVE * time_limit))
    by_id = {m.id: m for m in board}
    index = {s.id: i for i, s in enumerate(people)}
    teams = []
    for mission_id, ids in sorted(result.assignment.items()):
        m = by_id[mission_id]
        e = model_.estimate(model, [v.member(index[s]) for s in ids], m.kind, m.threat, m.threat_count)
        value = model_.expected_value(m.reward_ryo, e, model_.casualty_cost(m.rank))
        teams.append(PlannedTeam(m, tuple(ids), e, value))
    out = {x.mission_id for x in result.left_out}
    empty = tuple(m.id for m in board if m.id not in result.assignment and m.id not in out)
    stats = dict(result.stats)
    stats.update(time_limit=time_limit, time_reads=read - started, time_pairs=paired - read,
                 time_call=timer() - started)
    return Plan(departs_at=departs_at, teams=tuple(teams), left_empty=empty, left_out=result.left_out,
                value=result.value, upper_bound=result.upper_bound, gap=result.gap, eligible_pairs=pair_values.size,
                stats=stats, board={m.id: m for m in board})
