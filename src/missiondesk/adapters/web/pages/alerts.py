"""Alerts, their acknowledgement, and the answers to a proposed team; the live badge's event stream."""
from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from ....domain.access import Caller
from ....domain.errors import AssignmentRefused, DomainError, NotFound, Unauthenticated
from ....domain.fitness import OVERRIDABLE
from ....services import alerts as alerting
from ....services import alerts_page as alerts_screen
from ....services import (
    assignments,
    auth,
)
from ....services.paging import Window
from ..deps import Container, clock, container
from ..errors import status_for
from ..schemas import MAX_ID
from ..security import SESSION_COOKIE
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
def alerts_page(request: Request, ctx: Page, after: int | None = None) -> HTMLResponse:
    return _alerts_page(request, ctx, after=after)


@router.get("/alerts/list")
def alerts_list(request: Request, ctx: Page) -> HTMLResponse:
    """The list alone (its first page), for the page's live refresh (static/live.js) when a new alert
    arrives."""
    return render(request, ctx, "_alert_list.html", **_alert_values(ctx, None))


def _alerts_page(request: Request, ctx: PageContext, http_status: int = 200, result: dict | None = None,
                 after: int | None = None) -> HTMLResponse:
    return render(request, ctx, "alerts.html", http_status=http_status, result=result,
                  **_alert_values(ctx, after))


def _alert_values(ctx: PageContext, after: int | None) -> dict[str, Any]:
    after = after if after is not None and 0 <= after <= MAX_ID else None  # a cursor from elsewhere: start over
    page = alerts_screen.alerts_page(ctx.uow, ctx.caller, Window(after=after, limit=alerting.ALERTS_PAGE))
    view = page.alerts
    alerts = view.waiting + view.others.items  # what must be acknowledged first, the newest first within each
    return {"alerts": alerts, "audiences": page.audiences, "decisions": DECISIONS, "tz": ctx.c.settings.village_tz,
            "names": page.names,
            "code_words": CODE_WORDS, "overridable": {c.value for c in OVERRIDABLE},
            "newest_id": view.newest_id, "awaiting_ack": len(view.waiting),
            "next_url": f"/alerts?after={view.others.next_after}" if view.others.next_after else None,
            "first_url": "/alerts" if after is not None else None}


@router.post("/alerts/{alert_id}/ack")
def alert_acknowledge(ctx: Posted, alert_id: int) -> Response:
    """Seen: on a duty-of-care ladder the climb stops, for every copy. Another's alert is a 404, as on the API."""
    alerting.acknowledge_alert(ctx.uow, ctx.caller, alert_id, ctx.now)
    return see_other(f"/alerts#alert-{alert_id}")


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


# -- the live badge: server-sent events ------------------------------------------------------------------------
CHECK_EVERY = 1.0  # seconds between two reads of the summary
PING_EVERY = 15.0  # a comment line when nothing changed this long (keeps proxies from closing the stream)
STREAM_FOR = 300.0  # then the stream ends and the browser's EventSource opens it again
RETRY_MS = 2000  # how long the browser waits before it opens the stream again


@router.get("/events/alerts")
async def alert_events(request: Request) -> Response:
    """The signed-in page's alert summary as `text/event-stream`: one event at once, then one whenever it changes
    (read every CHECK_EVERY s), a ping every PING_EVERY s; it ends when the browser leaves, the session ends, the
    server stops, or after STREAM_FOR s. Without a session: 401 (an EventSource does not retry it)."""
    c = container(request)
    token = request.cookies.get(SESSION_COOKIE) or ""
    try:
        caller = await anyio.to_thread.run_sync(_session_caller, c, token)
    except Unauthenticated:
        return Response("sign in first", status_code=401, media_type="text/plain")
    return StreamingResponse(_summaries(request, c, token, caller), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _session_caller(c: Container, token: str) -> Caller:
    """The page's session, read as every page reads it (common.page_user)."""
    if not token:
        raise Unauthenticated("sign in first")
    return auth.authenticate(c.uow, token, clock(c))


async def _summaries(request: Request, c: Container, token: str, caller: Caller) -> AsyncIterator[str]:
    started = last_sent = time.monotonic()
    last = None
    yield f"retry: {RETRY_MS}\n\n"
    while True:
        summary = await anyio.to_thread.run_sync(alerting.alert_summary, c.uow, caller)
        now = time.monotonic()
        if summary != last:
            last, last_sent = summary, now
            yield "data: " + json.dumps({"unread": summary.unread, "awaiting_ack": summary.awaiting_ack,
                                         "newest_id": summary.newest_id}) + "\n\n"
        elif now - last_sent >= PING_EVERY:
            try:  # a signed-out or expired session ends the stream; the browser's retry is then refused
                await anyio.to_thread.run_sync(_session_caller, c, token)
            except Unauthenticated:
                return
            last_sent = now
            yield ": ping\n\n"
        if now - started >= STREAM_FOR or await request.is_disconnected():
            return
        await anyio.sleep(CHECK_EVERY)
