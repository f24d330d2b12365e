from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ....domain.medical_records import InjuryReport
from ....domain.missions import Casualty
from ....domain.ranks import MissionStatus
from ....services import assignments, missions, reports
from ..deps import CurrentCaller, Deps, Now
from ..report_schemas import ReportFiledRead, ReportRead
from ..schemas import (
    AssignmentCreate,
    AssignmentRead,
    InjuryIn,
    MissionCancel,
    MissionChange,
    MissionCreate,
    MissionRead,
    ReportCreate,
)
from .common import DEFAULT_PAGE, After, Limit, PathId, link_next, window

router = APIRouter(tags=["missions"])


@router.post("/missions", status_code=201, response_model=MissionRead)
def post_mission(body: MissionCreate, caller: CurrentCaller, c: Deps, now: Now) -> MissionRead:
    cmd = missions.PostMission(title=body.title, rank=body.rank, kind=body.kind, classification=body.classification,
                               reward_ryo=body.reward_ryo, min_team_size=body.min_team_size,
                               posted_at=body.posted_at, description=body.description, threat=body.threat,
                               threat_count=body.threat_count)
    v = missions.post_mission(c.uow, caller, cmd, now)
    return MissionRead.of(v.mission, v.assignment, v.suggested_reward)


@router.get("/missions", response_model=list[MissionRead])
def list_missions(caller: CurrentCaller, c: Deps, request: Request, response: Response,
                  status: MissionStatus | None = None, limit: Limit = DEFAULT_PAGE, after: After = None
                  ) -> list[MissionRead]:
    """The missions the caller may see, by id, `limit` at a time; the next page's URL in the `Link` header."""
    page = missions.list_missions_page(c.uow, caller, window(after, limit), status=status)
    link_next(request, response, page.next_after)
    return [MissionRead.of(v.mission, v.assignment, v.suggested_reward) for v in page.items]


@router.get("/missions/{mission_id}", response_model=MissionRead)
def get_mission(mission_id: PathId, caller: CurrentCaller, c: Deps) -> MissionRead:
    v = missions.get_mission(c.uow, caller, mission_id)
    return MissionRead.of(v.mission, v.assignment, v.suggested_reward)


@router.patch("/missions/{mission_id}", response_model=MissionRead)
def edit_mission(mission_id: PathId, body: MissionChange, caller: CurrentCaller, c: Deps, now: Now) -> MissionRead:
    """The clerk's edit of a mission still on the board (open or waiting for authorisation): only the fields given
    change; 409 MISSION_NOT_EDITABLE once it is assigned or closed."""
    cleared = "description" in body.model_fields_set and body.description is None
    cmd = missions.EditMission(title=body.title, kind=body.kind, classification=body.classification,
                               reward_ryo=body.reward_ryo, min_team_size=body.min_team_size,
                               description="" if cleared else body.description, threat=body.threat,
                               threat_count=body.threat_count)
    v = missions.edit_mission(c.uow, caller, mission_id, cmd, now)
    return MissionRead.of(v.mission, v.assignment, v.suggested_reward)


@router.post("/missions/{mission_id}/cancel", response_model=MissionRead)
def cancel_mission(mission_id: PathId, body: MissionCancel, caller: CurrentCaller, c: Deps, now: Now) -> MissionRead:
    """Takes a mission off the board for good (status `cancelled`), the reason on the audit log; a team proposed
    for it is declined. 409 MISSION_NOT_CANCELLABLE once it is assigned or closed."""
    v = missions.cancel_mission(c.uow, caller, mission_id, body.reason, now)
    return MissionRead.of(v.mission, v.assignment, v.suggested_reward)


@router.post("/missions/{mission_id}/authorizations", status_code=201, response_model=MissionRead)
def authorize(mission_id: PathId, caller: CurrentCaller, c: Deps, now: Now) -> MissionRead:
    v = missions.authorize_mission(c.uow, caller, mission_id, now)
    return MissionRead.of(v.mission, v.assignment, v.suggested_reward)


@router.post("/missions/{mission_id}/assignments", status_code=201, response_model=AssignmentRead)
def assign(mission_id: PathId, body: AssignmentCreate, caller: CurrentCaller, c: Deps, now: Now) -> AssignmentRead:
    cmd = assignments.AssignTeam(shinobi_ids=tuple(body.shinobi_ids), departs_at=body.departs_at,
                                 override_justification=body.override.justification if body.override else None)
    return AssignmentRead.of(assignments.assign_team(c.uow, caller, mission_id, cmd, now, c.policy))


@router.get("/assignments/{assignment_id}", response_model=AssignmentRead)
def get_assignment(assignment_id: PathId, caller: CurrentCaller, c: Deps) -> AssignmentRead:
    """An assignment, for its members: a proposal's answers so far, or the team sent."""
    return AssignmentRead.of(assignments.get_assignment(c.uow, caller, assignment_id))


@router.post("/assignments/{assignment_id}/accept", response_model=AssignmentRead)
def accept(assignment_id: PathId, caller: CurrentCaller, c: Deps, now: Now) -> AssignmentRead:
    """A member says yes to a proposed team; the last yes sends it (the rules run again at each)."""
    return AssignmentRead.of(assignments.accept_proposal(c.uow, caller, assignment_id, now, c.policy))


@router.post("/assignments/{assignment_id}/decline", response_model=AssignmentRead)
def decline(assignment_id: PathId, caller: CurrentCaller, c: Deps, now: Now) -> AssignmentRead:
    """A member says no: the proposal is declined."""
    return AssignmentRead.of(assignments.decline_proposal(c.uow, caller, assignment_id, now))


def injury_report(i: InjuryIn | None) -> InjuryReport | None:
    if i is None:
        return None
    return InjuryReport(body_part=i.body_part, kind=i.kind, severity=i.severity, notes=i.notes)


@router.post("/missions/{mission_id}/report", status_code=201, response_model=ReportFiledRead)
def report(mission_id: PathId, body: ReportCreate, caller: CurrentCaller, c: Deps, now: Now) -> ReportFiledRead:
    cmd = reports.FileReport(outcome=body.outcome, at=body.at, summary=body.summary,
                             casualties=tuple(Casualty(x.shinobi_id, x.status, injury_report(x.injury))
                                              for x in body.casualties),
                             specimens=tuple(s.description for s in body.specimens))
    return ReportFiledRead.of(reports.file_report(c.uow, caller, mission_id, cmd, now))


@router.get("/missions/{mission_id}/report", response_model=ReportRead)
def get_report(mission_id: PathId, caller: CurrentCaller, c: Deps) -> ReportRead:
    return ReportRead.of(reports.get_report(c.uow, caller, mission_id))
