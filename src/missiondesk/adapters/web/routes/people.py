"""The memorial and the gate: what everyone signed in reads."""
from __future__ import annotations

from fastapi import APIRouter

from ....domain.gate import Direction
from ....services import gate, reports
from ..deps import CurrentCaller, Deps, Now
from ..gate_schemas import GateLogEntryRead, PresentRead
from ..report_schemas import MemorialRead
from ..schemas import GateEventCreate, GateEventsRead
from .common import Day, QueryId

router = APIRouter(tags=["memorial", "gate"])


@router.get("/memorial", response_model=list[MemorialRead])
def memorial(caller: CurrentCaller, c: Deps) -> list[MemorialRead]:
    return [MemorialRead.of(v) for v in reports.memorial(c.uow, caller)]


@router.post("/gate/events", status_code=201, response_model=GateEventsRead)
def log_gate(body: GateEventCreate, caller: CurrentCaller, c: Deps, now: Now) -> GateEventsRead:
    cmd = gate.GateEntry(direction=Direction(body.direction), at=body.at, shinobi_ids=tuple(body.shinobi_ids),
                         detainee_ids=tuple(body.detainee_ids),
                         override_justification=body.override.justification if body.override else None)
    return GateEventsRead.of(gate.log_gate(c.uow, caller, cmd, now, policy=c.policy))


@router.get("/gate/present", response_model=PresentRead)
def present(caller: CurrentCaller, c: Deps, now: Now) -> PresentRead:
    return PresentRead.of(gate.present(c.uow, caller, now), now)


@router.get("/gate/events", response_model=list[GateLogEntryRead])
def gate_log(caller: CurrentCaller, c: Deps, day: Day = None, shinobi_id: QueryId = None,
             detainee_id: QueryId = None) -> list[GateLogEntryRead]:
    return [GateLogEntryRead.of(e) for e in gate.gate_log(c.uow, caller, day=day, tz=c.settings.village_tz,
                                                          shinobi_id=shinobi_id, detainee_id=detainee_id)]
