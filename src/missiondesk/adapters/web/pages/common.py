"""What every page shares: the signed-in user, the form token, rendering, words for codes and times."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from ....domain.access import Caller
from ....domain.errors import DomainError, Forbidden, Unauthenticated
from ....domain.fitness import Code
from ....domain.ranks import Role
from ....services import (
    auth,
    custody,
    reports,
)
from ..deps import Container, clock, container
from ..security import SESSION_COOKIE, csrf_for, csrf_ok

HERE = Path(__file__).parent.parent  # adapters/web
templates = Jinja2Templates(directory=str(HERE / "templates"))
STALE_AFTER = timedelta(days=30)

# Words a clerk understands, beside each code.
CODE_WORDS = {
    Code.RANK_TOO_LOW: "Rank too low for this mission",
    Code.NOT_AVAILABLE: "Not available (fallen, missing, detained or retired)",
    Code.ALREADY_ASSIGNED: "Already on another mission",
    Code.NOT_IN_VILLAGE: "Not in the village at departure",
    Code.CLEARANCE_INSUFFICIENT: "Not cleared for this mission",
    Code.MEDICAL_REST: "Ordered to rest by a medic",
    Code.MEDICAL_RESTRICTION: "On light duty",
    Code.FATIGUE_UNFIT: "Too tired to depart",
    Code.WELFARE_HOLD: "On a welfare hold",
    Code.TEAM_TOO_SMALL: "Team too small",
    Code.MISSION_NOT_OPEN: "Mission not open",
    Code.NOT_FIT: "Not fit to go (the reasons are not yours to read)",
    Code.REST_PERIOD: "Resting after a return through the gate",
    Code.DUTY_LIMIT: "No day off in the last week",
}
BADGE_WORDS = {"fallen": "Fallen", "on_mission": "On mission", "away": "Away", "resting": "Resting",
               "rest_period": "Rest period", "off_duty": "Off duty (no day off)", "on_hold": "On hold",
               "unfit": "Unfit", "caution": "Caution", "fit": "Fit", "unknown": "Unknown"}


class SignInRequired(Exception):
    def __init__(self, next_url: str):
        self.next_url = next_url


class PageContext:
    """The signed-in user of a page, their session token and the clock."""

    def __init__(self, caller: Caller, token: str, c: Container, now: datetime):
        self.caller, self.token, self.c, self.now = caller, token, c, now

    @property
    def uow(self):
        return self.c.uow


def page_user(request: Request, c: Annotated[Container, Depends(container)],
              now: Annotated[datetime, Depends(clock)]) -> PageContext:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired(str(request.url.path))
    try:
        caller = auth.authenticate(c.uow, token, now)
    except Unauthenticated:
        raise SignInRequired(str(request.url.path)) from None
    return PageContext(caller, token, c, now)


Page = Annotated[PageContext, Depends(page_user)]


def csrf_checked(request: Request, ctx: Page, csrf: Annotated[str, Form()] = "") -> PageContext:
    if not csrf_ok(ctx.token, csrf):
        raise Forbidden("the form's security token is missing or stale; reload the page and try again",
                        code="CSRF_FAILED")
    return ctx


Posted = Annotated[PageContext, Depends(csrf_checked)]


def render(request: Request, ctx: PageContext | None, name: str, http_status: int = 200, **values: Any
           ) -> HTMLResponse:
    now = ctx.now if ctx is not None else clock_of(request)
    tz = container(request).settings.village_tz
    common: dict[str, Any] = {"me": None, "csrf": "", "alert_count": 0, "now": now,
                              "clears": lambda d: clears_words(d, now, tz)}
    if ctx is not None:
        common.update(me=ctx.caller, csrf=csrf_for(ctx.token), now=ctx.now,
                      alert_count=len(reports.list_alerts(ctx.uow, ctx.caller, unread_only=True)),
                      is_hokage=Role.HOKAGE in ctx.caller.roles,
                      keeper=custody.is_custody_keeper_of(ctx.uow, ctx.caller))
    return templates.TemplateResponse(request, name, {**common, **values}, status_code=http_status)


NO_RECORD_SAYS = {Code.WELFARE_HOLD: "after a welfare review", Code.MEDICAL_REST: "when a medic lifts it",
                  Code.MEDICAL_RESTRICTION: "when a medic lifts it", Code.NOT_FIT: "",
                  Code.DUTY_LIMIT: "after 30 hours in a row inside the village"}


def clears_words(detail: dict, now: datetime, tz) -> str:
    """When a reason clears, in the village's words: "clears 13:00 today", "clears 09:00 tomorrow",
    "clears 2026-03-20 09:00", or what lifts it when no record says ("after a welfare review")."""
    value = detail.get("clears_at")
    if value is None:
        return NO_RECORD_SAYS.get(Code(detail["code"]) if detail["code"] in Code.__members__ else None, "")
    t = (datetime.fromisoformat(value) if isinstance(value, str) else value).astimezone(tz)
    days = (t.date() - now.astimezone(tz).date()).days
    when = {0: "today", 1: "tomorrow"}.get(days)
    return f"clears {t:%H:%M} {when}" if when else f"clears {t:%Y-%m-%d %H:%M}"


def clock_of(request: Request) -> datetime:
    return clock(container(request))


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def parse_local(value: str, ctx: PageContext) -> datetime:
    """A datetime-local field (no offset) is read in the village's time zone."""
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise DomainError(f"not a date and time: {value!r}", code="VALIDATION_ERROR") from None
    return t.replace(tzinfo=ctx.c.settings.village_tz) if t.tzinfo is None else t
