"""The memorial and the gate: what everyone signed in reads."""
from __future__ import annotations

from fastapi import APIRouter

from ....domain.gate import Direction
from ....services import gate, reports
from ..deps import CurrentCaller, Deps, Now
from ..schemas import GateEventCreate, GateEventsRead
from .common import Day, QueryId

router = APIRouter(tags=["memorial", "gate"])


@router.get("/memorial")
def memorial(caller: CurrentCaller, c: Deps) -> list[dict]:
    return [{"shinobi_id": v.entry.shinobi_id, "name": v.entry.name, "rank": v.entry.rank,
             "died_at": v.entry.died_at, "mission_id": v.entry.mission_id, "mission_title": v.mission_title}
            for v in reports.memorial(c.uow, caller)]


@router.post("/gate/events", status_code=201, response_model=GateEventsRead)
def log_gate(body: GateEventCreate, caller: CurrentCaller, c: Deps, now: Now) -> GateEventsRead:
    cmd = gate.GateEntry(direction=Direction(body.direction), at=body.at, shinobi_ids=tuple(body.shinobi_ids),
                         detainee_ids=tuple(body.detainee_ids),
                         override_justification=body.override.justification if body.override else None)
    return GateEventsRead.of(gate.log_gate(c.uow, caller, cmd, now, policy=c.policy))


@router.get("/gate/present")
def present(caller: CurrentCaller, c: Deps, now: Now) -> dict:
    inside = gate.present(c.uow, caller, now)
    return {"at": now, "shinobi": [{"id": s.id, "name": s.name, "rank": s.rank.value} for s in inside["shinobi"]],
            "detainees": [{"id": d.id, "name": d.name, "status": d.status.value} for d in inside["detainees"]]}


@router.get("/gate/events")
def gate_log(caller: CurrentCaller, c: Deps, day: Day = None, shinobi_id: QueryId = None,
             detainee_id: QueryId = None) -> list[dict]:
    return gate.gate_log(c.uow, caller, day=day, tz=c.settings.village_tz, shinobi_id=shinobi_id,
                         detainee_id=detainee_id)
