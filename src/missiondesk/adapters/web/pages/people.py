"""The roster and a shinobi: fitness now, the 48-hour chart, the records, sleep."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ....domain.errors import DomainError
from ....services import (
    assignments,
    medical,
    roster_view,
    shinobi_view,
)
from ....services.paging import Window
from .. import charts
from ..errors import status_for
from ..schemas import MAX_ID
from .common import (
    BADGE_WORDS,
    CODE_WORDS,
    Page,
    PageContext,
    Posted,
    parse_local,
    render,
    see_other,
    shown_in_place,
)

router = APIRouter(include_in_schema=False)


# -- the roster and a shinobi ---------------------------------------------------------------------------
@router.get("/roster")
def roster_page(request: Request, ctx: Page, badge: str = "", q: str = "", after: int | None = None
                ) -> HTMLResponse:
    after = after if after is not None and 0 <= after <= MAX_ID else None  # a cursor from elsewhere: start over
    view = roster_view.roster_view(ctx.uow, ctx.caller, at=ctx.now, policy=ctx.c.policy, badge=badge, name=q,
                                   window=Window(after=after, limit=roster_view.ROSTER_PAGE))
    filters = {k: v for k, v in (("badge", badge), ("q", q)) if v}
    next_url = f"/roster?{urlencode({**filters, 'after': view.rows.next_after})}" if view.rows.next_after else None
    first_url = f"/roster?{urlencode(filters)}" if after is not None else None
    return render(request, ctx, "roster.html", view=view, rows=view.rows.items, badge=badge, q=q,
                  counts=view.counts, badges=BADGE_WORDS, next_url=next_url, first_url=first_url)


@router.get("/shinobi/{shinobi_id}")
def shinobi_page(request: Request, ctx: Page, shinobi_id: int) -> HTMLResponse:
    return _shinobi_page(request, ctx, shinobi_id)


def _shinobi_page(request: Request, ctx: PageContext, shinobi_id: int, http_status: int = 200,
                  error: str | None = None, failed: str | None = None, form: Mapping[str, Any] | None = None,
                  ) -> HTMLResponse:
    """The shinobi's page; after a refused or invalid form, `failed` names the form, `error` says why (shown in
    place) and `form` holds what was typed."""
    view = shinobi_view.shinobi_page(ctx.uow, ctx.caller, shinobi_id, ctx.now, ctx.c.policy)
    s, names, series, now_verdict = view.shinobi, view.names, view.forecast, view.duty
    chart = None
    if series is not None and now_verdict is not None:
        chart = charts.fatigue_chart(series.series, ctx.c.policy.fatigue, estimated=series.estimated, now=ctx.now,
                                     bands=charts.duty_bands(view.medical.rest_orders if view.medical else (),
                                                             [assignments.reason_detail(r)
                                                              for r in now_verdict.reasons], ctx.now),
                                     tz=ctx.c.settings.village_tz)
    reasons = ([assignments.reason_detail(r) for r in now_verdict.reasons] if now_verdict is not None else None)
    tz = ctx.c.settings.village_tz
    return render(request, ctx, "shinobi.html", http_status=http_status, s=s, names=names, view=view,
                  record=view.medical, sleep=view.sleep, chart=chart, forecast=series, duty_now=reasons,
                  code_words=CODE_WORDS, may=view.may, may_log_sleep="logSleep" in view.may, error=error,
                  failed=failed if error else None, form=form or {},
                  local=lambda t: t.astimezone(tz).strftime("%Y-%m-%d %H:%M") if t else "",
                  now_local=ctx.now.astimezone(tz).strftime("%Y-%m-%dT%H:%M"))


@router.post("/shinobi/{shinobi_id}/sleep")
def add_sleep(request: Request, ctx: Posted, shinobi_id: int, start: Annotated[str, Form()] = "",
              end: Annotated[str, Form()] = "") -> Response:
    try:
        medical.log_sleep(ctx.uow, ctx.caller, shinobi_id, parse_local(start, ctx), parse_local(end, ctx), ctx.now,
                          policy=ctx.c.policy)
    except DomainError as e:
        shown_in_place(e)
        return _shinobi_page(request, ctx, shinobi_id, http_status=status_for(e), error=f"{e.message} ({e.code})",
                             failed="sleep", form={"start": start, "end": end})
    return see_other(f"/shinobi/{shinobi_id}#sleep")
