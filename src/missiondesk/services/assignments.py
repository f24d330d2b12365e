"""Sending a team: every rule checked, every refusal recorded, partners told, overrides kept.

Who may send whom (CONTRACT, "Who may send whom"): a clerk or the hokage sends any team at once;
anyone else may ask only for a team that includes themself. Alone, they are sent at once; naming
others, the team is *proposed* and nobody moves until every other member has accepted, the rules
running again at each acceptance. A booked team is judged again when the gate logs it out, and
the office is told when a record added after the booking puts a member at risk.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ..domain import timing
from ..domain.access import Caller
from ..domain.errors import AssignmentRefused, Conflict, Invalid, NotFound
from ..domain.fitness import (
    PRIVATE_CODES,
    Code,
    FitnessPolicy,
    Reason,
    ShinobiFacts,
    TeamVerdict,
    Verdict,
    assess,
    assess_team,
    discreet,
)
from ..domain.missions import Mission
from ..domain.ranks import MissionStatus, Role, ShinobiStatus
from ..domain.roster import Assignment, AssignmentStatus
from . import alerts as alerting
from . import authz
from .audit import record
from .fitness import gather_facts, mission_facts
from .missions import visible_mission
from .ports import existing
from .unit_of_work import Transaction, transactional


@dataclass(frozen=True)
class AssignTeam:
    shinobi_ids: tuple[int, ...]
    departs_at: datetime | None = None
    override_justification: str | None = None

    @property
    def override(self) -> bool:
        return self.override_justification is not None


def reason_detail(r: Reason) -> dict:
    """A reason as a refusal's detail: who, the code, in words, and when it clears (null when no record says)."""
    return {"shinobi_id": r.shinobi_id, "code": r.code.value, "message": r.message,
            "clears_at": r.clears_at.isoformat() if r.clears_at else None}


def is_office(caller: Caller) -> bool:
    """A clerk or the hokage: sends any team at once, and records departures that already happened."""
    return authz.decide(caller, "sendAnyTeam", authz.VILLAGE).allowed


def check_override(tx: Transaction, caller: Caller, justification: str | None) -> None:
    """An override is the hokage's alone (403 before any rule runs), and needs a written reason."""
    if justification is None:
        return
    authz.require(tx, caller, "override", message="an override is the hokage's alone")
    if not justification.strip():
        raise Invalid("an override needs a written justification", code="JUSTIFICATION_REQUIRED")


@transactional(write=True)
def assign_team(tx: Transaction, caller: Caller, mission_id: int, cmd: AssignTeam, now: datetime,
                policy: FitnessPolicy) -> Assignment:
    """Send a team, or propose it (201 either way; the assignment's status says which)."""
    check_override(tx, caller, cmd.override_justification)
    mission = visible_mission(tx, caller, mission_id)
    authz.require(tx, caller, "assignTeam", authz.mission_resource(mission.id, mission.classification),
                  context={"in_team": caller.shinobi_id in cmd.shinobi_ids},
                  message="you may assign a team only when you are in it")
    if not cmd.shinobi_ids:
        raise Invalid("name at least one shinobi", code="TEAM_EMPTY")
    if len(set(cmd.shinobi_ids)) != len(cmd.shinobi_ids):
        raise Invalid("a shinobi is named twice in the team", code="TEAM_DUPLICATE")
    office = is_office(caller)
    departs_at = timing.check_departure(cmd.departs_at or now, now=now, posted_at=mission.posted_at, office=office)
    team = gather_facts(tx, cmd.shinobi_ids, departs_at, asking=(caller.shinobi_id, now))
    verdict = assess_team(team, mission_facts(mission), departs_at, policy)
    if verdict.blocking(cmd.override):
        _refuse(tx, caller, mission, team, verdict, now, shinobi_ids=list(cmd.shinobi_ids), departs_at=departs_at,
                override_asked=cmd.override)
    if not office and set(cmd.shinobi_ids) != {caller.shinobi_id}:
        proposal = _propose(tx, caller, mission, cmd.shinobi_ids, departs_at, now)
        tx.commit()
        return proposal
    details = [reason_detail(r) for r in verdict.reasons]
    if verdict.reasons:  # all overridable, and the hokage overrides them
        record(tx, now, caller, "assignment.override", f"mission:{mission_id}", shinobi_ids=list(cmd.shinobi_ids),
               departs_at=departs_at, justification=cmd.override_justification, overridden=details)
    overridden: dict[int, list[str]] = {}
    for r in verdict.reasons:
        if r.shinobi_id is not None:
            overridden.setdefault(r.shinobi_id, []).append(r.code.value)
    assignment = tx.assignments.add(mission_id=mission_id, shinobi_ids=list(cmd.shinobi_ids), departs_at=departs_at,
                                    by=caller.username, now=now, known_codes=overridden,
                                    justification=cmd.override_justification if verdict.reasons else None)
    _send(tx, caller, assignment, now, overridden=bool(verdict.reasons))
    tx.commit()
    return assignment


def _send(tx: Transaction, caller: Caller, a: Assignment, now: datetime, *, overridden: bool = False) -> None:
    """What sending a team does: the mission assigned, its members on mission, the record kept."""
    tx.missions.set_status(a.mission_id, MissionStatus.ASSIGNED)
    tx.shinobi.set_status(a.shinobi_ids, ShinobiStatus.ON_MISSION)
    record(tx, now, caller, "assignment.created", f"mission:{a.mission_id}", assignment_id=a.id,
           shinobi_ids=list(a.shinobi_ids), departs_at=a.departs_at, overridden=overridden)


def _propose(tx: Transaction, caller: Caller, mission: Mission, shinobi_ids: Sequence[int], departs_at: datetime,
             now: datetime) -> Assignment:
    """Nobody is sent yet: each other member is asked, by an alert they answer."""
    a = tx.assignments.add(mission_id=mission.id, shinobi_ids=list(shinobi_ids), departs_at=departs_at,
                           by=caller.username, now=now, justification=None, status=AssignmentStatus.PROPOSED,
                           accepted_ids=[caller.shinobi_id])
    record(tx, now, caller, "assignment.proposed", f"mission:{mission.id}", assignment_id=a.id,
           shinobi_ids=list(shinobi_ids), departs_at=departs_at)
    proposer = existing(tx.shinobi.get(caller.shinobi_id))
    for sid in a.awaiting_ids:
        message = (f"{proposer.name} asks you to go with them on the {mission.rank.value}-rank mission "
                   f"“{mission.title}”, departing {timing.fmt_time(departs_at)}. Nobody is sent until every member "
                   "accepts: accept or decline.")
        alerting.raise_alert(tx, now, sid, "TEAM_PROPOSAL", message, mission_id=mission.id, assignment_id=a.id,
               subject_shinobi_id=caller.shinobi_id)
    return a


def _refuse(tx: Transaction, caller: Caller, mission: Mission, team: Sequence[ShinobiFacts], verdict: TeamVerdict,
            now: datetime, **details: object) -> None:
    """Keep the refused attempt (with every real code), tell the partners, answer with what the caller
    may read. Commits what it kept, then raises."""
    record(tx, now, caller, "assignment.refused", f"mission:{mission.id}",
           reasons=[reason_detail(r) for r in verdict.reasons], **details)
    alerting.tell_duty_of_care(tx, mission, verdict, now)
    told = [reason_detail(r) for r in as_the_caller_may_read(caller, team, verdict.reasons)]
    tx.commit()
    raise AssignmentRefused(f"the team may not go: {len(verdict.reasons)} reason(s)", details=told)


# -- answering a proposal --------------------------------------------------------------------------------
def _proposal_for(tx: Transaction, caller: Caller, assignment_id: int) -> Assignment:
    """The assignment, if the caller is one of its members; to anyone else it does not exist."""
    a = tx.assignments.get(assignment_id)
    if a is None or caller.shinobi_id not in a.shinobi_ids:
        raise NotFound("assignment", assignment_id)
    return a


@transactional(write=False)
def get_assignment(tx: Transaction, caller: Caller, assignment_id: int) -> Assignment:
    """An assignment, for its members and for the office (a clerk or the hokage cleared for its mission);
    to anyone else it does not exist."""
    a = tx.assignments.get(assignment_id)
    if a is not None and caller.shinobi_id not in a.shinobi_ids and is_office(caller):
        visible_mission(tx, caller, a.mission_id)
        return a
    return _proposal_for(tx, caller, assignment_id)


@transactional(write=False)
def my_proposals(tx: Transaction, caller: Caller, mission_id: int) -> list[Assignment]:
    """The open proposals for this mission that name the caller (made by them or asking them)."""
    visible_mission(tx, caller, mission_id)
    return tx.assignments.proposals(mission_id=mission_id, shinobi_id=caller.shinobi_id)


@transactional(write=True)
def accept_proposal(tx: Transaction, caller: Caller, assignment_id: int, now: datetime,
                    policy: FitnessPolicy) -> Assignment:
    """The caller says yes. The rules run again (a failure is the same 409 as at the proposal); when the
    last member accepts, the team is sent."""
    a = _proposal_for(tx, caller, assignment_id)
    mission = visible_mission(tx, caller, a.mission_id)
    _require_open(a)
    if caller.shinobi_id in a.accepted_ids:
        return a
    judged_at = timing.check_departure(a.departs_at, now=now, posted_at=mission.posted_at, office=is_office(caller))
    team = gather_facts(tx, a.shinobi_ids, judged_at, asking=(caller.shinobi_id, now))
    verdict = assess_team(team, mission_facts(mission), judged_at, policy)
    if verdict.reasons:
        _refuse(tx, caller, mission, team, verdict, now, assignment_id=a.id, shinobi_ids=list(a.shinobi_ids),
                departs_at=a.departs_at, on_acceptance=True)
    tx.assignments.accept(a.id, caller.shinobi_id, now)
    record(tx, now, caller, "assignment.accepted", f"mission:{mission.id}", assignment_id=a.id)
    if len(a.awaiting_ids) == 1:  # the caller was the last
        tx.assignments.activate(a.id)
        _send(tx, caller, a, now)  # its mission, members and departure are as read
    result = existing(tx.assignments.get(a.id))
    tx.commit()
    return result


@transactional(write=True)
def decline_proposal(tx: Transaction, caller: Caller, assignment_id: int, now: datetime) -> Assignment:
    """The caller says no: the proposal is declined for good, and the members who had said yes are told."""
    a = _proposal_for(tx, caller, assignment_id)
    mission = visible_mission(tx, caller, a.mission_id)
    _require_open(a)
    tx.assignments.decline(a.id, now)
    record(tx, now, caller, "assignment.declined", f"mission:{mission.id}", assignment_id=a.id)
    me = existing(tx.shinobi.get(caller.shinobi_id))
    for sid in a.accepted_ids:
        alerting.raise_alert(tx, now, sid, "TEAM_PROPOSAL_DECLINED",
               f"{me.name} declined to go on “{mission.title}”: the proposed team will not be sent.",
               mission_id=mission.id, assignment_id=a.id, subject_shinobi_id=caller.shinobi_id)
    result = existing(tx.assignments.get(a.id))
    tx.commit()
    return result


def _require_open(a: Assignment) -> None:
    if a.status is not AssignmentStatus.PROPOSED:
        raise Conflict(f"assignment {a.id} is {a.status.value}; only a proposed team is accepted or declined",
                       code="PROPOSAL_CLOSED")


# -- what the caller may read of a refusal -------------------------------------------------------------
def as_the_caller_may_read(caller: Caller, team: Sequence[ShinobiFacts], reasons: Iterable[Reason]
                           ) -> list[Reason]:
    """Every reason about a member whose fitness the caller may read (that member, medics, clerks and the
    hokage), in general words where it quotes a medical record the caller may not read; about any other
    member, one `NOT_FIT` that names no record. The audit keeps the real codes and words."""
    names = {s.id: s.name for s in team}
    may: dict[int, tuple[bool, bool]] = {}  # shinobi id: (reads their fitness, reads their medical record)
    out: list[Reason] = []
    for r in reasons:
        sid = r.shinobi_id
        if sid is None:
            out.append(r)
            continue
        if sid not in may:
            target = authz.shinobi_resource(sid)
            may[sid] = (authz.decide(caller, "checkFitness", target).allowed,
                        authz.decide(caller, "readMedical", target).allowed)
            if not may[sid][0]:
                out.append(Reason(Code.NOT_FIT, f"{names[sid]} may not go: the reasons are in records that only "
                                                "they, medics, clerks and the hokage may read", sid))
        fitness, medical = may[sid]
        if fitness:
            out.append(r if medical or r.code not in PRIVATE_CODES else discreet(r, names[sid]))
    return out


# -- a booked team, judged again ---------------------------------------------------------------------------
def _judge_booked(tx: Transaction, a: Assignment, members: Sequence[int], at: datetime, policy: FitnessPolicy,
                  *, at_the_gate: bool = False) -> tuple[Mission, list[ShinobiFacts], TeamVerdict]:
    """Every individual rule for these members of a booked team at `at`, as if this booking did not hold
    them (their own assignment is not "another mission"). At the gate they stand in front of the clerk:
    the gate log's word on where they are is not asked."""
    mission = existing(tx.missions.get(a.mission_id))
    facts = gather_facts(tx, members, at, besides=a.id)
    if at_the_gate:
        facts = [replace(f, last_gate_direction=None) for f in facts]
    verdicts: tuple[Verdict, ...] = tuple(assess(f, mission_facts(mission), at, policy) for f in facts)
    return mission, facts, TeamVerdict(members=verdicts, team_reasons=())


def check_departure_at_gate(tx: Transaction, caller: Caller, shinobi_ids: Sequence[int], at: datetime,
                            now: datetime, policy: FitnessPolicy, justification: str | None) -> None:
    """The gate logs members of a booked team out: every individual rule at the event's time. If any
    blocks (after the hokage's override, when given), the refusal is kept, the partners told, and
    AssignmentRefused raised before anyone is logged; else the members are marked as left. A gate keeper
    outside the office (an ANBU) is judged no earlier than now: a back-dated event slips nobody out."""
    judged_at = at if is_office(caller) else max(at, now)
    leaving = []
    for a in tx.assignments.booked(shinobi_ids):
        members = a.still_here(shinobi_ids)
        if members:
            leaving.append((a, members, *_judge_booked(tx, a, members, judged_at, policy, at_the_gate=True)))
    override = justification is not None
    refused = [(a, mission, facts, verdict) for a, _, mission, facts, verdict in leaving
               if verdict.blocking(override)]
    if refused:
        told: list[dict] = []
        for a, mission, facts, verdict in refused:
            record(tx, now, caller, "assignment.refused", f"mission:{mission.id}", assignment_id=a.id,
                   at_gate=at, shinobi_ids=[f.id for f in facts], reasons=[reason_detail(r) for r in verdict.reasons],
                   override_asked=override)
            alerting.tell_duty_of_care(tx, mission, verdict, now)
            told += [reason_detail(r) for r in as_the_caller_may_read(caller, facts, verdict.reasons)]
        tx.commit()
        raise AssignmentRefused(f"the gate may not let them go: {len(told)} reason(s)", details=told)
    for a, members, mission, _, verdict in leaving:
        if verdict.reasons:
            record(tx, now, caller, "assignment.override", f"mission:{mission.id}", assignment_id=a.id, at_gate=at,
                   shinobi_ids=members, justification=justification,
                   overridden=[reason_detail(r) for r in verdict.reasons])
        tx.assignments.mark_left(a.id, members, at)


def warn_if_at_risk(tx: Transaction, shinobi_ids: Iterable[int], now: datetime, policy: FitnessPolicy) -> None:
    """After a record about these shinobi: for each booked team of theirs that has not left, judge them
    again at its departure; a reason not known before sends every clerk and the hokage an
    ASSIGNMENT_AT_RISK alert (once per reason)."""
    ids = set(shinobi_ids)
    for a in tx.assignments.booked(ids):
        members = a.still_here(ids)
        if not members:
            continue
        mission, facts, verdict = _judge_booked(tx, a, members, a.departs_at, policy)
        known = tx.assignments.known_codes(a.id)
        new: dict[int, set[str]] = {}
        for f, v in zip(facts, verdict.members, strict=True):
            codes = {r.code.value for r in v.reasons} - known.get(f.id, set())
            if codes:
                new[f.id] = codes
                tx.assignments.set_known_codes(a.id, f.id, known.get(f.id, set()) | codes)
        if new:
            _tell_office(tx, a, mission, facts, new, now)


def _tell_office(tx: Transaction, a: Assignment, mission: Mission, facts: Sequence[ShinobiFacts],
                 new: dict[int, set[str]], now: datetime) -> None:
    names = {f.id: f.name for f in facts}
    office = sorted(set(tx.accounts.with_role(Role.CLERK)) | set(tx.accounts.with_role(Role.HOKAGE)))
    who = "; ".join(f"{names[s]} ({', '.join(sorted(c))})" for s, c in new.items())
    for rid in office:
        what = alerting.mission_words(tx, mission, rid)
        message = (f"Assignment {a.id}, on {what}, departing {timing.fmt_time(a.departs_at)}, is at risk: a record "
                   f"added since the booking makes {who} unfit to go. The gate will refuse them unless the "
                   "hokage overrides.")
        alerting.raise_alert(tx, now, rid, "ASSIGNMENT_AT_RISK", message, assignment_id=a.id,
                             subject_shinobi_id=next(iter(new)), mission_id=mission.id if what != "a mission" else None,
                             codes={c for cs in new.values() for c in cs})
