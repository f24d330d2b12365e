"""The desk's plan for the board as its page shows it: the plan, the names of the teams it proposes, and the
missions whose team the caller may send from it.

The plan is `plans.plan_board`'s read (its own unit of work, within its time limit); the names are then read for
the planned teams alone, not for the village of 10,000.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain.access import Caller
from ..domain.fitness import FitnessPolicy
from . import authz
from .plans import Plan, plan_board
from .unit_of_work import Transaction, UnitOfWork, transactional


@dataclass(frozen=True)
class PlanScreen:
    plan: Plan
    names: dict[int, str]  # the planned teams' members
    may_send: frozenset[int]  # the missions whose planned team the caller may send


def plan_screen(uow: UnitOfWork, caller: Caller, *, departs_at: datetime, policy: FitnessPolicy,
                time_limit: float) -> PlanScreen:
    """A plan for the board (`plans.plan_board`, refused to those who may not plan) and what its page names."""
    plan = plan_board(uow, caller, departs_at=departs_at, policy=policy, time_limit=time_limit)
    return _named(uow, caller, plan)


@transactional(write=False)
def _named(tx: Transaction, caller: Caller, plan: Plan) -> PlanScreen:
    named = {sid for t in plan.teams for sid in t.shinobi_ids}
    decisions = authz.decide_many(caller, "sendAnyTeam", [authz.mission_resource(t.mission.id, t.mission.classification)
                                                          for t in plan.teams])
    return PlanScreen(plan=plan,
                      names=tx.shinobi.names(named),
                      may_send=frozenset(t.mission.id for t, d in zip(plan.teams, decisions, strict=True)
                                         if d.allowed))


__all__ = ["PlanScreen", "plan_screen"]
