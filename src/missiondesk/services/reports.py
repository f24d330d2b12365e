"""After-action reports and the memorial."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..domain import missions as rules
from ..domain import timing
from ..domain.access import Caller
from ..domain.errors import Conflict, Invalid, NotFound
from ..domain.medical_records import InjuryReport
from ..domain.missions import Casualty, CasualtyStatus, Outcome, Report, ReportedCasualty  # noqa: F401 - the API's
from ..domain.ranks import MissionStatus, ShinobiStatus
from ..domain.roster import MemorialEntry
from . import alerts as alerting
from . import authz
from .audit import record
from .missions import may_see, visible_mission
from .paging import Paged, Window
from .ports import existing
from .unit_of_work import Transaction, transactional


@dataclass(frozen=True)
class FileReport:
    outcome: Outcome
    at: datetime
    summary: str | None = None
    casualties: tuple[Casualty, ...] = ()
    specimens: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReportFiled:
    report: Report
    mission_status: MissionStatus  # what the report closed the mission as
    welfare_hold_ids: tuple[int, ...]  # the survivors' holds it placed


@transactional(write=True)
def file_report(tx: Transaction, caller: Caller, mission_id: int, cmd: FileReport, now: datetime) -> ReportFiled:
    mission = visible_mission(tx, caller, mission_id)
    assignment = tx.assignments.for_mission(mission_id)
    team = frozenset(assignment.shinobi_ids) if assignment else frozenset()
    authz.require(tx, caller, "reportMission", authz.mission_resource(mission.id, mission.classification),
                  context={"in_team": caller.shinobi_id in team},
                  message="a report comes from a team member, a clerk or the hokage")
    if mission.status is not MissionStatus.ASSIGNED or assignment is None:
        raise Conflict(f"mission {mission_id} is {mission.status.value}; only a mission with a team is reported",
                       code="MISSION_NOT_ASSIGNED")
    timing.check_report_time(cmd.at, now=now)
    rules.check_report(team, assignment.departs_at, cmd.at, cmd.casualties, cmd.outcome)
    report_id = tx.assignments.add_report(
        mission_id=mission_id, outcome=cmd.outcome.value, at=cmd.at, summary=cmd.summary,
        casualties=[{"shinobi_id": c.shinobi_id, "status": c.status.value} for c in cmd.casualties],
        specimens=[{"description": d} for d in cmd.specimens], by=caller.username, now=now)
    status = rules.OUTCOME_STATUS[cmd.outcome]
    tx.missions.set_status(mission_id, status, closed_at=cmd.at)
    tx.assignments.end(assignment.id, cmd.at)
    record(tx, now, caller, "mission.reported", f"mission:{mission_id}", report_id=report_id,
           outcome=cmd.outcome.value, at=cmd.at, casualties=len(cmd.casualties))
    lost = {c.shinobi_id: c.status for c in cmd.casualties if c.status in rules.LOST}
    people = tx.shinobi.get_many(team)
    for sid, status_lost in lost.items():
        tx.shinobi.set_status([sid], ShinobiStatus(status_lost.value))
        record(tx, now, caller, f"shinobi.{status_lost.value}", f"shinobi:{sid}", mission_id=mission_id, at=cmd.at)
        if status_lost is CasualtyStatus.KIA:
            tx.assignments.add_to_memorial(sid, people[sid].rank.value, cmd.at, mission_id)
    for c in cmd.casualties:
        if c.status is CasualtyStatus.INJURED:
            injury = c.injury or InjuryReport()
            entered = tx.medical.enter_injury(shinobi_id=c.shinobi_id, body_part=injury.body_part, kind=injury.kind,
                                              severity=injury.severity.value, at=cmd.at, mission_id=mission_id,
                                              notes=injury.notes, by=caller.username, now=now)
            record(tx, now, caller, "injury.recorded", f"shinobi:{c.shinobi_id}", injury_id=entered.id,
                   mission_id=mission_id)
    back = [sid for sid in team if sid not in lost and people[sid].status is ShinobiStatus.ON_MISSION]
    tx.shinobi.set_status(back, ShinobiStatus.ACTIVE)
    hold_ids = []
    for sid in sorted(rules.survivors_to_hold(team, cmd.casualties)):
        # the reason names no mission: a welfare hold is read by people not cleared for it
        reason = f"{len(lost)} teammate(s) killed or missing on a mission"
        h = tx.medical.add_hold(shinobi_id=sid, reason=reason, since=cmd.at, mission_id=mission_id, by=None, now=now)
        hold_ids.append(h.id)
        reviews = alerting.schedule_reviews(tx, h.id, sid, cmd.at)  # the medics are told when each falls due
        record(tx, now, None, "welfare_hold.created", f"shinobi:{sid}", hold_id=h.id, since=cmd.at,
               mission_id=mission_id, review_ids=reviews)
    result = ReportFiled(report=existing(tx.assignments.report_for(mission_id)), mission_status=status,
                         welfare_hold_ids=tuple(hold_ids))
    tx.commit()
    return result


@transactional(write=False)
def get_report(tx: Transaction, caller: Caller, mission_id: int) -> Report:
    visible_mission(tx, caller, mission_id)
    report = tx.assignments.report_for(mission_id)
    if report is None:
        raise NotFound("report", mission_id)
    return report


MEMORIAL_PAGE = 50  # names on one page of the memorial


@dataclass(frozen=True)
class MemorialView:
    entry: MemorialEntry
    mission_title: str | None


@transactional(write=False)
def memorial(tx: Transaction, caller: Caller) -> list[MemorialView]:
    """Names, ranks and dates for everyone; the mission only for those cleared to see it. The whole stone (a
    benchmark's check); the API and the page read it a page at a time (`memorial_page`)."""
    return _memorial_views(tx, caller, tx.assignments.memorial())


@transactional(write=False)
def memorial_page(tx: Transaction, caller: Caller, window: Window) -> Paged[MemorialView]:
    """The memorial as `memorial` gives it, by date of death (ties by shinobi id), a page at a time: the names
    after the shinobi `window.after` in that order."""
    after = None
    if window.after is not None:
        after = tx.assignments.memorial_position(window.after)
        if after is None:
            raise Invalid(f"after: shinobi {window.after} is not on the memorial", code="VALIDATION_ERROR",
                          details=[{"loc": ["query", "after"], "type": "unknown_cursor"}])
    entries = Paged.cut(tx.assignments.memorial(after=after, limit=window.limit + 1), window,
                        key=lambda e: e.shinobi_id)
    return Paged(_memorial_views(tx, caller, entries.items), entries.next_after)


def _memorial_views(tx: Transaction, caller: Caller, entries: list[MemorialEntry]) -> list[MemorialView]:
    out = []
    missions = tx.missions.get_many(e.mission_id for e in entries if e.mission_id is not None)
    for e in entries:
        title = None
        if e.mission_id is not None:
            m = missions[e.mission_id]
            if may_see(tx, caller, m):
                title = m.title
            else:
                e = MemorialEntry(e.shinobi_id, e.name, e.rank, e.died_at, None)
        out.append(MemorialView(e, title))
    return out
