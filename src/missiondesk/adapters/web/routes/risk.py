from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from ....services import plans, risk
from ..deps import CurrentCaller, Deps, Now
from ..plan_schemas import PlanRead, PlanRequest
from ..risk_schemas import RecommendationRead, RiskModelRead
from .common import PathId, aware

router = APIRouter(tags=["risk"])


@router.get("/risk/model", response_model=RiskModelRead)
def get_model(caller: CurrentCaller, c: Deps) -> RiskModelRead:
    return RiskModelRead.of(risk.describe_model(c.uow, caller))


@router.post("/risk/model/refit", status_code=201, response_model=RiskModelRead)
def refit(caller: CurrentCaller, c: Deps, now: Now) -> RiskModelRead:
    return RiskModelRead.of(risk.refit(c.uow, caller, now, c.policy))


@router.get("/missions/{mission_id}/recommendation", response_model=RecommendationRead)
def recommendation(mission_id: PathId, caller: CurrentCaller, c: Deps, now: Now,
                   departs_at: datetime | None = Query(default=None)) -> RecommendationRead:
    when = aware(departs_at, "departs_at") if departs_at else now
    return RecommendationRead.of(risk.recommend(c.uow, caller, mission_id, departs_at=when, policy=c.policy))


@router.post("/plans", response_model=PlanRead)
def plan(caller: CurrentCaller, c: Deps, now: Now, body: PlanRequest | None = None) -> PlanRead:
    body = body or PlanRequest()
    return PlanRead.of(plans.plan_board(c.uow, caller, departs_at=body.departs_at or now, policy=c.policy,
                                        time_limit=body.time_limit_seconds))
