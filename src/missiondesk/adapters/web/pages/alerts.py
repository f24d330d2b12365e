"""Alerts, and the answers to a proposed team."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ....domain.errors import AssignmentRefused, DomainError, NotFound
from ....domain.fitness import OVERRIDABLE
from ....services import alerts as alerting
from ....services import (
    assignments,
    custody,
    roster,
)
from ..errors import status_for
from .common import (
    CODE_WORDS,
    Page,
    PageContext,
    Posted,
    render,
    see_other,
    shown_in_place,
)
from .custody import DECISIONS, decide

router = APIRouter(include_in_schema=False)


# -- alerts, the gate, the memorial, the audit log, the desk -----------------------------------------------
@router.get("/alerts")
def alerts_page(request: Request, ctx: Page) -> HTMLResponse:
    return _alerts_page(request, ctx)


def _alerts_page(request: Request, ctx: PageContext, http_status: int = 200, result: dict | None = None
                 ) -> HTMLResponse:
    alerts = alerting.list_alerts(ctx.uow, ctx.caller)
    audiences = custody.audiences_on_alerts(ctx.uow, ctx.caller, [v.alert for v in alerts])
    return render(request, ctx, "alerts.html", http_status=http_status, result=result,
                  alerts=alerts, audiences=audiences, decisions=DECISIONS, tz=ctx.c.settings.village_tz,
                  names={s.id: s.name for s in roster.list_shinobi(ctx.uow, ctx.caller)},
                  code_words=CODE_WORDS, overridable={c.value for c in OVERRIDABLE})


@router.post("/assignments/{assignment_id}/{answer}")
def answer_proposal(request: Request, ctx: Posted, assignment_id: int, answer: str) -> Response:
    """Accept or decline a proposed team from the alert that asks; a refusal reads like the team form's."""
    if answer not in ("accept", "decline"):
        raise NotFound("page", answer)
    try:
        if answer == "accept":
            a = assignments.accept_proposal(ctx.uow, ctx.caller, assignment_id, ctx.now, ctx.c.policy)
            message = ("Accepted: the team is sent." if a.status.value == "active" else
                       f"Accepted; still waiting for {len(a.awaiting_ids)} member(s) to answer.")
        else:
            assignments.decline_proposal(ctx.uow, ctx.caller, assignment_id, ctx.now)
            message = "Declined: the proposed team will not be sent."
    except AssignmentRefused as e:
        return _alerts_page(request, ctx, 409, {"ok": False, "refused": e.details, "message": e.message})
    except DomainError as e:
        if isinstance(e, NotFound):
            raise
        return _alerts_page(request, ctx, status_for(e), {"ok": False, "error": e})
    return _alerts_page(request, ctx, result={"ok": True, "message": message})


@router.post("/alerts/{alert_id}/read")
def alert_read(ctx: Posted, alert_id: int) -> Response:
    alerting.mark_alert_read(ctx.uow, ctx.caller, alert_id, ctx.now)
    return see_other("/alerts")


@router.post("/alerts/audience/{detainee_id}/{request_id}")
def decide_audience(request: Request, ctx: Posted, detainee_id: int, request_id: int,
                    decision: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> Response:
    """The hokage grants or declines an audience from the AUDIENCE_REQUEST alert itself."""
    try:
        decide(ctx, detainee_id, request_id, decision, "", note)
    except DomainError as e:
        shown_in_place(e)
        return _alerts_page(request, ctx, status_for(e), {"ok": False, "error": e})
    return see_other(f"/alerts#audience-{request_id}")
