"""The board: posting missions, authorising them, and reading what the caller may see."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain import missions as rules
from ..domain import risk
from ..domain.access import Caller
from ..domain.errors import Conflict, Invalid, NotFound
from ..domain.missions import Mission
from ..domain.ranks import Classification, MissionRank, MissionStatus
from ..domain.risk import Threat
from ..domain.roster import Assignment
from . import alerts as alerting
from . import authz
from .audit import record
from .paging import Paged, Window
from .ports import existing
from .unit_of_work import Transaction, transactional


@dataclass(frozen=True)
class PostMission:
    title: str
    rank: MissionRank
    kind: str
    classification: Classification = Classification.PUBLIC
    reward_ryo: int | None = None
    min_team_size: int | None = None
    posted_at: datetime | None = None
    description: str | None = None
    threat: Threat = Threat.NONE
    threat_count: int = 0


@dataclass(frozen=True)
class MissionView:
    mission: Mission
    assignment: Assignment | None
    suggested_reward: int | None = None


def _suggest(tx: Transaction, m: Mission, model: risk.RiskModel | None = None) -> int:
    """The reward the risk model suggests for this mission with a typical team of its rank."""
    model = model or tx.risk.latest() or risk.PRIOR
    e = risk.estimate(model, risk.typical_team(m.rank, m.min_team_size), m.kind, m.threat, m.threat_count)
    return risk.suggested_reward(m.rank, e)


def visible_mission(tx: Transaction, caller: Caller, mission_id: int) -> Mission:
    """The mission, or NotFound exactly as if it did not exist when the caller may not see it."""
    m = tx.missions.get(mission_id)
    if m is None:
        raise NotFound("mission", mission_id)
    authz.require(tx, caller, "viewMission", authz.mission_resource(m.id, m.classification), hide=True)
    return m


def may_see(tx: Transaction, caller: Caller, m: Mission) -> bool:
    return authz.allowed(tx, caller, "viewMission", authz.mission_resource(m.id, m.classification))


@transactional(write=True)
def post_mission(tx: Transaction, caller: Caller, cmd: PostMission, now: datetime) -> MissionView:
    authz.require(tx, caller, "postMission")
    if not cmd.title.strip() or not cmd.kind.strip():
        raise Invalid("a mission needs a title and a kind", code="TITLE_REQUIRED")
    if not authz.allowed(tx, caller, "viewMission", authz.mission_resource(0, cmd.classification)):
        raise Invalid("you cannot post a mission classified above your own clearance",
                      code="CLASSIFICATION_ABOVE_CLEARANCE")
    size = rules.team_size_for(cmd.rank, cmd.min_team_size)
    reward = rules.reward_for(cmd.rank, cmd.reward_ryo)
    status = rules.initial_status(cmd.rank)
    mission_id = tx.missions.add(title=cmd.title.strip(), rank=cmd.rank, kind=cmd.kind.strip(),
                                 classification=cmd.classification, reward_ryo=reward, min_team_size=size,
                                 status=status, posted_at=cmd.posted_at or now, description=cmd.description,
                                 by=caller.username, threat=cmd.threat, threat_count=cmd.threat_count)
    record(tx, now, caller, "mission.created", f"mission:{mission_id}", rank=cmd.rank.value,
           classification=cmd.classification.value, status=status.value)
    m = existing(tx.missions.get(mission_id))
    tx.commit()
    return MissionView(m, None, _suggest(tx, m))


@transactional(write=True)
def authorize_mission(tx: Transaction, caller: Caller, mission_id: int, now: datetime) -> MissionView:
    authz.require(tx, caller, "authorizeMission")
    m = visible_mission(tx, caller, mission_id)
    status = rules.authorize(m, caller.username)
    tx.missions.add_authorization(mission_id, caller.account_id, caller.username, now)
    record(tx, now, caller, "mission.authorized", f"mission:{mission_id}", signatures=len(m.authorized_by) + 1)
    if status is not m.status:
        tx.missions.set_status(mission_id, status)
        record(tx, now, caller, "mission.opened", f"mission:{mission_id}")
    result = existing(tx.missions.get(mission_id))
    tx.commit()
    return MissionView(result, None, _suggest(tx, result))


@transactional(write=False)
def get_mission(tx: Transaction, caller: Caller, mission_id: int) -> MissionView:
    m = visible_mission(tx, caller, mission_id)
    return MissionView(m, tx.assignments.for_mission(mission_id), _suggest(tx, m))


@transactional(write=False)
def list_missions(tx: Transaction, caller: Caller, *, status: MissionStatus | None = None) -> list[MissionView]:
    visible = authz.filter_allowed(tx, caller, "viewMission", tx.missions.list(status=status),
                                   lambda m: authz.mission_resource(m.id, m.classification))
    return _views(tx, visible)


@transactional(write=False)
def list_missions_page(tx: Transaction, caller: Caller, window: Window, *, status: MissionStatus | None = None
                       ) -> Paged[MissionView]:
    """The missions the caller may see, by id, a page at a time (GET /missions). Those hidden from the caller
    are skipped in the database's order, so a page holds `window.limit` visible ones while more exist."""
    visible: list[Mission] = []
    after = window.after
    while len(visible) <= window.limit:
        chunk = tx.missions.list(status=status, after=after, limit=window.limit + 1)
        visible += authz.filter_allowed(tx, caller, "viewMission", chunk,
                                        lambda m: authz.mission_resource(m.id, m.classification))
        if len(chunk) <= window.limit:
            break
        after = chunk[-1].id
    page = Paged.cut(visible[:window.limit + 1], window, key=lambda m: m.id)
    return Paged(_views(tx, page.items), page.next_after)


def _views(tx: Transaction, missions: list[Mission]) -> list[MissionView]:
    teams = tx.assignments.for_missions(m.id for m in missions)
    model = tx.risk.latest() or risk.PRIOR
    return [MissionView(m, teams.get(m.id), _suggest(tx, m, model)) for m in missions]


# -- the clerk's changes to a posting ---------------------------------------------------------------------
EDITABLE = frozenset({MissionStatus.OPEN, MissionStatus.PENDING_AUTHORIZATION})


@dataclass(frozen=True)
class EditMission:
    """What changes; None leaves it as it is (an empty description clears it). The rank is not edited: a
    different rank is a different mission, with its own authorisations (cancel it and post anew)."""

    title: str | None = None
    kind: str | None = None
    classification: Classification | None = None
    reward_ryo: int | None = None
    min_team_size: int | None = None
    description: str | None = None
    threat: Threat | None = None
    threat_count: int | None = None


def _still_on_the_board(m: Mission, verb: str, code: str) -> None:
    if m.status not in EDITABLE:
        raise Conflict(f"mission {m.id} is {m.status.value.replace('_', ' ')}; only an open mission or one waiting "
                       f"for authorisation may be {verb}", code=code, details=[{"status": m.status.value}])


@transactional(write=True)
def edit_mission(tx: Transaction, caller: Caller, mission_id: int, cmd: EditMission, now: datetime) -> MissionView:
    """Explicit field updates while the mission is on the board; the audit entry says what changed (from, to)."""
    m = visible_mission(tx, caller, mission_id)
    authz.require(tx, caller, "editMission", authz.mission_resource(m.id, m.classification))
    _still_on_the_board(m, "edited", "MISSION_NOT_EDITABLE")
    if cmd.title is not None and not cmd.title.strip() or cmd.kind is not None and not cmd.kind.strip():
        raise Invalid("a mission needs a title and a kind", code="TITLE_REQUIRED")
    if cmd.classification is not None and not authz.allowed(
            tx, caller, "viewMission", authz.mission_resource(0, cmd.classification)):
        raise Invalid("you cannot classify a mission above your own clearance", code="CLASSIFICATION_ABOVE_CLEARANCE")
    if cmd.threat_count is not None and cmd.threat_count < 0:
        raise Invalid("the opposition cannot be fewer than none", code="THREAT_COUNT_INVALID")
    wanted = {
        "title": cmd.title.strip() if cmd.title is not None else None,
        "kind": cmd.kind.strip() if cmd.kind is not None else None,
        "classification": cmd.classification,
        "reward_ryo": rules.reward_for(m.rank, cmd.reward_ryo) if cmd.reward_ryo is not None else None,
        "min_team_size": rules.team_size_for(m.rank, cmd.min_team_size) if cmd.min_team_size is not None else None,
        "description": (cmd.description.strip() or None) if cmd.description is not None else None,
        "threat": cmd.threat, "threat_count": cmd.threat_count,
    }
    changes = {k: v for k, v in wanted.items()
               if (v is not None or (k == "description" and cmd.description is not None)) and v != getattr(m, k)}
    if changes:
        tx.missions.change(mission_id, **changes)

        def plain(v):
            return v.value if hasattr(v, "value") else v

        record(tx, now, caller, "mission.edited", f"mission:{mission_id}",
               changed={k: {"from": plain(getattr(m, k)), "to": plain(v)} for k, v in changes.items()})
    result = existing(tx.missions.get(mission_id))
    tx.commit()
    return MissionView(result, tx.assignments.for_mission(mission_id), _suggest(tx, result))


@transactional(write=True)
def cancel_mission(tx: Transaction, caller: Caller, mission_id: int, reason: str, now: datetime) -> MissionView:
    """Off the board for good, with the reason on the audit log; a team proposed for it is declined and its
    members are told."""
    m = visible_mission(tx, caller, mission_id)
    authz.require(tx, caller, "cancelMission", authz.mission_resource(m.id, m.classification))
    _still_on_the_board(m, "cancelled", "MISSION_NOT_CANCELLABLE")
    if not reason.strip():
        raise Invalid("say why the mission is cancelled", code="REASON_REQUIRED")
    proposals = tx.assignments.proposals(mission_id=mission_id)
    for a in proposals:
        tx.assignments.decline(a.id, now)
        for sid in a.shinobi_ids:
            alerting.raise_alert(tx, now, sid, "MISSION_CANCELLED", mission_id=mission_id, assignment_id=a.id,
                                 message=f"“{m.title}” was cancelled: the team proposed for it will not be sent.")
    tx.missions.set_status(mission_id, MissionStatus.CANCELLED, closed_at=now)
    record(tx, now, caller, "mission.cancelled", f"mission:{mission_id}", reason=reason.strip(),
           status_before=m.status.value, proposals_declined=[a.id for a in proposals])
    result = existing(tx.missions.get(mission_id))
    tx.commit()
    return MissionView(result, None, _suggest(tx, result))
