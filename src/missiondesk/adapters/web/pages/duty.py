"""The medics on call: the duty roster a duty-of-care ladder climbs to, and the welfare reviews overdue."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ....domain.errors import DomainError, Invalid
from ....services import alerts as alerting
from ..errors import status_for
from .common import Page, PageContext, Posted, parse_local, render, see_other, shown_in_place

router = APIRouter(include_in_schema=False)

SHIFT = timedelta(hours=12)  # the add form's first guess at a shift's length


def _local_field(ctx: PageContext, at) -> str:
    return at.astimezone(ctx.c.settings.village_tz).strftime("%Y-%m-%dT%H:%M")


def _duty_page(request: Request, ctx: PageContext, http_status: int = 200, *, error: DomainError | None = None,
               where: str = "", typed: dict | None = None, review_id: int | None = None) -> HTMLResponse:
    view = alerting.medic_duty_view(ctx.uow, ctx.caller, ctx.now)
    start = ctx.now.replace(second=0, microsecond=0)
    form = typed or {"shinobi_id": str(ctx.caller.shinobi_id), "starts_at": _local_field(ctx, start),
                     "ends_at": _local_field(ctx, start + SHIFT)}
    return render(request, ctx, "medic_duty.html", http_status=http_status, duty=view, error=error, where=where,
                  form=form, review_id=review_id, tz=ctx.c.settings.village_tz)


@router.get("/medic-duty")
def duty_page(request: Request, ctx: Page) -> HTMLResponse:
    return _duty_page(request, ctx)


@router.post("/medic-duty")
def duty_add(request: Request, ctx: Posted, shinobi_id: Annotated[str, Form()] = "",
             starts_at: Annotated[str, Form()] = "", ends_at: Annotated[str, Form()] = "") -> Response:
    """Put a medic on call (a clerk or the hokage: any medic; a medic: themself); refused in place."""
    typed = {"shinobi_id": shinobi_id, "starts_at": starts_at, "ends_at": ends_at}
    try:
        if not shinobi_id.strip().isdigit():
            raise Invalid("choose the medic to put on call", code="VALIDATION_ERROR")
        shift = alerting.add_medic_shift(ctx.uow, ctx.caller, int(shinobi_id), parse_local(starts_at, ctx),
                                         parse_local(ends_at, ctx), ctx.now)
    except DomainError as e:
        shown_in_place(e)
        return _duty_page(request, ctx, status_for(e), error=e, where="add", typed=typed)
    return see_other(f"/medic-duty#shift-{shift.id}")


@router.post("/medic-duty/{shift_id}/remove")
def duty_remove(ctx: Posted, shift_id: int) -> Response:
    alerting.remove_medic_shift(ctx.uow, ctx.caller, shift_id, ctx.now)  # not theirs to keep: the 403 page
    return see_other("/medic-duty")


@router.post("/medic-duty/reviews/{review_id}")
def duty_review(request: Request, ctx: Posted, review_id: int, note: Annotated[str, Form()] = "") -> Response:
    """A medic records a welfare review from the list of those overdue."""
    try:
        alerting.complete_review(ctx.uow, ctx.caller, review_id, note, ctx.now)
    except DomainError as e:
        shown_in_place(e)
        return _duty_page(request, ctx, status_for(e), error=e, where="review", review_id=review_id)
    return see_other("/medic-duty#reviews")
