"""The gate: who is inside, the day's log, logging in and out."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ....domain.errors import AssignmentRefused, DomainError, Forbidden, Invalid, NotFound
from ....domain.fitness import OVERRIDABLE
from ....domain.gate import Direction
from ....services import (
    authz,
    custody,
    gate,
    roster,
)
from ..errors import status_for
from .common import (
    CODE_WORDS,
    Page,
    PageContext,
    Posted,
    parse_local,
    render,
)

router = APIRouter(include_in_schema=False)


@router.get("/gate")
def gate_page(request: Request, ctx: Page, day: str = "", shinobi_id: str = "", detainee_id: str = ""
              ) -> HTMLResponse:
    """The gate; its log by village day (`day`, today by default) or by person (`shinobi_id` or, for the
    hokage and the ANBU, `detainee_id`: all their events)."""
    try:
        shown = date.fromisoformat(day) if day else None
        who = int(shinobi_id) if shinobi_id else None
        held = int(detainee_id) if detainee_id else None
    except ValueError:
        raise Invalid("the day is a date (YYYY-MM-DD) and a person is an id", code="VALIDATION_ERROR") from None
    return _gate_page(request, ctx, day=shown, shinobi_id=who, detainee_id=held)


def _gate_page(request: Request, ctx: PageContext, http_status: int = 200, *, day: date | None = None,
               shinobi_id: int | None = None, detainee_id: int | None = None, **extra: Any) -> HTMLResponse:
    tz = ctx.c.settings.village_tz
    inside = gate.present(ctx.uow, ctx.caller, ctx.now)
    detainees = custody.list_detainees(ctx.uow, ctx.caller)
    today = ctx.now.astimezone(tz).date()
    by_person = shinobi_id is not None or detainee_id is not None
    if day is None and not by_person:
        day = today
    log = gate.gate_log(ctx.uow, ctx.caller, day=day, tz=tz, shinobi_id=shinobi_id, detainee_id=detainee_id)
    people = roster.list_shinobi(ctx.uow, ctx.caller)
    return render(request, ctx, "gate.html", http_status=http_status, inside=inside, detainees=detainees, log=log,
                  names={s.id: s.name for s in people}, detainee_names={d.id: d.name for d in detainees},
                  everyone=people, tz=tz, day=day, today=today, by_person=by_person,
                  prev_day=(day or today) - timedelta(days=1), next_day=(day or today) + timedelta(days=1),
                  log_shinobi_id=shinobi_id, log_detainee_id=detainee_id,
                  people=[s for s in people if s.status.value in ("active", "on_mission")],
                  may_log=authz.decide(ctx.caller, "logGate", authz.VILLAGE).allowed,
                  may_override=authz.decide(ctx.caller, "override", authz.VILLAGE).allowed,
                  at=ctx.now.astimezone(ctx.c.settings.village_tz).strftime("%Y-%m-%dT%H:%M"),
                  code_words=CODE_WORDS, overridable={c.value for c in OVERRIDABLE}, **extra)


@router.post("/gate")
def log_gate(request: Request, ctx: Posted, direction: Annotated[str, Form()] = "",
             at: Annotated[str, Form()] = "", shinobi_ids: Annotated[list[int], Form()] = None,
             detainee_ids: Annotated[list[int], Form()] = None,
             justification: Annotated[str, Form()] = "", at_shown: Annotated[str, Form()] = "",
             detainee_numbers: Annotated[str, Form()] = "") -> Response:
    """The gate clerk logs people in or out; a booked team member refused at the gate is shown every reason.

    The form offers the minute it was shown (`at_shown`); left as offered, it means now, to the second. Taken
    as the minute's start, it would let a booked member out past a rest order given earlier in that minute
    (the office is judged at the event's time)."""
    chosen = list(shinobi_ids or [])
    typed = detainee_numbers.strip()
    if typed and not re.fullmatch(r"[0-9][0-9 ,]*", typed):
        return _gate_page(request, ctx, 422, result={"ok": False, "error": Invalid(
            "detainees are named by their numbers, e.g. 4 or 4, 7", code="VALIDATION_ERROR")},
            chosen=chosen, detainee_numbers=typed)
    # a clerk, who may not read custody, names a detainee at the gate by the number their escort gives
    detainees = tuple(detainee_ids or ()) + tuple(int(n) for n in re.findall(r"\d+", typed))
    try:
        when = ctx.now if not at or at == at_shown else parse_local(at, ctx)
        cmd = gate.GateEntry(direction=Direction(direction), at=when,
                             shinobi_ids=tuple(chosen), detainee_ids=detainees,
                             override_justification=justification if justification.strip() else None)
        done = gate.log_gate(ctx.uow, ctx.caller, cmd, ctx.now, policy=ctx.c.policy)
    except ValueError:
        return _gate_page(request, ctx, 422, result={"ok": False, "error": DomainError(
            "choose in or out", code="VALIDATION_ERROR")}, chosen=chosen)
    except AssignmentRefused as e:
        return _gate_page(request, ctx, 409, result={"ok": False, "refused": e.details}, chosen=chosen)
    except DomainError as e:
        typed_miss = isinstance(e, NotFound) and typed and any(d.get("kind") == "detainee" for d in e.details)
        if isinstance(e, NotFound | Forbidden) and not typed_miss:
            raise
        return _gate_page(request, ctx, status_for(e), result={"ok": False, "error": e}, chosen=chosen,
                          detainee_numbers=typed)
    return _gate_page(request, ctx, result={"ok": True, "logged": done})
