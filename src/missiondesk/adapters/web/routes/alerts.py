"""Alerts: read, acknowledged, and how each person is reached; the medics' duty roster; welfare reviews."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ....services import alerts
from ..alert_schemas import (
    AlertRead,
    MedicShiftCreate,
    MedicShiftRead,
    PreferencesIn,
    PreferencesRead,
    ReviewDone,
    WebhookCreate,
    WebhookCreated,
    WelfareReviewRead,
)
from ..deps import CurrentCaller, Deps, Now
from .common import DEFAULT_PAGE, After, Limit, PathId, link_next, window

router = APIRouter(tags=["alerts"])


@router.get("/alerts", response_model=list[AlertRead])
def list_alerts(caller: CurrentCaller, c: Deps, request: Request, response: Response, unread: bool = False,
                limit: Limit = DEFAULT_PAGE, after: After = None) -> list[AlertRead]:
    """The caller's alerts, newest first, `limit` at a time; the next (older) page's URL in the `Link`
    header."""
    page = alerts.list_alerts_page(c.uow, caller, window(after, limit), unread_only=unread)
    link_next(request, response, page.next_after)
    return [AlertRead.of(v) for v in page.items]


@router.post("/alerts/{alert_id}/read", status_code=204)
def mark_read(alert_id: PathId, caller: CurrentCaller, c: Deps, now: Now) -> Response:
    alerts.mark_alert_read(c.uow, caller, alert_id, now)
    return Response(status_code=204)


@router.post("/alerts/{alert_id}/ack", response_model=AlertRead)
def acknowledge(alert_id: PathId, caller: CurrentCaller, c: Deps, now: Now) -> AlertRead:
    """Seen: a duty-of-care ladder stops climbing, for every copy on it. Only the alert's own reader."""
    return AlertRead.of(alerts.acknowledge_alert(c.uow, caller, alert_id, now))


@router.get("/alert-preferences", response_model=PreferencesRead)
def my_preferences(caller: CurrentCaller, c: Deps) -> PreferencesRead:
    return PreferencesRead.of(alerts.my_contact(c.uow, caller))


@router.put("/alert-preferences", response_model=PreferencesRead)
def set_preferences(body: PreferencesIn, caller: CurrentCaller, c: Deps, now: Now) -> PreferencesRead:
    quiet = body.quiet_hours
    return PreferencesRead.of(alerts.set_preferences(
        c.uow, caller, tuple(body.channels), body.email, quiet.start if quiet else None, quiet.end if quiet else None,
        now))


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
def add_webhook(body: WebhookCreate, caller: CurrentCaller, c: Deps, now: Now) -> WebhookCreated:
    return WebhookCreated.of(alerts.add_webhook(c.uow, caller, body.url, now))


@router.delete("/webhooks/{webhook_id}", status_code=204)
def remove_webhook(webhook_id: PathId, caller: CurrentCaller, c: Deps, now: Now) -> Response:
    alerts.remove_webhook(c.uow, caller, webhook_id, now)
    return Response(status_code=204)


@router.get("/medic-duty", response_model=list[MedicShiftRead])
def medic_duty(caller: CurrentCaller, c: Deps, now: Now) -> list[MedicShiftRead]:
    return [MedicShiftRead.of(s) for s in alerts.list_medic_duty(c.uow, caller, now)]


@router.post("/medic-duty", status_code=201, response_model=MedicShiftRead)
def add_shift(body: MedicShiftCreate, caller: CurrentCaller, c: Deps, now: Now) -> MedicShiftRead:
    return MedicShiftRead.of(alerts.add_medic_shift(c.uow, caller, body.shinobi_id, body.starts_at, body.ends_at, now))


@router.delete("/medic-duty/{shift_id}", status_code=204)
def remove_shift(shift_id: PathId, caller: CurrentCaller, c: Deps, now: Now) -> Response:
    alerts.remove_medic_shift(c.uow, caller, shift_id, now)
    return Response(status_code=204)


@router.get("/welfare-reviews", response_model=list[WelfareReviewRead])
def overdue_reviews(caller: CurrentCaller, c: Deps, now: Now) -> list[WelfareReviewRead]:
    """Welfare reviews due and not done (the desk's list), for medics, clerks and the hokage."""
    return [WelfareReviewRead.of(v) for v in alerts.overdue_reviews(c.uow, caller, now)]


@router.post("/welfare-reviews/{review_id}/done", response_model=WelfareReviewRead)
def complete_review(review_id: PathId, body: ReviewDone, caller: CurrentCaller, c: Deps,
                    now: Now) -> WelfareReviewRead:
    return WelfareReviewRead.of(alerts.complete_review(c.uow, caller, review_id, body.note, now))
