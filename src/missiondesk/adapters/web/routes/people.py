"""The memorial and the gate: what everyone signed in reads."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ....domain.gate import Direction
from ....services import gate, reports
from ..deps import CurrentCaller, Deps, Now
from ..gate_schemas import GateLogEntryRead, PresentRead
from ..report_schemas import MemorialRead
from ..schemas import GateEventCreate, GateEventsRead
from .common import DEFAULT_PAGE, MAX_PAGE, After, Day, Limit, QueryId, link_next, window

router = APIRouter(tags=["memorial", "gate"])


@router.get("/memorial", response_model=list[MemorialRead])
def memorial(caller: CurrentCaller, c: Deps, request: Request, response: Response, limit: Limit = DEFAULT_PAGE,
             after: After = None) -> list[MemorialRead]:
    """The fallen by date of death (ties by shinobi id), `limit` at a time: `after` is the shinobi id of the last
    name of the page before; the next page's URL in the `Link` header."""
    page = reports.memorial_page(c.uow, caller, window(after, limit))
    link_next(request, response, page.next_after)
    return [MemorialRead.of(v) for v in page.items]


@router.post("/gate/events", status_code=201, response_model=GateEventsRead)
def log_gate(body: GateEventCreate, caller: CurrentCaller, c: Deps, now: Now) -> GateEventsRead:
    cmd = gate.GateEntry(direction=Direction(body.direction), at=body.at, shinobi_ids=tuple(body.shinobi_ids),
                         detainee_ids=tuple(body.detainee_ids),
                         override_justification=body.override.justification if body.override else None)
    return GateEventsRead.of(gate.log_gate(c.uow, caller, cmd, now, policy=c.policy))


@router.get("/gate/present", response_model=PresentRead)
def present(caller: CurrentCaller, c: Deps, now: Now, request: Request, response: Response,
            limit: Annotated[int | None, Query(ge=1, le=MAX_PAGE, description="page the shinobi list: at most this "
                                               "many (1 to 1000); every one inside unless told")] = None,
            after: After = None) -> PresentRead:
    """Who is inside now. The shinobi list is whole unless `limit` or `after` is given: then a page of it by
    shinobi id, the next page's URL in the `Link` header (the detainees are never paged)."""
    paged = limit is not None or after is not None
    inside = gate.present(c.uow, caller, now, window(after, limit or DEFAULT_PAGE) if paged else None)
    link_next(request, response, inside.next_after)
    return PresentRead.of(inside, now)


@router.get("/gate/events", response_model=list[GateLogEntryRead])
def gate_log(caller: CurrentCaller, c: Deps, request: Request, response: Response, day: Day = None,
             shinobi_id: QueryId = None, detainee_id: QueryId = None, limit: Limit = DEFAULT_PAGE,
             after: After = None) -> list[GateLogEntryRead]:
    """The log oldest first (by time, ties by entry), `limit` at a time: `after` is the id of the last event of
    the page before (an event logged later with an earlier time takes its place in time); the next page's URL,
    filters kept, in the `Link` header."""
    page = gate.gate_log(c.uow, caller, day=day, tz=c.settings.village_tz, shinobi_id=shinobi_id,
                         detainee_id=detainee_id, window=window(after, limit))
    link_next(request, response, page.next_after)
    return [GateLogEntryRead.of(e) for e in page.items]
