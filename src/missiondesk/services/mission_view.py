"""The mission screen as one read: what a mission's page shows, in one transaction.

The record (the mission, its team, its report, and a timeline of what happened to it, from the audit log's
entries about the mission and the gate log of its team), what the caller may do on it, and for an open
mission the team form: everyone who may be named, each with their duty badge and whether they are fit for this
mission now, and the recommended team. The roster is read once, for both: its facts are gathered once and
judged at two instants (now, for the badges; the proposed departure, for the recommendation).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from ..domain import risk as model_
from ..domain.access import Caller
from ..domain.fitness import Code, FitnessPolicy, assess_roster, duty_badges, duty_masks
from ..domain.gate import Direction
from ..domain.missions import Mission, Report
from ..domain.ranks import MissionStatus, ShinobiStatus
from ..domain.roster import Assignment, Shinobi
from . import authz
from .assignments import is_office
from .fitness import mission_facts, read_roster
from .missions import visible_mission
from .risk import OFFICE_HOLDERS, Recommendation, Village, current_model, recommendation_for
from .unit_of_work import Transaction, transactional

# Who may be named in a team: not the village's office holders, whom nobody sends; the active, and those on a
# mission (listed, with the reason they cannot go).
NOT_SENT = OFFICE_HOLDERS
CANDIDATE_STATUSES = frozenset({ShinobiStatus.ACTIVE, ShinobiStatus.ON_MISSION})
TEAM_FORM_SHOWN = 40  # people the form lists at first; "more" and a name search reach the rest


@dataclass(frozen=True)
class Candidate:
    """One person the team form offers, judged now."""

    shinobi: Shinobi
    badge: str  # the roster's duty badge now (BADGE_WORDS)
    fit: bool  # passes every individual rule for this mission now
    reason: str | None  # the first code that keeps them out, for those who may read their fitness; else None
    recommended: bool = False


@dataclass(frozen=True)
class Event:
    """One line of the mission's timeline."""

    at: datetime
    kind: str  # posted, authorised, opened, proposed, accepted, declined, sent, left, reported, or mission.<act>
    words: str
    by: str | None = None  # the account that did it, when it was one
    departs_at: datetime | None = None  # a team's departure, for "proposed" and "sent"


@dataclass(frozen=True)
class Casualty:
    shinobi_id: int
    name: str
    status: str  # kia, mia, injured


@dataclass(frozen=True)
class ReportView:
    outcome: str
    at: datetime
    summary: str | None
    casualties: tuple[Casualty, ...]
    specimens: tuple[str, ...]
    filed_by: str | None
    filed_at: datetime


@dataclass(frozen=True)
class May:
    """What the caller may do on this mission (the policy's answers; the services still decide on submit)."""

    authorize: bool
    read_brief: bool
    report: bool
    override: bool
    office: bool
    recommend: bool


@dataclass(frozen=True)
class MissionScreen:
    mission: Mission
    team: Assignment | None
    suggested_reward: int
    names: dict[int, str]  # the names of everyone the page names
    may: May
    report: ReportView | None
    timeline: tuple[Event, ...]
    proposals: tuple[Assignment, ...]  # open proposals naming the caller
    candidates: tuple[Candidate, ...]  # the team form's people (an open mission only)
    recommendation: Recommendation | None
    departure: datetime  # the departure the form proposes, and the recommendation is judged at
    matching: int = 0  # how many the form could list (those whose name holds the search), of which `candidates`


@transactional(write=False)
def mission_screen(tx: Transaction, caller: Caller, mission_id: int, *, now: datetime, policy: FitnessPolicy,
                   departs_at: datetime | None = None, find: str = "", shown: int | None = None
                   ) -> MissionScreen:
    """Everything the mission's page shows, for this caller (NotFound, as if it did not exist, to those not
    cleared for it); the team form lists the first `shown` of those whose name holds `find`."""
    m = visible_mission(tx, caller, mission_id)
    departure = departs_at or now + timedelta(hours=1)
    res = authz.mission_resource(m.id, m.classification)
    team = tx.assignments.for_mission(mission_id)
    in_team = team is not None and caller.shinobi_id in team.shinobi_ids
    office = is_office(caller)
    may = May(authorize=authz.allowed(tx, caller, "authorizeMission", res),
              read_brief=authz.allowed(tx, caller, "readBrief", authz.brief_resource(m.id, m.classification, False)),
              report=m.status is MissionStatus.ASSIGNED and team is not None
              and authz.allowed(tx, caller, "reportMission", res, {"in_team": in_team}),
              override=authz.allowed(tx, caller, "override", authz.VILLAGE), office=office,
              recommend=authz.allowed(tx, caller, "recommendTeam", res))
    is_open = m.status is MissionStatus.OPEN
    proposals = tuple(tx.assignments.proposals(mission_id=mission_id, shinobi_id=caller.shinobi_id)) if is_open else ()
    raw_report = tx.assignments.report_for(mission_id)
    entries = tx.audit.list(target=f"mission:{mission_id}")

    model = current_model(tx)
    candidates: tuple[Candidate, ...] = ()
    recommendation = None
    matching = 0
    if is_open:
        candidates, matching, recommendation = _team_form(tx, caller, m, now, departure, policy,
                                                          model if may.recommend else None, find=find,
                                                          shown=shown or TEAM_FORM_SHOWN)
        names = {c.shinobi.id: c.shinobi.name for c in candidates}
        if recommendation is not None:
            names.update({p.member.id: p.name for p in (*recommendation.team, *recommendation.runners_up)})
    else:
        names = {}
    wanted = set(team.shinobi_ids if team else ()) | {sid for a in proposals for sid in a.shinobi_ids}
    wanted |= {int(sid) for e in entries for sid in e.details.get("shinobi_ids", ()) if isinstance(sid, int)}
    missing = wanted - names.keys()
    if missing:
        names.update(tx.shinobi.names(missing))
    left_at = _left_at(tx, team, now)
    report = _report(raw_report, names)
    typical = model_.estimate(model, model_.typical_team(m.rank, m.min_team_size), m.kind, m.threat, m.threat_count)
    return MissionScreen(m, team, model_.suggested_reward(m.rank, typical), names, may, report,
                         _timeline(caller, m, team, entries, names, left_at, report, office),
                         proposals, candidates, recommendation, departure, matching)


# -- the team form: one roster read, judged now and at the departure -----------------------------------------
def _team_form(tx: Transaction, caller: Caller, m: Mission, now: datetime, departure: datetime,
               policy: FitnessPolicy, model: model_.RiskModel | None, *, find: str, shown: int
               ) -> tuple[tuple[Candidate, ...], int, Recommendation | None]:
    """Who the form offers (the recommended team first, then those fit to leave at the departure, strongest
    first, then the rest by name; only those whose name holds `find`), the first `shown` of them with their duty
    badge and verdict now, how many match, and the recommendation (`model`: the risk model, when the caller may
    have a team recommended). The roster is read once, as columns, and judged in full at the departure; the few
    listed are judged now as well."""
    read = read_roster(tx, [now, departure], policy, statuses=CANDIDATE_STATUSES, without_roles=NOT_SENT)
    people = read.people
    if not len(people):
        return (), 0, (Recommendation(m, departure, (), None, None, (), 0, {}, model.source) if model else None)
    village = Village.of(people, read.facts(departure, policy), policy)
    recommendation = None
    chosen: set[int] = set()
    if model is not None:  # as risk.recommend judges: the active alone
        active = np.flatnonzero([s is ShinobiStatus.ACTIVE for s in people.status])
        recommendation = recommendation_for(village.take(active), m, departure, model, policy)
        chosen = {p.member.id for p in recommendation.team}
    eligible = assess_roster(village.roster, mission_facts(m), policy, village.fatigue).eligible
    strength = np.nan_to_num(village.strength(m.kind), nan=0.0)
    needle = find.strip().lower()
    match = np.array([needle in n.lower() for n in people.names], dtype=bool) if needle else np.ones(len(people), bool)
    picked = np.isin(people.ids, list(chosen))
    leading, matching = first_in_order(picked, eligible, strength, people.names, match, max(1, shown))
    show = np.sort(leading)
    listed = read.take(show)  # judged now, for the badges and the verdict beside each name
    roster = listed.facts(now, policy)
    fatigue = roster.fatigue(policy)
    verdict = assess_roster(roster, mission_facts(m), policy, fatigue)
    masks = duty_masks(roster, roster.duty(policy))
    levels = fatigue.levels()
    readable = authz.decide_many(caller, "checkFitness", [authz.shinobi_resource(int(i)) for i in listed.people.ids])
    judged = {}
    for j, may_read in enumerate(readable):
        badge = duty_badges({name: bool(mask[j]) for name, mask in masks.items()}, levels[j])[0]
        first = next((c for c, mask in verdict.codes.items() if mask[j]), None)
        reason = (first.value if first else None) if may_read.allowed else (Code.NOT_FIT.value if first else None)
        sid = int(listed.people.ids[j])
        judged[sid] = Candidate(listed.people.shinobi(j), badge, first is None, reason, sid in chosen)
    return tuple(judged[int(people.ids[i])] for i in leading), matching, recommendation


def first_in_order(picked: np.ndarray, eligible: np.ndarray, strength: np.ndarray, names: tuple[str, ...],
                   match: np.ndarray, shown: int) -> tuple[np.ndarray, int]:
    """The indexes of the first `shown` of those who `match`, in the team form's order (the picked first, then
    the eligible strongest first, then the rest; each tie by name, then by index), and how many match. Names
    are compared only where they decide who is among the first `shown`: those tied with the last of them, and
    those before it (sorting the village's names cost more than the rest of the ordering)."""
    keys = (np.where(eligible, -strength, 0.0), ~eligible, ~picked)
    order = np.lexsort(keys)
    order = order[match[order]]
    if order.size == 0:
        return order, 0
    last = order[min(shown, order.size) - 1]
    tied = np.ones(len(picked), dtype=bool)
    for k in keys:
        tied &= k == k[last]
    head = np.union1d(order[:shown], np.flatnonzero(tied & match))  # ascending: a tie beyond the names is by index
    name_rank = np.empty(head.size, dtype=np.int64)
    name_rank[np.argsort(np.array([names[i] for i in head.tolist()], dtype=object), kind="stable")] = \
        np.arange(head.size)
    ranked = head[np.lexsort((name_rank, *(k[head] for k in keys)))]
    return ranked[:shown], int(order.size)


# -- the record ---------------------------------------------------------------------------------------------
def _left_at(tx: Transaction, team: Assignment | None, now: datetime) -> dict[int, datetime]:
    """When each member the gate logged out for the team left: their last departure through the gate before
    the mission ended."""
    if team is None or not team.left_ids:
        return {}
    until = team.ended_at or now
    out = {}
    for sid, events in tx.gate.events_for(team.left_ids).items():
        outs = [e.at for e in events if e.direction is Direction.OUT and e.at <= until]
        if outs:
            out[sid] = max(outs)
    return out


def _report(filed: Report | None, names: dict[int, str]) -> ReportView | None:
    if filed is None:
        return None
    return ReportView(outcome=filed.outcome.value, at=filed.at, summary=filed.summary,
                      casualties=tuple(Casualty(c.shinobi_id, names.get(c.shinobi_id, f"#{c.shinobi_id}"),
                                                c.status.value) for c in filed.casualties),
                      specimens=filed.specimens, filed_by=filed.filed_by, filed_at=filed.filed_at)


def _instant(value) -> datetime | None:
    """A time as the audit log keeps it (ISO text)."""
    if isinstance(value, datetime) or value is None:
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _who(ids, names: dict[int, str]) -> str:
    return ", ".join(names.get(i, f"#{i}") for i in ids)


MISSION_ACTS = {"mission.edited": "Edited by the office", "mission.cancelled": "Cancelled"}


def _timeline(caller: Caller, m: Mission, team: Assignment | None, entries, names: dict[int, str],
              left_at: dict[int, datetime], report: ReportView | None, office: bool) -> tuple[Event, ...]:
    """What happened to the mission, oldest first. A proposal (and its answers) only to the office and to
    the members it named, as GET /assignments/{id} shows it; refused attempts and brief readings are the
    audit log's, not the record's."""
    out = [Event(m.posted_at, "posted", "Posted on the board",
                 next((e.actor for e in entries if e.action == "mission.created"), None))]
    members: dict[int, set[int]] = {}  # assignment id: its members, from the entries that name them
    for e in entries:
        d = e.details
        if "assignment_id" in d and "shinobi_ids" in d:
            members[d["assignment_id"]] = set(d["shinobi_ids"])
    for e in entries:
        d = e.details
        aid = d.get("assignment_id")
        if e.action == "mission.authorized":
            out.append(Event(e.at, "authorised", "Authorised", e.actor))
        elif e.action == "mission.opened":
            out.append(Event(e.at, "opened", "Open for a team (every signature given)", e.actor))
        elif e.action in ("assignment.proposed", "assignment.accepted", "assignment.declined"):
            if not (office or caller.shinobi_id in members.get(aid, set())):
                continue
            if e.action == "assignment.proposed":
                out.append(Event(e.at, "proposed", f"Team proposed: {_who(d.get('shinobi_ids', ()), names)}", e.actor,
                                 _instant(d.get("departs_at"))))
            elif e.action == "assignment.accepted":
                out.append(Event(e.at, "accepted", "Accepted the proposed team", e.actor))
            else:
                out.append(Event(e.at, "declined", "Declined the proposed team: it will not be sent", e.actor))
        elif e.action == "assignment.created":
            words = f"Team sent: {_who(d.get('shinobi_ids', ()), names)}"
            if d.get("overridden"):
                words += " (by the Hokage's override)"
            out.append(Event(e.at, "sent", words, e.actor, _instant(d.get("departs_at"))))
        elif e.action.startswith("mission.") and e.action not in ("mission.created", "mission.reported"):
            words = MISSION_ACTS.get(e.action) or e.action.removeprefix("mission.").replace("_", " ").capitalize()
            if d.get("reason"):
                words += f": {d['reason']}"
            out.append(Event(e.at, e.action.replace(".", "-"), words, e.actor))
    if team is not None:
        for sid in team.shinobi_ids:
            if sid in left_at:
                out.append(Event(left_at[sid], "left", f"{names.get(sid, f'#{sid}')} left through the gate"))
    if report is not None:
        out.append(Event(report.at, "reported", f"Reported: {report.outcome}", report.filed_by))
    out.sort(key=lambda ev: ev.at)
    return tuple(out)


__all__ = ["Candidate", "Event", "May", "MissionScreen", "ReportView", "mission_screen"]
