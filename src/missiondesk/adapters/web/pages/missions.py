"""The board and a mission: the team form, authorisation, the brief."""
from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from ....domain import timing
from ....domain.errors import AssignmentRefused, DomainError, Gone, Invalid, NotFound
from ....domain.fitness import OVERRIDABLE
from ....domain.missions import Casualty, CasualtyStatus, Mission, Outcome
from ....domain.ranks import REWARD_BANDS, MissionRank, MissionStatus
from ....services import (
    assignment_view,
    assignments,
    authz,
    board_view,
    briefs,
    mission_view,
    missions,
    reports,
)
from ..errors import status_for
from .common import (
    BADGE_WORDS,
    CODE_WORDS,
    STALE_AFTER,
    Page,
    PageContext,
    Posted,
    parse_local,
    render,
    see_other,
    shown_in_place,
)

router = APIRouter(include_in_schema=False)


# -- the board ----------------------------------------------------------------------------------------
@router.get("/")
def home() -> Response:
    return see_other("/board")


@router.get("/board")
def board(request: Request, ctx: Page, rank: str = "", status: str = "", sort: str = "rank", page: str = "1"
          ) -> HTMLResponse:
    ranks = {r.value: r for r in MissionRank}
    statuses = {s.value: s for s in MissionStatus}
    view = board_view.board_view(ctx.uow, ctx.caller, rank=ranks.get(rank), status=statuses.get(status),
                                 sort=sort if sort in board_view.SORTS else "rank",
                                 page=int(page) if page.isdecimal() and len(page) < 7 else 1,
                                 size=board_view.BOARD_PAGE)
    rows = []
    for m in view.missions:
        age = ctx.now - m.posted_at
        rows.append({"m": m, "age_days": max(0, age.days),
                     "stale": m.status is MissionStatus.OPEN and age > STALE_AFTER,
                     "can": _mission_actions(ctx, m)})
    query = {k: v for k, v in (("rank", rank), ("status", status), ("sort", sort)) if v}

    def at(n: int) -> str:
        return f"/board?{urlencode({**query, 'page': n})}"

    return render(request, ctx, "board.html", rows=rows, view=view, rank=rank, status=status, sort=sort,
                  statuses=list(statuses), next_url=at(view.page + 1) if view.page < view.pages else None,
                  prev_url=at(view.page - 1) if view.page > 1 else None)


def _mission_actions(ctx: PageContext, m: Mission) -> list[str]:
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
    """The mission's page from one read (services/mission_view.py): the record, the timeline, the report, and
    the forms the caller may use."""
    tz = ctx.c.settings.village_tz
    find, shown = extra.pop("find", ""), extra.pop("shown", None) or mission_view.TEAM_FORM_SHOWN
    v = mission_view.mission_screen(ctx.uow, ctx.caller, mission_id, now=ctx.now, policy=ctx.c.policy,
                                    find=find, shown=shown)
    m = v.mission
    low, high = REWARD_BANDS[m.rank]
    if extra.get("use") == "recommended" and v.recommendation is not None and "chosen" not in extra:
        extra["chosen"] = [p.member.id for p in v.recommendation.team]
    extra.pop("use", None)
    return render(request, ctx, "mission.html", http_status=http_status, m=m, team=v.team, view=v,
                  people=[c.shinobi for c in v.candidates], candidates=v.candidates, names=v.names,
                  age_days=max(0, (ctx.now - m.posted_at).days),
                  stale=m.status is MissionStatus.OPEN and ctx.now - m.posted_at > STALE_AFTER,
                  band=(low, high), may_brief=v.may.read_brief, may_authorize=v.may.authorize,
                  may_override=v.may.override, may_report=v.may.report,
                  departure=_field(v.departure, tz), office=v.may.office, proposals=list(v.proposals),
                  earliest=_field(ctx.now - timing.PAST_DEPARTURE_GRACE, tz), report_at=_field(ctx.now, tz),
                  suggested=v.suggested_reward, recommendation=v.recommendation, report=v.report,
                  timeline=v.timeline, local=lambda t: _local(t, tz), zone=ctx.now.astimezone(tz).strftime("%Z"),
                  badge_words=BADGE_WORDS,
                  code_words=CODE_WORDS, overridable={c.value for c in OVERRIDABLE}, find=find, shown=shown,
                  more_url=_more_url(m.id, find, shown) if v.matching > len(v.candidates) else None, **extra)


def _more_url(mission_id: int, find: str, shown: int) -> str:
    """The team form listing more people."""
    return f"/missions/{mission_id}?{urlencode({'find': find, 'shown': shown + mission_view.TEAM_FORM_SHOWN})}#team-h"


def _field(t: datetime, tz: tzinfo) -> str:
    """A time as a datetime-local field's value, in the village's zone."""
    return t.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


def _local(t: datetime | None, tz: tzinfo) -> str:
    """A time in the village's zone, the zone named."""
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if t is not None else ""


@router.get("/missions/{mission_id}")
def mission_page(request: Request, ctx: Page, mission_id: int, use: str = "", find: str = "",
                 shown: int | None = Query(None, ge=1, le=1000)) -> HTMLResponse:
    """`?use=recommended` ticks the recommended team in the team form; `find` lists those whose name holds it,
    `shown` how many the form lists."""
    return _mission_page(request, ctx, mission_id, use=use, find=find[:100], shown=shown)


@router.post("/missions/{mission_id}/team")
def send_team(request: Request, ctx: Posted, mission_id: int,
              shinobi_ids: Annotated[list[int] | None, Form()] = None, departs_at: Annotated[str, Form()] = "",
              justification: Annotated[str, Form()] = "") -> HTMLResponse:
    chosen = list(shinobi_ids or [])
    partial = request.headers.get("HX-Request") == "true"
    try:
        cmd = assignments.AssignTeam(shinobi_ids=tuple(chosen),
                                     departs_at=parse_local(departs_at, ctx) if departs_at else None,
                                     override_justification=justification if justification.strip() else None)
        a = assignments.assign_team(ctx.uow, ctx.caller, mission_id, cmd, ctx.now, ctx.c.policy)
        result, status = assignment_view.SendResult(assignment=a), 200
    except AssignmentRefused as e:
        result, status = assignment_view.SendResult(refused=tuple(e.details), message=e.message), status_for(e)
    except DomainError as e:
        shown_in_place(e)
        result, status = assignment_view.SendResult(error=e), status_for(e)
    if partial:  # htmx swaps a refusal (4xx) in place too: base.html's responseHandling
        tz = ctx.c.settings.village_tz
        sent = assignment_view.sent_team(ctx.uow, ctx.caller, result)  # the names of those it names, no more
        return render(request, ctx, "_team_result.html", http_status=status, result=sent.result, names=sent.names,
                      code_words=CODE_WORDS, overridable={c.value for c in OVERRIDABLE}, m_id=mission_id,
                      local=lambda t: _local(t, tz))
    return _mission_page(request, ctx, mission_id, http_status=status, result=result, chosen=chosen)


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


# -- the after-action report ----------------------------------------------------------------------------------
@router.post("/missions/{mission_id}/report")
def file_report(request: Request, ctx: Posted, mission_id: int, outcome: Annotated[str, Form()] = "",
                at: Annotated[str, Form()] = "", summary: Annotated[str, Form()] = "",
                casualties: Annotated[list[str] | None, Form()] = None, specimens: Annotated[str, Form()] = ""
                ) -> Response:
    """The report form: the same command as POST /api/v1/missions/{id}/report, one service call. A refusal is
    shown in place with its code; success goes back to the mission, its record now showing the report.
    `casualties`: one "<shinobi id>:<kia|mia|injured>" per member of the team ("<id>:" for unhurt);
    `specimens`: one per line."""
    form = {"outcome": outcome, "at": at, "summary": summary, "specimens": specimens,
            "casualties": dict(c.partition(":")[::2] for c in casualties or ())}
    try:
        cmd = _report_command(outcome, at, summary, casualties or [], specimens, ctx)
        reports.file_report(ctx.uow, ctx.caller, mission_id, cmd, ctx.now)
    except DomainError as e:
        shown_in_place(e)
        return _mission_page(request, ctx, mission_id, http_status=status_for(e), report_error=e, report_form=form)
    return see_other(f"/missions/{mission_id}#report-h")


def _report_command(outcome: str, at: str, summary: str, casualties: list[str], specimens: str,
                    ctx: PageContext) -> reports.FileReport:
    try:
        result = Outcome(outcome)
    except ValueError:
        raise Invalid("choose the outcome: success, failure or aborted", code="VALIDATION_ERROR") from None
    if not at:
        raise Invalid("say when the mission ended", code="VALIDATION_ERROR")
    lost = []
    for c in casualties:
        sid, _, status = c.partition(":")
        if not status:
            continue
        try:
            lost.append(Casualty(int(sid), CasualtyStatus(status)))
        except ValueError:
            raise Invalid(f"not a casualty: {c!r}", code="VALIDATION_ERROR") from None
    return reports.FileReport(outcome=result, at=parse_local(at, ctx), summary=summary.strip() or None,
                              casualties=tuple(lost),
                              specimens=tuple(line.strip() for line in specimens.splitlines() if line.strip()))
