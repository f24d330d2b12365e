"""The web page: server-rendered with Jinja2 (htmx for the team form), over the same services."""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ...domain import timing
from ...domain.access import Caller
from ...domain.errors import AssignmentRefused, DomainError, Forbidden, Gone, LockedOut, NotFound, Unauthenticated
from ...domain.fitness import OVERRIDABLE, Code
from ...domain.gate import Direction
from ...domain.ranks import REWARD_BANDS, MissionStatus, Role
from ...domain.risk import PRIOR as RISK_PRIOR
from ...domain.risk import RiskModel, sigmoid
from ...services import (
    assignments,
    audit,
    auth,
    authz,
    briefs,
    custody,
    fitness,
    gate,
    medical,
    missions,
    reports,
    risk,
    roster,
)
from ..audit_checkpoints import checkpointing
from . import charts
from .deps import Container, clock, container
from .errors import status_for
from .security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, csrf_for, csrf_ok, new_login_csrf, set_cookie

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)
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


# -- signing in and out -------------------------------------------------------------------------------
@router.get("/login")
def login_form(request: Request, next: str = "/board") -> HTMLResponse:  # noqa: A002 - the query's name
    token = new_login_csrf()
    response = render(request, None, "login.html", next=_safe_next(next), login_csrf=token, error=None)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


def _safe_next(url: str) -> str:
    return url if url.startswith("/") and not url.startswith("//") else "/board"


@router.post("/login")
def login(request: Request, c: Annotated[Container, Depends(container)], now: Annotated[datetime, Depends(clock)],
          username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/board") -> Response:  # noqa: A002
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not csrf or expected != csrf:
        return render(request, None, "login.html", http_status=403, next=_safe_next(next), login_csrf=expected or "",
                      error="The sign-in form expired. Please try again.")
    try:
        issued = auth.login(c.uow, username=username, password=password, now=now, ttl=c.settings.token_ttl,
                            source=request.client.host if request.client else None)
    except (Unauthenticated, LockedOut) as e:
        status = 429 if isinstance(e, LockedOut) else 401
        return render(request, None, "login.html", http_status=status, next=_safe_next(next), login_csrf=expected,
                      error=e.message)
    response = see_other(_safe_next(next))
    set_cookie(request, response, SESSION_COOKIE, issued.access_token,
               max_age=int(c.settings.token_ttl.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, ctx: Posted) -> Response:
    auth.logout(ctx.uow, ctx.caller, ctx.token, ctx.now)
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- the board ----------------------------------------------------------------------------------------
@router.get("/")
def home() -> Response:
    return see_other("/board")


SORTS = {"rank": lambda m: ("SABCD".index(m.rank.value), m.posted_at),
         "age": lambda m: m.posted_at, "reward": lambda m: -m.reward_ryo, "title": lambda m: m.title.lower()}


@router.get("/board")
def board(request: Request, ctx: Page, rank: str = "", status: str = "", sort: str = "rank") -> HTMLResponse:
    views = missions.list_missions(ctx.uow, ctx.caller)
    rows = []
    for v in views:
        m = v.mission
        if rank and m.rank.value != rank or status and m.status.value != status:
            continue
        age = ctx.now - m.posted_at
        rows.append({"m": m, "team": v.assignment, "age_days": max(0, age.days),
                     "stale": m.status is MissionStatus.OPEN and age > STALE_AFTER,
                     "can": _mission_actions(ctx, m)})
    rows.sort(key=lambda r: SORTS.get(sort, SORTS["rank"])(r["m"]))
    return render(request, ctx, "board.html", rows=rows, rank=rank, status=status, sort=sort,
                  statuses=[s.value for s in MissionStatus])


def _mission_actions(ctx: PageContext, m) -> list[str]:
    can = []
    res = authz.mission_resource(m.id, m.classification)
    if m.status is MissionStatus.OPEN:
        can.append("send a team" if authz.decide(ctx.caller, "assignTeam", res, {"in_team": True}).allowed else "")
    if m.status is MissionStatus.PENDING_AUTHORIZATION and authz.decide(ctx.caller, "authorizeMission", res).allowed:
        can.append("authorise")
    if m.status is MissionStatus.ASSIGNED and authz.decide(ctx.caller, "reportMission", res, {"in_team": True}).allowed:
        can.append("report")
    return [c for c in can if c]


# -- a mission ----------------------------------------------------------------------------------------
def _mission_page(request: Request, ctx: PageContext, mission_id: int, http_status: int = 200,
                  **extra: Any) -> HTMLResponse:
    v = missions.get_mission(ctx.uow, ctx.caller, mission_id)
    m = v.mission
    people = [s for s in roster.list_shinobi(ctx.uow, ctx.caller) if s.status.value in ("active", "on_mission")]
    res = authz.mission_resource(m.id, m.classification)
    low, high = REWARD_BANDS[m.rank]
    default_departure = (ctx.now + timedelta(hours=1)).astimezone(ctx.c.settings.village_tz)
    return render(request, ctx, "mission.html", http_status=http_status, m=m, team=v.assignment, people=people,
                  names={s.id: s.name for s in roster.list_shinobi(ctx.uow, ctx.caller)},
                  age_days=max(0, (ctx.now - m.posted_at).days),
                  stale=m.status is MissionStatus.OPEN and ctx.now - m.posted_at > STALE_AFTER,
                  band=(low, high), may_brief=authz.decide(ctx.caller, "readBrief",
                                                           authz.brief_resource(m.id, m.classification, False)).allowed,
                  may_authorize=authz.decide(ctx.caller, "authorizeMission", res).allowed,
                  may_override=authz.decide(ctx.caller, "override", authz.VILLAGE).allowed,
                  departure=default_departure.strftime("%Y-%m-%dT%H:%M"), office=assignments.is_office(ctx.caller),
                  proposals=assignments.my_proposals(ctx.uow, ctx.caller, m.id)
                  if m.status is MissionStatus.OPEN else [],
                  earliest=(ctx.now - timing.PAST_DEPARTURE_GRACE).astimezone(ctx.c.settings.village_tz)
                  .strftime("%Y-%m-%dT%H:%M"),
                  suggested=v.suggested_reward, recommendation=_recommendation(ctx, m, default_departure),
                  code_words=CODE_WORDS, overridable={c.value for c in OVERRIDABLE}, **extra)


def _recommendation(ctx: PageContext, m, departs_at: datetime):
    if m.status is not MissionStatus.OPEN or not authz.decide(
            ctx.caller, "recommendTeam", authz.mission_resource(m.id, m.classification)).allowed:
        return None
    return risk.recommend(ctx.uow, ctx.caller, m.id, departs_at=departs_at, policy=ctx.c.policy)


@router.get("/missions/{mission_id}")
def mission_page(request: Request, ctx: Page, mission_id: int) -> HTMLResponse:
    return _mission_page(request, ctx, mission_id)


@router.post("/missions/{mission_id}/team")
def send_team(request: Request, ctx: Posted, mission_id: int,
              shinobi_ids: Annotated[list[int], Form()] = None, departs_at: Annotated[str, Form()] = "",
              justification: Annotated[str, Form()] = "") -> HTMLResponse:
    chosen = list(shinobi_ids or [])
    cmd = assignments.AssignTeam(shinobi_ids=tuple(chosen),
                                 departs_at=parse_local(departs_at, ctx) if departs_at else None,
                                 override_justification=justification if justification.strip() else None)
    partial = request.headers.get("HX-Request") == "true"
    try:
        a = assignments.assign_team(ctx.uow, ctx.caller, mission_id, cmd, ctx.now, ctx.c.policy)
        result = {"ok": True, "assignment": a}
    except AssignmentRefused as e:
        result = {"ok": False, "refused": e.details, "message": e.message}
    except DomainError as e:
        if isinstance(e, NotFound):
            raise
        result = {"ok": False, "error": e}
    names = {s.id: s.name for s in roster.list_shinobi(ctx.uow, ctx.caller)}
    if partial:
        return render(request, ctx, "_team_result.html", result=result, names=names, code_words=CODE_WORDS,
                      overridable={c.value for c in OVERRIDABLE}, m_id=mission_id)
    return _mission_page(request, ctx, mission_id, http_status=200 if result["ok"] else 409, result=result,
                         chosen=chosen)


@router.post("/missions/{mission_id}/authorize")
def authorize(request: Request, ctx: Posted, mission_id: int) -> Response:
    missions.authorize_mission(ctx.uow, ctx.caller, mission_id, ctx.now)
    return see_other(f"/missions/{mission_id}")


@router.post("/missions/{mission_id}/brief")
def read_brief(request: Request, ctx: Posted, mission_id: int) -> HTMLResponse:
    """Reading is a POST: it leaves a mark (the audit entry), and a link prefetch must not read it."""
    try:
        brief = briefs.read_brief(ctx.uow, ctx.caller, mission_id, ctx.now)
        return _mission_page(request, ctx, mission_id, brief=brief)
    except Gone as e:
        return _mission_page(request, ctx, mission_id, http_status=410, brief_gone=e.details[0] if e.details else {})
    except NotFound as e:
        if e.details and e.details[0].get("kind") == "brief":
            return _mission_page(request, ctx, mission_id, http_status=404, brief_missing=True)
        raise


# -- the roster and a shinobi ---------------------------------------------------------------------------
@router.get("/roster")
def roster_page(request: Request, ctx: Page, badge: str = "", q: str = "") -> HTMLResponse:
    duty = fitness.roster_duty(ctx.uow, ctx.caller, at=ctx.now, policy=ctx.c.policy)
    counts: dict[str, int] = {}
    for d in duty:
        counts[d.badge] = counts.get(d.badge, 0) + 1
    rows = [d for d in duty if (not badge or d.badge == badge) and (not q or q.lower() in d.shinobi.name.lower())]
    return render(request, ctx, "roster.html", rows=rows, badge=badge, q=q, counts=counts, badges=BADGE_WORDS)


@router.get("/shinobi/{shinobi_id}")
def shinobi_page(request: Request, ctx: Page, shinobi_id: int) -> HTMLResponse:
    return _shinobi_page(request, ctx, shinobi_id)


def _shinobi_page(request: Request, ctx: PageContext, shinobi_id: int, http_status: int = 200,
                  error: str | None = None) -> HTMLResponse:
    s = roster.get_shinobi(ctx.uow, ctx.caller, shinobi_id)
    names = {p.id: p.name for p in roster.list_shinobi(ctx.uow, ctx.caller)}
    me = authz.shinobi_resource(shinobi_id)
    record = sleep = chart = series = now_verdict = None
    if authz.decide(ctx.caller, "readMedical", me).allowed:
        record = medical.medical_record(ctx.uow, ctx.caller, shinobi_id)
    if authz.decide(ctx.caller, "readSleep", me).allowed:
        sleep = medical.list_sleep(ctx.uow, ctx.caller, shinobi_id)[-14:]
    if authz.decide(ctx.caller, "checkFitness", me).allowed:
        series = fitness.forecast(ctx.uow, ctx.caller, shinobi_id, start=ctx.now, hours=48, step_minutes=30,
                                  policy=ctx.c.policy)
        chart = charts.fatigue_chart(series.series, ctx.c.policy.fatigue, estimated=series.estimated)
        now_verdict = fitness.check_fitness(ctx.uow, ctx.caller, shinobi_id, mission_id=None, at=ctx.now,
                                            policy=ctx.c.policy)
    reasons = ([assignments.reason_detail(r) for r in now_verdict.reasons] if now_verdict is not None else None)
    return render(request, ctx, "shinobi.html", http_status=http_status, s=s, names=names, record=record, sleep=sleep,
                  chart=chart, forecast=series, duty_now=reasons, code_words=CODE_WORDS,
                  may_log_sleep=authz.decide(ctx.caller, "logSleep", me).allowed, error=error)


@router.post("/shinobi/{shinobi_id}/sleep")
def add_sleep(request: Request, ctx: Posted, shinobi_id: int, start: Annotated[str, Form()] = "",
              end: Annotated[str, Form()] = "") -> Response:
    try:
        medical.log_sleep(ctx.uow, ctx.caller, shinobi_id, parse_local(start, ctx), parse_local(end, ctx), ctx.now,
                          policy=ctx.c.policy)
    except DomainError as e:
        if isinstance(e, NotFound | Forbidden):
            raise
        return _shinobi_page(request, ctx, shinobi_id, http_status=status_for(e), error=f"{e.message} ({e.code})")
    return see_other(f"/shinobi/{shinobi_id}#sleep")


# -- alerts, the gate, the memorial, the audit log, the desk -----------------------------------------------
@router.get("/alerts")
def alerts_page(request: Request, ctx: Page) -> HTMLResponse:
    return _alerts_page(request, ctx)


def _alerts_page(request: Request, ctx: PageContext, http_status: int = 200, result: dict | None = None
                 ) -> HTMLResponse:
    return render(request, ctx, "alerts.html", http_status=http_status, result=result,
                  alerts=reports.list_alerts(ctx.uow, ctx.caller),
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
    reports.mark_alert_read(ctx.uow, ctx.caller, alert_id, ctx.now)
    return see_other("/alerts")


@router.get("/gate")
def gate_page(request: Request, ctx: Page) -> HTMLResponse:
    return _gate_page(request, ctx)


def _gate_page(request: Request, ctx: PageContext, http_status: int = 200, **extra: Any) -> HTMLResponse:
    inside = gate.present(ctx.uow, ctx.caller, ctx.now)
    detainees = custody.list_detainees(ctx.uow, ctx.caller)
    today = ctx.now.astimezone(ctx.c.settings.village_tz).date()
    log = gate.gate_log(ctx.uow, ctx.caller, day=today, tz=ctx.c.settings.village_tz)
    people = roster.list_shinobi(ctx.uow, ctx.caller)
    return render(request, ctx, "gate.html", http_status=http_status, inside=inside, detainees=detainees, log=log,
                  names={s.id: s.name for s in people}, detainee_names={d.id: d.name for d in detainees},
                  people=[s for s in people if s.status.value in ("active", "on_mission")],
                  may_log=authz.decide(ctx.caller, "logGate", authz.VILLAGE).allowed,
                  may_override=authz.decide(ctx.caller, "override", authz.VILLAGE).allowed,
                  at=ctx.now.astimezone(ctx.c.settings.village_tz).strftime("%Y-%m-%dT%H:%M"),
                  code_words=CODE_WORDS, overridable={c.value for c in OVERRIDABLE}, **extra)


@router.post("/gate")
def log_gate(request: Request, ctx: Posted, direction: Annotated[str, Form()] = "",
             at: Annotated[str, Form()] = "", shinobi_ids: Annotated[list[int], Form()] = None,
             detainee_ids: Annotated[list[int], Form()] = None,
             justification: Annotated[str, Form()] = "", at_shown: Annotated[str, Form()] = "") -> Response:
    """The gate clerk logs people in or out; a booked team member refused at the gate is shown every reason.

    The form offers the minute it was shown (`at_shown`); left as offered, it means now, to the second. Taken
    as the minute's start, it would let a booked member out past a rest order given earlier in that minute
    (the office is judged at the event's time)."""
    chosen = list(shinobi_ids or [])
    try:
        when = ctx.now if not at or at == at_shown else parse_local(at, ctx)
        cmd = gate.GateEntry(direction=Direction(direction), at=when,
                             shinobi_ids=tuple(chosen), detainee_ids=tuple(detainee_ids or ()),
                             override_justification=justification if justification.strip() else None)
        done = gate.log_gate(ctx.uow, ctx.caller, cmd, ctx.now, policy=ctx.c.policy)
    except ValueError:
        return _gate_page(request, ctx, 422, result={"ok": False, "error": DomainError(
            "choose in or out", code="VALIDATION_ERROR")}, chosen=chosen)
    except AssignmentRefused as e:
        return _gate_page(request, ctx, 409, result={"ok": False, "refused": e.details}, chosen=chosen)
    except DomainError as e:
        if isinstance(e, NotFound | Forbidden):
            raise
        return _gate_page(request, ctx, status_for(e), result={"ok": False, "error": e}, chosen=chosen)
    return _gate_page(request, ctx, result={"ok": True, "logged": done})


@router.get("/memorial")
def memorial_page(request: Request, ctx: Page) -> HTMLResponse:
    return render(request, ctx, "memorial.html", entries=reports.memorial(ctx.uow, ctx.caller))


@router.get("/audit")
def audit_page(request: Request, ctx: Page, action: str = "", actor: str = "") -> HTMLResponse:
    entries = audit.list_entries(ctx.uow, ctx.caller, action=action or None, actor=actor or None)
    kept = checkpointing(ctx.c.settings)
    check = audit.verify_chain(ctx.uow, ctx.caller, kept.folder, kept.key)
    return render(request, ctx, "audit.html", entries=list(reversed(entries))[:300], check=check, action=action,
                  actor=actor)


@router.get("/desk")
def desk_page(request: Request, ctx: Page) -> HTMLResponse:
    if not authz.decide(ctx.caller, "readAudit", authz.VILLAGE).allowed:
        raise Forbidden("the desk is the hokage's")
    views = missions.list_missions(ctx.uow, ctx.caller)
    pending = [v.mission for v in views if v.mission.status is MissionStatus.PENDING_AUTHORIZATION]
    stale = [v.mission for v in views if v.mission.status is MissionStatus.OPEN
             and ctx.now - v.mission.posted_at > STALE_AFTER]
    duty = fitness.roster_duty(ctx.uow, ctx.caller, at=ctx.now, policy=ctx.c.policy)
    concern = [d for d in duty if d.badge in ("unfit", "caution", "resting", "on_hold")]
    audiences = [(d, r) for d in custody.list_detainees(ctx.uow, ctx.caller) for r in d.audience_requests
                 if r.status.value == "open"]
    return render(request, ctx, "desk.html", pending=pending, stale=stale, concern=concern, audiences=audiences,
                  badges=BADGE_WORDS)


@router.post("/desk/plan")
def desk_plan(request: Request, ctx: Posted) -> HTMLResponse:
    plan = risk.plan_board(ctx.uow, ctx.caller, departs_at=ctx.now + timedelta(hours=1), policy=ctx.c.policy,
                           time_limit=3.0)
    names = {s.id: s.name for s in roster.list_shinobi(ctx.uow, ctx.caller)}
    return render(request, ctx, "plan.html", plan=plan, names=names)


# -- the risk model and its calibration -------------------------------------------------------------------
def _odds(factor: float, what: str) -> str:
    change = "raises" if factor > 1.005 else "lowers" if factor < 0.995 else "hardly changes"
    return f"multiplies the odds of {what} by {factor:.2f} ({change} them)"


def _coefficients(m: RiskModel) -> list[dict[str, Any]]:
    """Each equation's coefficients, in use and as documented (the prior), with what they mean in words."""
    a0, a1, a2 = m.success
    b0, b1, b2 = m.casualty
    pa, pb = RISK_PRIOR.success, RISK_PRIOR.casualty
    return [
        {"equation": "success", "name": "a0", "what": "Starting point", "value": a0, "prior": pa[0],
         "words": f"an evenly matched team with no sensor succeeds {sigmoid(a0):.0%} of the time"},
        {"equation": "success", "name": "a1", "what": "Team strength against the opposition", "value": a1,
         "prior": pa[1], "words": "each doubling of the team's strength against the opposition "
                                  + _odds(2 ** a1, "success")},
        {"equation": "success", "name": "a2", "what": "A sensor on the team", "value": a2, "prior": pa[2],
         "words": "a sensor " + _odds(math.exp(a2), "success")},
        {"equation": "casualty", "name": "b0", "what": "Starting point", "value": b0, "prior": pb[0],
         "words": f"an even fight with no medic hurts someone {sigmoid(b0):.0%} of the time"},
        {"equation": "casualty", "name": "b1", "what": "Team strength against the opposition", "value": b1,
         "prior": pb[1], "words": "each doubling of the team's strength against the opposition "
                                  + _odds(2 ** -b1, "a casualty")},
        {"equation": "casualty", "name": "b2", "what": "A medic on the team", "value": b2, "prior": pb[2],
         "words": "a medic " + _odds(math.exp(-b2), "a casualty")},
    ]


def _calibration(m: RiskModel) -> list[dict[str, Any]]:
    out = []
    for name, title in (("success", "Success"), ("casualty", "Casualty")):
        cal = m.calibration.get(name)
        if not cal or not cal.get("n"):
            continue
        bins = cal["reliability"]
        rate = sum(b["observed"] * b["count"] for b in bins) / cal["n"]
        out.append({"name": name, "title": title, "brier": cal["brier"], "n": cal["n"], "bins": bins,
                    "rate": rate, "baseline": rate * (1 - rate),
                    "chart": charts.reliability_chart(bins, title=f"{title}: reliability", brier=cal["brier"],
                                                      n=cal["n"], chart_id=f"cal-{name}")})
    return out


def _risk_page(request: Request, ctx: PageContext, http_status: int = 200, error: str | None = None
               ) -> HTMLResponse:
    m = risk.describe_model(ctx.uow, ctx.caller)
    filed = risk.count_reports(ctx.uow, ctx.caller)
    kept_prior = [name for name, fitted, prior in (("success", m.success, RISK_PRIOR.success),
                                                   ("casualty", m.casualty, RISK_PRIOR.casualty))
                  if m.source == "fitted" and fitted == prior]
    return render(request, ctx, "risk.html", http_status=http_status, model=m, filed=filed, kept_prior=kept_prior,
                  needed=max(0, risk.MIN_REPORTS_TO_FIT - filed), min_reports=risk.MIN_REPORTS_TO_FIT,
                  coefficients=_coefficients(m), calibration=_calibration(m), error=error,
                  may_refit=authz.decide(ctx.caller, "refitRisk", authz.VILLAGE).allowed)


@router.get("/risk")
def risk_page(request: Request, ctx: Page) -> HTMLResponse:
    return _risk_page(request, ctx)


@router.post("/risk/refit")
def risk_refit(request: Request, ctx: Posted) -> Response:
    try:
        risk.refit(ctx.uow, ctx.caller, ctx.now, ctx.c.policy)
    except DomainError as e:
        if isinstance(e, NotFound | Forbidden):
            raise
        if e.code == "TOO_FEW_REPORTS" and e.details:
            have, need = e.details[0]["reports"], e.details[0]["needed"]
            so_far = "none is filed yet" if have == 0 else f"only {have} {'is' if have == 1 else 'are'} filed"
            words = (f"Not refitted: the model learns from at least {need} after-action reports, and {so_far}. "
                     f"File {need - have} more, then try again.")
        else:
            words = e.message
        return _risk_page(request, ctx, http_status=status_for(e), error=f"{words} ({e.code})")
    return see_other("/risk")


# -- errors on pages --------------------------------------------------------------------------------------
def install(app) -> None:
    @app.exception_handler(SignInRequired)
    def _sign_in(_request: Request, exc: SignInRequired) -> Response:
        return see_other(f"/login?next={quote(exc.next_url)}")

    def page_error(request: Request, exc: DomainError) -> HTMLResponse:
        status = status_for(exc)
        titles = {403: "Not allowed", 404: "Not found", 410: "Gone", 409: "Refused", 422: "Check the form"}
        return render(request, None, "error.html", http_status=status, title=titles.get(status, "Error"), error=exc)

    app.state.page_error = page_error
