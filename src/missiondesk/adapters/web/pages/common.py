"""What every page shares: the signed-in user, the form token, rendering, words for codes and times."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from ....domain.errors import DomainError, Forbidden, Invalid, NotFound, Unauthenticated
from ....domain.fitness import Code
from ....domain.ranks import Role
from ....services.page_frame import PageFrame, frame_again, page_frame
from ..deps import Container, clock, container
from ..security import SESSION_COOKIE, csrf_for, csrf_ok

HERE = Path(__file__).parent.parent  # adapters/web
templates = Jinja2Templates(directory=str(HERE / "templates"))
STALE_AFTER = timedelta(days=30)


def local_time(value: datetime | str | None, tz: tzinfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in the village's zone, the zone named: "2026-03-14 06:20 JST" (its abbreviation, or its key
    where it has none: "2026-03-14 06:20 Asia/Kolkata"); a naive time is taken as UTC; None is a dash."""
    if value is None or value == "":
        return "—"
    t = datetime.fromisoformat(value) if isinstance(value, str) else value
    t = (t if t.tzinfo is not None else t.replace(tzinfo=UTC)).astimezone(tz)
    abbrev = t.tzname() or ""
    zone = abbrev if abbrev.isalpha() else str(getattr(tz, "key", abbrev))
    return f"{t.strftime(fmt)} {zone}"


@pass_context
def _local(context, value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """The `|local` filter: `{{ m.posted_at|local }}`, `{{ t|local("%H:%M") }}`, in the request's village zone."""
    return local_time(value, container(context["request"]).settings.village_tz, fmt)


templates.env.filters["local"] = _local

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
    """The signed-in user of a page, their session token, the clock, and the page's frame (the alert badge, the
    custody menu) as read with the sign-in."""

    def __init__(self, frame: PageFrame, token: str, c: Container, now: datetime):
        self.frame, self.caller, self.token, self.c, self.now = frame, frame.caller, token, c, now

    @property
    def uow(self):
        return self.c.uow


def page_user(request: Request, c: Annotated[Container, Depends(container)],
              now: Annotated[datetime, Depends(clock)]) -> PageContext:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired(str(request.url.path))
    try:
        frame = page_frame(c.uow, token, now)
    except Unauthenticated:
        raise SignInRequired(str(request.url.path)) from None
    return PageContext(frame, token, c, now)


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
        # the frame read with the sign-in; read again only when the request may have changed it (a form posted)
        frame = ctx.frame if request.method in ("GET", "HEAD") else frame_again(ctx.uow, ctx.caller)
        common.update(me=ctx.caller, csrf=csrf_for(ctx.token), now=ctx.now,
                      alert_count=frame.alerts.unread, alert_awaiting=frame.alerts.awaiting_ack,
                      is_hokage=Role.HOKAGE in ctx.caller.roles, keeper=frame.keeper)
    return templates.TemplateResponse(request, name, {**common, **values}, status_code=http_status)


NO_RECORD_SAYS = {Code.WELFARE_HOLD: "after a welfare review", Code.MEDICAL_REST: "when a medic lifts it",
                  Code.MEDICAL_RESTRICTION: "when a medic lifts it", Code.NOT_FIT: "",
                  Code.DUTY_LIMIT: "after 30 hours in a row inside the village"}


def clears_words(detail: dict, now: datetime, tz) -> str:
    """When a reason clears, in the village's words: "clears 13:00 today", "clears 09:00 tomorrow",
    "clears 2026-03-20 09:00", or what lifts it when no record says ("after a welfare review")."""
    value = detail.get("clears_at")
    if value is None:
        return NO_RECORD_SAYS.get(Code(detail["code"]), "") if detail["code"] in Code.__members__ else ""
    t = (datetime.fromisoformat(value) if isinstance(value, str) else value).astimezone(tz)
    days = (t.date() - now.astimezone(tz).date()).days
    when = {0: "today", 1: "tomorrow"}.get(days)
    return f"clears {t:%H:%M} {when}" if when else f"clears {t:%Y-%m-%d %H:%M}"


# -- how every page answers a failure ---------------------------------------------------------------------
TITLES = {400: "Check the request", 401: "Sign in", 403: "Not allowed", 404: "Not found", 405: "Not allowed here",
          409: "Refused", 410: "Gone", 413: "Too large", 422: "Check the form", 429: "Too many attempts",
          500: "Something went wrong"}


def is_htmx(request: Request) -> bool:
    """A request htmx sent for a part of a page (not a boosted whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def wants_page(request: Request) -> bool:
    """A browser asking for a page (or a part of one), not the API: answered in HTML."""
    if request.url.path.startswith("/api/"):
        return False
    return is_htmx(request) or "text/html" in request.headers.get("accept", "")


def sign_in_response(request: Request, next_url: str) -> Response:
    """Off to the sign-in page with the whole window: htmx follows a redirect inside the part it asked for, so
    it is told `HX-Redirect` (back to the page it was on), and a page load gets a 303."""
    if is_htmx(request):
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = (current.path + (f"?{current.query}" if current.query else "")) if current.path else next_url
        return Response(status_code=401, headers={"HX-Redirect": f"/login?next={quote(back)}"})
    return see_other(f"/login?next={quote(next_url)}")


def error_response(request: Request, status: int, code: str, message: str,
                   details: Sequence[Any] = ()) -> Response:
    """A failed request from a page. A whole page gets the error page; an htmx request gets the error box in
    place: into its target (its content replaced), or at the top of the form when the form is its own target
    (htmx swaps 4xx responses: the `responseHandling` of base.html). A 401 signs in again."""
    if status == 401:
        return sign_in_response(request, request.url.path)
    title = TITLES.get(status, "Error")
    if is_htmx(request):
        target, trigger = request.headers.get("HX-Target"), request.headers.get("HX-Trigger")
        headers = {"HX-Reswap": "innerHTML", "HX-Reselect": "unset"}
        if not target or target == trigger:
            headers.update({"HX-Retarget": "this", "HX-Reswap": "afterbegin"})
        response = render(request, None, "_error_box.html", http_status=status, title=title, code=code,
                          message=message, fields=_field_errors(details))
        response.headers.update(headers)
        return response
    return render(request, None, "error.html", http_status=status, title=title,
                  error={"code": code, "message": message}, fields=_field_errors(details))


def _field_errors(details: Sequence[Any]) -> list[str]:
    """A validation error's fields, in words: "departs_at: Field required"."""
    out = []
    for d in details:
        if isinstance(d, dict) and "loc" in d and d.get("message"):
            where = ".".join(str(p) for p in d["loc"][1:]) or "request"
            out.append(f"{where}: {d['message']}")
    return out


def clock_of(request: Request) -> datetime:
    return clock(container(request))


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def shown_in_place(e: DomainError) -> DomainError:
    """A form's refusal is shown beside the form; NotFound and Forbidden are not: they re-raise, and the app
    answers its own 404 or 403 page (what the caller may not see is not described in place)."""
    if isinstance(e, NotFound | Forbidden):
        raise e
    return e


def parse_local(value: str, ctx: PageContext) -> datetime:
    """A datetime-local field (no offset) is read in the village's time zone."""
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"not a date and time: {value!r}", code="VALIDATION_ERROR") from None
    return t.replace(tzinfo=ctx.c.settings.village_tz) if t.tzinfo is None else t
