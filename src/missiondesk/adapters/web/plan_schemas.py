"""The shapes of the board's plan: what a caller asks for and the plan it gets back."""
from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

# the planner (and OR-Tools with it: 0.6-1 s) is imported when the web app starts, not by the first request
# for a plan, whose time limit would pay for it (the CLI imports it when `plan` runs)
from ...domain.planning import LeftOut
from ...services.plans import Plan, PlannedTeam
from .schemas import In, When


class PlanRequest(In):
    departs_at: When | None = None
    time_limit_seconds: Annotated[float, Field(gt=0, le=60)] = 5.0


class PlannedTeamRead(BaseModel):
    mission_id: int
    title: str
    shinobi_ids: list[int]
    success_probability: float
    casualty_probability: float
    expected_value_ryo: int

    @classmethod
    def of(cls, t: PlannedTeam) -> PlannedTeamRead:
        return cls(mission_id=t.mission.id, title=t.mission.title, shinobi_ids=list(t.shinobi_ids),
                   success_probability=round(t.estimate.success, 4),
                   casualty_probability=round(t.estimate.casualty, 4), expected_value_ryo=round(t.expected_value))


class LeftOutRead(BaseModel):
    """A mission no plan can staff: fewer eligible shinobi (after every fitness rule) than places."""

    mission_id: int
    eligible: int
    needed: int
    reason: str  # "3 eligible for 4 places"

    @classmethod
    def of(cls, x: LeftOut) -> LeftOutRead:
        return cls(mission_id=x.mission_id, eligible=x.eligible, needed=x.needed, reason=x.reason)


class PlanRead(BaseModel):
    departs_at: AwareDatetime
    value: float
    upper_bound: float
    gap: float
    eligible_pairs: int
    teams: list[PlannedTeamRead]
    left_empty: list[int]  # missions that could be staffed and that the plan leaves empty
    left_out: list[LeftOutRead]  # missions that cannot be staffed: out of the plan and of the bound
    accept: str

    @classmethod
    def of(cls, p: Plan) -> PlanRead:
        return cls(departs_at=p.departs_at, value=round(p.value, 2), upper_bound=round(p.upper_bound, 2),
                   gap=round(p.gap, 6), eligible_pairs=p.eligible_pairs, teams=[PlannedTeamRead.of(t) for t in p.teams],
                   left_empty=list(p.left_empty), left_out=[LeftOutRead.of(x) for x in p.left_out],
                   accept="POST /api/v1/missions/{mission_id}/assignments with the team: every check runs then")
