from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from ....domain.custody import AudienceStatus, Detainee, DetaineeStatus
from ....services import custody
from ..deps import CurrentCaller, Deps, Now
from ..schemas import AudienceCreate, AudienceDecision, CustodyCreate, CustodyEnd, TransferCreate
from .common import PathId

router = APIRouter(tags=["custody"])


def detainee_view(d: Detainee, now: datetime) -> dict:
    held = d.held_for(now)
    return {
        "id": d.id, "name": d.name, "origin": d.origin, "status": d.status.value,
        "detained_since": d.detained_since, "ended_at": d.ended_at, "end_note": d.end_note,
        "held_hours": round(held.total_seconds() / 3600, 2),
        "custodians": list(d.custodian_ids),
        "chain": [{"custodian_ids": list(link.custodian_ids), "from": link.at, "by": link.by} for link in d.chain],
        "audience_requests": [{"id": r.id, "with": r.with_, "at": r.at, "status": r.status.value,
                               "decided_at": r.decided_at, "decided_by": r.decided_by, "note": r.note}
                              for r in d.audience_requests],
    }


@router.post("/custody", status_code=201)
def intake(body: CustodyCreate, caller: CurrentCaller, c: Deps, now: Now) -> dict:
    cmd = custody.Intake(name=body.name, at=body.at, escort_ids=tuple(body.escort_ids), origin=body.origin,
                         in_village=body.in_village)
    return detainee_view(custody.take_into_custody(c.uow, caller, cmd, now), now)


@router.get("/custody")
def list_custody(caller: CurrentCaller, c: Deps, now: Now, status: DetaineeStatus | None = None) -> list[dict]:
    return [detainee_view(d, now) for d in custody.list_detainees(c.uow, caller, status=status)]


@router.get("/custody/{detainee_id}")
def get_custody(detainee_id: PathId, caller: CurrentCaller, c: Deps, now: Now) -> dict:
    return detainee_view(custody.get_detainee(c.uow, caller, detainee_id), now)


@router.post("/custody/{detainee_id}/transfers", status_code=201)
def transfer(detainee_id: PathId, body: TransferCreate, caller: CurrentCaller, c: Deps, now: Now) -> dict:
    return detainee_view(custody.transfer(c.uow, caller, detainee_id, tuple(body.to_ids), body.at, now), now)


@router.post("/custody/{detainee_id}/release", status_code=201)
def release(detainee_id: PathId, body: CustodyEnd, caller: CurrentCaller, c: Deps, now: Now) -> dict:
    d = custody.end_custody(c.uow, caller, detainee_id, DetaineeStatus(body.outcome), body.at, body.note, now)
    return detainee_view(d, now)


@router.post("/custody/{detainee_id}/audience-requests", status_code=201)
def request_audience(detainee_id: PathId, body: AudienceCreate, caller: CurrentCaller, c: Deps, now: Now) -> dict:
    return detainee_view(custody.request_audience(c.uow, caller, detainee_id, body.with_, body.at, now), now)


@router.post("/custody/{detainee_id}/audience-requests/{request_id}/decision")
def decide(detainee_id: PathId, request_id: PathId, body: AudienceDecision, caller: CurrentCaller, c: Deps,
           now: Now) -> dict:
    d = custody.decide_audience(c.uow, caller, detainee_id, request_id, AudienceStatus(body.decision), body.at,
                                body.note, now)
    return detainee_view(d, now)
