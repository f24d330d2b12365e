from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from ....services import fitness, medical
from ..deps import CurrentCaller, Deps, Now
from ..schemas import FitnessRead, HoldCreate, HoldLift, HoldRead, LiftRequest, RestrictionCreate, RestrictionRead
from .common import aware

router = APIRouter(tags=["medical"])


@router.post("/shinobi/{shinobi_id}/restrictions", status_code=201, response_model=RestrictionRead)
def add_restriction(shinobi_id: int, body: RestrictionCreate, caller: CurrentCaller, c: Deps,
                    now: Now) -> RestrictionRead:
    cmd = medical.AddRestriction(kind=body.kind, reason=body.reason, starts_at=body.starts_at, ends_at=body.ends_at,
                                 status=body.status)
    return RestrictionRead.of(medical.add_restriction(c.uow, caller, shinobi_id, cmd, now))


@router.get("/shinobi/{shinobi_id}/restrictions", response_model=list[RestrictionRead])
def list_restrictions(shinobi_id: int, caller: CurrentCaller, c: Deps) -> list[RestrictionRead]:
    return [RestrictionRead.of(r) for r in medical.list_restrictions(c.uow, caller, shinobi_id)]


@router.post("/restrictions/{restriction_id}/file", response_model=RestrictionRead)
def file_restriction(restriction_id: int, caller: CurrentCaller, c: Deps, now: Now) -> RestrictionRead:
    return RestrictionRead.of(medical.file_restriction(c.uow, caller, restriction_id, now))


@router.post("/restrictions/{restriction_id}/lift", response_model=RestrictionRead)
def lift_restriction(restriction_id: int, body: LiftRequest, caller: CurrentCaller, c: Deps,
                     now: Now) -> RestrictionRead:
    return RestrictionRead.of(medical.lift_restriction(c.uow, caller, restriction_id, body.at, body.note, now))


@router.post("/shinobi/{shinobi_id}/welfare-holds", status_code=201, response_model=HoldRead)
def add_hold(shinobi_id: int, body: HoldCreate, caller: CurrentCaller, c: Deps, now: Now) -> HoldRead:
    return HoldRead.of(medical.add_hold(c.uow, caller, shinobi_id, body.reason, body.since, now))


@router.get("/shinobi/{shinobi_id}/welfare-holds", response_model=list[HoldRead])
def list_holds(shinobi_id: int, caller: CurrentCaller, c: Deps) -> list[HoldRead]:
    return [HoldRead.of(h) for h in medical.list_holds(c.uow, caller, shinobi_id)]


@router.post("/welfare-holds/{hold_id}/lift", response_model=HoldRead)
def lift_hold(hold_id: int, body: HoldLift, caller: CurrentCaller, c: Deps, now: Now) -> HoldRead:
    return HoldRead.of(medical.lift_hold(c.uow, caller, hold_id, body.at, body.note, now))


@router.get("/shinobi/{shinobi_id}/fitness", response_model=FitnessRead)
def check_fitness(shinobi_id: int, caller: CurrentCaller, c: Deps, now: Now,
                  mission_id: int | None = None, at: datetime | None = Query(default=None)) -> FitnessRead:
    when = aware(at, "at") if at is not None else now
    verdict = fitness.check_fitness(c.uow, caller, shinobi_id, mission_id=mission_id, at=when, policy=c.policy)
    return FitnessRead.of(shinobi_id, mission_id, when, verdict)
