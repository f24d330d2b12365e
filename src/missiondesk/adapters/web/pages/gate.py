"""The gate: who is inside, the day's log, logging in and out."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ....domain.errors import AssignmentRefused, DomainError, Forbidden, Invalid, NotFound
from ....domain.fitness import OVERRIDABLE
from ....domain.gate import Direction
from ....services import authz, gate, gate_view
from ....services.paging import Window
from ..errors import status_for
from ..schemas import MAX_ID
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
def gate_page(request: Request, ctx: Page, day: str = "", shinobi_id: str = "", detainee_id: str = "", q: str = "",
              where: str = "", after: str = "", log_after: str = "") -> HTMLResponse:
    """The gate; its log by village day (`day`, today by default) or by person (`shinobi_id` or, for the
    hokage and the ANBU, `detainee_id`: all their events), LOG_PAGE events at a time after the event
    `log_after`; the shinobi whose name holds `q` and who are `where` (inside, outside, fallen), PEOPLE_PAGE at a
    time after the shinobi id `after`."""
    try:
        shown = date.fromisoformat(day) if day else None
        who = int(shinobi_id) if shinobi_id else None
        held = int(detainee_id) if detainee_id else None
        since = int(log_after) if log_after else None
        people_after = int(after) if after else None
    except ValueError:
        raise Invalid("the day is a date (YYYY-MM-DD) and a person is an id", code="VALIDATION_ERROR") from None
    people_after = people_after if people_after is not None and 0 <= people_after <= MAX_ID else None
    return _gate_page(request, ctx, day=shown, shinobi_id=who, detainee_id=held, q=q.strip(), where=where,
                      after=people_after, log_after=since)


def _gate_page(request: Request, ctx: PageContext, http_status: int = 200, *, day: date | None = None,
               shinobi_id: int | None = None, detainee_id: int | None = None, q: str = "", where: str = "",
               after: int | None = None, log_after: int | None = None, chosen: list[int] | None = None,
               shinobi_numbers: str = "", **extra: Any) -> HTMLResponse:
    tz = ctx.c.settings.village_tz
    today = ctx.now.astimezone(tz).date()
    by_person = shinobi_id is not None or detainee_id is not None
    if day is None and not by_person:
        day = today
    where = where if where in gate_view.WHERE else ""
    if log_after is not None and not 0 <= log_after <= MAX_ID:
        raise Invalid("log_after is the id of an event of the log", code="VALIDATION_ERROR")
    view = gate_view.gate_view(ctx.uow, ctx.caller, now=ctx.now, tz=tz, day=day, shinobi_id=shinobi_id,
                               detainee_id=detainee_id, name=q, where=where,
                               people=Window(after=after, limit=gate_view.PEOPLE_PAGE),
                               log=Window(after=log_after, limit=gate_view.LOG_PAGE), named=tuple(chosen or ()))
    log_filters = {k: v for k, v in (("day", day.isoformat() if day and not by_person else ""),
                                     ("shinobi_id", shinobi_id or ""), ("detainee_id", detainee_id or ""))
                   if v}
    people_filters = {k: v for k, v in (("q", q), ("where", where)) if v}
    people_at = {**people_filters, **({"after": after} if after is not None else {})}  # this page of the people
    log_at = {"log_after": log_after} if log_after is not None else {}  # this page of the log

    def url(**params: Any) -> str:
        return f"/gate?{urlencode(params)}" if params else "/gate"

    shown_ids = {p.shinobi.id for p in view.people.items if p.may_pass}
    unshown = [i for i in chosen or () if i not in shown_ids]  # chosen on another page: kept as numbers
    return render(request, ctx, "gate.html", http_status=http_status, view=view, inside=view.detainees_inside,
                  detainees=view.detainees, log=view.log.items, names=view.names,
                  detainee_names={d.id: d.name for d in view.detainees}, tz=tz, day=day, today=today,
                  by_person=by_person, prev_day=(day or today) - timedelta(days=1),
                  next_day=(day or today) + timedelta(days=1), log_shinobi_id=shinobi_id,
                  log_detainee_id=detainee_id, q=q, where=where, wheres=gate_view.WHERE,
                  people=[p for p in view.people.items if p.may_pass], chosen=chosen,
                  shinobi_numbers=shinobi_numbers or ", ".join(map(str, unshown)),
                  log_next_url=url(**log_filters, **people_at, log_after=view.log.next_after)
                  if view.log.next_after is not None else None,
                  log_first_url=url(**log_filters, **people_at) if log_after is not None else None,
                  people_next_url=url(**log_filters, **log_at, **people_filters, after=view.people.next_after)
                  if view.people.next_after is not None else None,
                  people_first_url=url(**log_filters, **log_at, **people_filters) if after is not None else None,
                  log_filters=log_filters,
                  may_log=authz.decide(ctx.caller, "logGate", authz.VILLAGE).allowed,
                  may_override=authz.decide(ctx.caller, "override", authz.VILLAGE).allowed,
                  at=ctx.now.astimezone(ctx.c.settings.village_tz).strftime("%Y-%m-%dT%H:%M"),
                  code_words=CODE_WORDS, overridable={c.value for c in OVERRIDABLE}, **extra)


@router.post("/gate")
def log_gate(request: Request, ctx: Posted, direction: Annotated[str, Form()] = "",
             at: Annotated[str, Form()] = "", shinobi_ids: Annotated[list[int] | None, Form()] = None,
             detainee_ids: Annotated[list[int] | None, Form()] = None, shinobi_numbers: Annotated[str, Form()] = "",
             justification: Annotated[str, Form()] = "", at_shown: Annotated[str, Form()] = "",
             detainee_numbers: Annotated[str, Form()] = "") -> Response:
    """The gate clerk logs people in or out; a booked team member refused at the gate is shown every reason.

    The form offers the minute it was shown (`at_shown`); left as offered, it means now, to the second. Taken
    as the minute's start, it would let a booked member out past a rest order given earlier in that minute
    (the office is judged at the event's time)."""
    numbers = shinobi_numbers.strip()
    typed_ids = [int(n) for n in re.findall(r"\d+", numbers)]
    if numbers and (not re.fullmatch(r"[0-9][0-9 ,]*", numbers) or max(typed_ids) > MAX_ID):
        return _gate_page(request, ctx, 422, result={"ok": False, "error": Invalid(
            "shinobi are named by their numbers, e.g. 12 or 12, 40", code="VALIDATION_ERROR")},
            chosen=list(shinobi_ids or []), shinobi_numbers=numbers, detainee_numbers=detainee_numbers.strip())
    # a shinobi not on the form's page of names is named by their number (the roster's and their page's)
    chosen = [*(shinobi_ids or []), *typed_ids]
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
        typed_miss = isinstance(e, NotFound) and any((typed and d.get("kind") == "detainee")
                                                      or (numbers and d.get("kind") == "shinobi") for d in e.details)
        if isinstance(e, NotFound | Forbidden) and not typed_miss:
            raise
        return _gate_page(request, ctx, status_for(e), result={"ok": False, "error": e},
                          chosen=list(shinobi_ids or []), shinobi_numbers=numbers, detainee_numbers=typed)
    return _gate_page(request, ctx, result={"ok": True, "logged": done})
