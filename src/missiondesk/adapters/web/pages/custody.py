"""Custody: intake, transfers, release, audience requests and the hokage's decision on them.

Custody is need-to-know: to anyone but the hokage and the ANBU these pages do not exist (404). Each form
makes the one service call its API route makes; a refusal re-renders the page with the service's message.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ....domain.custody import AudienceStatus, DetaineeStatus
from ....domain.errors import DomainError, Invalid
from ....services import custody, custody_view
from ..errors import status_for
from .common import Page, PageContext, Posted, parse_local, render, see_other, shown_in_place

router = APIRouter(include_in_schema=False)

NAME_MAX, ORIGIN_MAX, NOTE_MAX = 200, 200, 2000
OUTCOMES = {"released": "Released", "transferred_out": "Transferred out of the village"}
DECISIONS = {"granted": "Grant", "declined": "Decline"}


def _local_now(ctx: PageContext) -> str:
    return ctx.now.astimezone(ctx.c.settings.village_tz).strftime("%Y-%m-%dT%H:%M")


def _when(at: str, at_shown: str, ctx: PageContext) -> datetime:
    """A time field left as the form offered it (the minute it was shown) means now, to the second: taken as
    the minute's start it could fall before a link made earlier in that minute."""
    if at and at == at_shown:
        return ctx.now
    if not at:
        raise Invalid("give the date and time", code="VALIDATION_ERROR")
    try:
        return parse_local(at, ctx)
    except DomainError as e:  # common.parse_local's error has no HTTP class of its own (400); a bad field is 422
        raise Invalid(e.message, code=e.code) from None


def _too_long(field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise Invalid(f"{field} is longer than {limit} characters", code="VALIDATION_ERROR")




# -- the custody list and intake ------------------------------------------------------------------------------
@router.get("/custody")
def custody_list(request: Request, ctx: Page) -> HTMLResponse:
    return _custody_list(request, ctx)


def _custody_list(request: Request, ctx: PageContext, http_status: int = 200, **extra: Any) -> HTMLResponse:
    desk = custody_view.custody_list(ctx.uow, ctx.caller)
    return render(request, ctx, "custody_list.html", http_status=http_status, desk=desk,
                  tz=ctx.c.settings.village_tz, at=_local_now(ctx), **extra)


@router.post("/custody")
def intake(request: Request, ctx: Posted, name: Annotated[str, Form()] = "", origin: Annotated[str, Form()] = "",
           at: Annotated[str, Form()] = "", escort_ids: Annotated[list[int] | None, Form()] = None,
           in_village: Annotated[str, Form()] = "", at_shown: Annotated[str, Form()] = "") -> Response:
    form = {"name": name, "origin": origin, "at": at, "escort_ids": list(escort_ids or ()),
            "in_village": bool(in_village)}
    try:
        _too_long("the name", name, NAME_MAX)
        _too_long("the origin", origin, ORIGIN_MAX)
        cmd = custody.Intake(name=name, at=_when(at, at_shown, ctx), custodian_ids=tuple(escort_ids or ()),
                             origin=origin.strip() or None, in_village=bool(in_village))
        d = custody.take_into_custody(ctx.uow, ctx.caller, cmd, ctx.now)
    except DomainError as e:
        shown_in_place(e)
        return _custody_list(request, ctx, status_for(e), error=e, form=form)
    return see_other(f"/custody/{d.id}")


# -- one detainee ---------------------------------------------------------------------------------------------
@router.get("/custody/{detainee_id}")
def custody_page(request: Request, ctx: Page, detainee_id: int) -> HTMLResponse:
    return _custody_page(request, ctx, detainee_id)


def _custody_page(request: Request, ctx: PageContext, detainee_id: int, http_status: int = 200, **extra: Any
                  ) -> HTMLResponse:
    record = custody_view.custody_record(ctx.uow, ctx.caller, detainee_id)
    return render(request, ctx, "custody_detainee.html", http_status=http_status, r=record, d=record.detainee,
                  tz=ctx.c.settings.village_tz, at=_local_now(ctx), outcomes=OUTCOMES, decisions=DECISIONS,
                  **extra)


def _failed(request: Request, ctx: PageContext, detainee_id: int, e: DomainError, form: str) -> HTMLResponse:
    shown_in_place(e)
    return _custody_page(request, ctx, detainee_id, status_for(e), error=e, failed=form)


@router.post("/custody/{detainee_id}/transfer")
def transfer(request: Request, ctx: Posted, detainee_id: int, at: Annotated[str, Form()] = "",
             to_ids: Annotated[list[int] | None, Form()] = None, at_shown: Annotated[str, Form()] = "") -> Response:
    try:
        custody.transfer(ctx.uow, ctx.caller, detainee_id, tuple(to_ids or ()), _when(at, at_shown, ctx), ctx.now)
    except DomainError as e:
        return _failed(request, ctx, detainee_id, e, "transfer")
    return see_other(f"/custody/{detainee_id}")


@router.post("/custody/{detainee_id}/release")
def release(request: Request, ctx: Posted, detainee_id: int, outcome: Annotated[str, Form()] = "",
            at: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
            at_shown: Annotated[str, Form()] = "") -> Response:
    try:
        if outcome not in OUTCOMES:
            raise Invalid("choose how custody ends: released or transferred out", code="VALIDATION_ERROR")
        _too_long("the note", note, NOTE_MAX)
        custody.end_custody(ctx.uow, ctx.caller, detainee_id, DetaineeStatus(outcome), _when(at, at_shown, ctx),
                            note.strip() or None, ctx.now)
    except DomainError as e:
        return _failed(request, ctx, detainee_id, e, "release")
    return see_other(f"/custody/{detainee_id}")


@router.post("/custody/{detainee_id}/audience")
def request_audience(request: Request, ctx: Posted, detainee_id: int, at: Annotated[str, Form()] = "",
                     at_shown: Annotated[str, Form()] = "") -> Response:
    try:
        custody.request_audience(ctx.uow, ctx.caller, detainee_id, "hokage", _when(at, at_shown, ctx), ctx.now)
    except DomainError as e:
        return _failed(request, ctx, detainee_id, e, "audience")
    return see_other(f"/custody/{detainee_id}")


def decide(ctx: PageContext, detainee_id: int, request_id: int, decision: str, at: str, note: str) -> None:
    """The hokage's decision on an audience request, from the detainee's page or from the alert."""
    if decision not in DECISIONS:
        raise Invalid("choose to grant or to decline", code="VALIDATION_ERROR")
    _too_long("the note", note, NOTE_MAX)
    when = _when(at, "", ctx) if at else ctx.now
    custody.decide_audience(ctx.uow, ctx.caller, detainee_id, request_id, AudienceStatus(decision), when,
                            note.strip() or None, ctx.now)


@router.post("/custody/{detainee_id}/audience/{request_id}/decision")
def decide_audience(request: Request, ctx: Posted, detainee_id: int, request_id: int,
                    decision: Annotated[str, Form()] = "", at: Annotated[str, Form()] = "",
                    note: Annotated[str, Form()] = "") -> Response:
    try:
        decide(ctx, detainee_id, request_id, decision, at, note)
    except DomainError as e:
        return _failed(request, ctx, detainee_id, e, f"decision-{request_id}")
    return see_other(f"/custody/{detainee_id}#audience-{request_id}")
