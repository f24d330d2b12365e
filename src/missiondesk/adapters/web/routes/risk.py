from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from ....domain.risk import casualty_cost
from ....services import plans, risk
from ..deps import CurrentCaller, Deps, Now
from ..plan_schemas import PlanRead, PlanRequest
from .common import PathId, aware

router = APIRouter(tags=["risk"])


def model_view(m) -> dict:
    return {"source": m.source, "reports": m.reports,
            "success": {"intercept": m.success[0], "log_strength_ratio": m.success[1], "sensor": m.success[2]},
            "casualty": {"intercept": m.casualty[0], "log_strength_ratio": -m.casualty[1], "medic": -m.casualty[2]},
            "calibration": m.calibration, "refit_from_reports": risk.MIN_REPORTS_TO_FIT}


@router.get("/risk/model")
def get_model(caller: CurrentCaller, c: Deps) -> dict:
    return model_view(risk.describe_model(c.uow, caller))


@router.post("/risk/model/refit", status_code=201)
def refit(caller: CurrentCaller, c: Deps, now: Now) -> dict:
    return model_view(risk.refit(c.uow, caller, now, c.policy))


@router.get("/missions/{mission_id}/recommendation")
def recommendation(mission_id: PathId, caller: CurrentCaller, c: Deps, now: Now,
                   departs_at: datetime | None = Query(default=None)) -> dict:
    when = aware(departs_at, "departs_at") if departs_at else now
    r = risk.recommend(c.uow, caller, mission_id, departs_at=when, policy=c.policy)

    def pick(p) -> dict:
        return {"shinobi_id": p.member.id, "name": p.name, "strength": round(p.strength, 2), "why": p.why}

    return {"mission_id": r.mission.id, "departs_at": r.departs_at, "model": r.model, "eligible": r.eligible,
            "team": [pick(p) for p in r.team],
            "success_probability": round(r.estimate.success, 4) if r.estimate else None,
            "casualty_probability": round(r.estimate.casualty, 4) if r.estimate else None,
            "expected_value_ryo": round(r.expected_value) if r.expected_value is not None else None,
            "worth_sending": r.expected_value > 0 if r.expected_value is not None else None,
            "casualty_cost_ryo": casualty_cost(r.mission.rank),
            "runners_up": [pick(p) for p in r.runners_up],
            "shortfall": None if r.team else {"needed": r.mission.min_team_size, "eligible": r.eligible,
                                               "kept_out_by": r.shortfall}}


@router.post("/plans", response_model=PlanRead)
def plan(caller: CurrentCaller, c: Deps, now: Now, body: PlanRequest | None = None) -> PlanRead:
    body = body or PlanRequest()
    return PlanRead.of(plans.plan_board(c.uow, caller, departs_at=body.departs_at or now, policy=c.policy,
                                        time_limit=body.time_limit_seconds))
