"""The board and a mission: the team form, authorisation, the brief."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ....domain import timing
from ....domain.errors import AssignmentRefused, DomainError, Gone, NotFound
from ....domain.fitness import OVERRIDABLE
from ....domain.ranks import REWARD_BANDS, MissionStatus
from ....services import (
    assignments,
    authz,
    briefs,
    missions,
    risk,
    roster,
)
from .common import (
    CODE_WORDS,
    STALE_AFTER,
    Page,
    PageContext,
    Posted,
    parse_local,
    render,
    see_other,
)

router = APIRouter(include_in_schema=False)


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
