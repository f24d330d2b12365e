from __future__ import annotations

from fastapi import APIRouter

from ....domain.custody import AudienceStatus, DetaineeStatus
from ....services import custody
from ..custody_schemas import DetaineeRead
from ..deps import CurrentCaller, Deps, Now
from ..schemas import AudienceCreate, AudienceDecision, CustodyCreate, CustodyEnd, TransferCreate
from .common import PathId

router = APIRouter(tags=["custody"])


@router.post("/custody", status_code=201, response_model=DetaineeRead)
def intake(body: CustodyCreate, caller: CurrentCaller, c: Deps, now: Now) -> DetaineeRead:
    cmd = custody.Intake(name=body.name, at=body.at, custodian_ids=tuple(body.escort_ids), origin=body.origin,
                         in_village=body.in_village)
    return DetaineeRead.of(custody.take_into_custody(c.uow, caller, cmd, now), now)


@router.get("/custody", response_model=list[DetaineeRead])
def list_custody(caller: CurrentCaller, c: Deps, now: Now, status: DetaineeStatus | None = None
                 ) -> list[DetaineeRead]:
    return [DetaineeRead.of(d, now) for d in custody.list_detainees(c.uow, caller, status=status)]


@router.get("/custody/{detainee_id}", response_model=DetaineeRead)
def get_custody(detainee_id: PathId, caller: CurrentCaller, c: Deps, now: Now) -> DetaineeRead:
    return DetaineeRead.of(custody.get_detainee(c.uow, caller, detainee_id), now)


@router.post("/custody/{detainee_id}/transfers", status_code=201, response_model=DetaineeRead)
def transfer(detainee_id: PathId, body: TransferCreate, caller: CurrentCaller, c: Deps, now: Now) -> DetaineeRead:
    return DetaineeRead.of(custody.transfer(c.uow, caller, detainee_id, tuple(body.to_ids), body.at, now), now)


@router.post("/custody/{detainee_id}/release", status_code=201, response_model=DetaineeRead)
def release(detainee_id: PathId, body: CustodyEnd, caller: CurrentCaller, c: Deps, now: Now) -> DetaineeRead:
    d = custody.end_custody(c.uow, caller, detainee_id, DetaineeStatus(body.outcome), body.at, body.note, now)
    return DetaineeRead.of(d, now)


@router.post("/custody/{detainee_id}/audience-requests", status_code=201, response_model=DetaineeRead)
def request_audience(detainee_id: PathId, body: AudienceCreate, caller: CurrentCaller, c: Deps,
                     now: Now) -> DetaineeRead:
    return DetaineeRead.of(custody.request_audience(c.uow, caller, detainee_id, body.with_, body.at, now), now)


@router.post("/custody/{detainee_id}/audience-requests/{request_id}/decision", response_model=DetaineeRead)
def decide(detainee_id: PathId, request_id: PathId, body: AudienceDecision, caller: CurrentCaller, c: Deps,
           now: Now) -> DetaineeRead:
    d = custody.decide_audience(c.uow, caller, detainee_id, request_id, AudienceStatus(body.decision), body.at,
                                body.note, now)
    return DetaineeRead.of(d, now)
