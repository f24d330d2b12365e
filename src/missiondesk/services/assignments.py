"""Sending a team: every rule checked, every refusal recorded, partners told, overrides kept."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain.access import Caller
from ..domain.errors import AssignmentRefused, Invalid
from ..domain.fitness import (
    DUTY_OF_CARE_CODES,
    PRIVATE_CODES,
    FitnessPolicy,
    Reason,
    TeamVerdict,
    assess_team,
    discreet,
)
from ..domain.missions import Mission
from ..domain.ranks import MissionStatus, ShinobiStatus
from ..domain.roster import Assignment
from . import authz
from .audit import record
from .fitness import gather_facts, mission_facts
from .missions import visible_mission
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
    return {"shinobi_id": r.shinobi_id, "code": r.code.value, "message": r.message}


@transactional(write=True)
def assign_team(tx: Transaction, caller: Caller, mission_id: int, cmd: AssignTeam, now: datetime,
                policy: FitnessPolicy) -> Assignment:
    if cmd.override:
        authz.require(tx, caller, "override", message="an override is the hokage's alone")
        if not cmd.override_justification.strip():
            raise Invalid("an override needs a written justification", code="JUSTIFICATION_REQUIRED")
    mission = visible_mission(tx, caller, mission_id)
    authz.require(tx, caller, "assignTeam", authz.mission_resource(mission.id, mission.classification),
                  context={"in_team": caller.shinobi_id in cmd.shinobi_ids},
                  message="you may assign a team only when you are in it")
    if not cmd.shinobi_ids:
        raise Invalid("name at least one shinobi", code="TEAM_EMPTY")
    if len(set(cmd.shinobi_ids)) != len(cmd.shinobi_ids):
        raise Invalid("a shinobi is named twice in the team", code="TEAM_DUPLICATE")
    departs_at = cmd.departs_at or now
    team = gather_facts(tx, cmd.shinobi_ids, departs_at)
    verdict = assess_team(team, mission_facts(mission), departs_at, policy)
    blocking = verdict.blocking(cmd.override)
    details = [reason_detail(r) for r in verdict.reasons]
    if blocking:
        record(tx, now, caller, "assignment.refused", f"mission:{mission_id}", shinobi_ids=list(cmd.shinobi_ids),
               departs_at=departs_at, reasons=details, override_asked=cmd.override)
        _tell_partners(tx, mission, verdict, now)
        told = [reason_detail(r) for r in _as_the_caller_may_read(tx, caller, team, verdict.reasons)]
        tx.commit()
        raise AssignmentRefused(f"the team may not go: {len(verdict.reasons)} reason(s)", details=told)
    if verdict.reasons:  # all overridable, and the hokage overrides them
        record(tx, now, caller, "assignment.override", f"mission:{mission_id}", shinobi_ids=list(cmd.shinobi_ids),
               departs_at=departs_at, justification=cmd.override_justification, overridden=details)
    assignment = tx.assignments.add(mission_id=mission_id, shinobi_ids=list(cmd.shinobi_ids), departs_at=departs_at,
                                    by=caller.username, now=now,
                                    justification=cmd.override_justification if verdict.reasons else None)
    tx.missions.set_status(mission_id, MissionStatus.ASSIGNED)
    tx.shinobi.set_status(cmd.shinobi_ids, ShinobiStatus.ON_MISSION)
    record(tx, now, caller, "assignment.created", f"mission:{mission_id}", assignment_id=assignment.id,
           shinobi_ids=list(cmd.shinobi_ids), departs_at=departs_at, overridden=bool(verdict.reasons))
    tx.commit()
    return assignment


def _as_the_caller_may_read(tx: Transaction, caller: Caller, team: list, reasons: tuple[Reason, ...]
                            ) -> list[Reason]:
    """Every reason, each code kept; what a teammate's medical record says only for those who may read it."""
    names = {s.id: s.name for s in team}
    readable: dict[int, bool] = {}
    out = []
    for r in reasons:
        if r.code in PRIVATE_CODES and r.shinobi_id is not None:
            if r.shinobi_id not in readable:
                readable[r.shinobi_id] = authz.decide(caller, "readMedical",
                                                      authz.shinobi_resource(r.shinobi_id)).allowed
            if not readable[r.shinobi_id]:
                r = discreet(r, names[r.shinobi_id])
        out.append(r)
    return out


def _tell_partners(tx: Transaction, mission: Mission, verdict: TeamVerdict, now: datetime) -> None:
    """One DUTY_OF_CARE alert per partner per refused A/S attempt, naming every at-risk shinobi of
    theirs in it and the codes; it never names a mission the partner may not see."""
    if not mission.rank.high_risk:
        return
    at_risk: dict[int, list[str]] = {}
    for member in verdict.members:
        codes = sorted({r.code.value for r in member.reasons if r.code in DUTY_OF_CARE_CODES})
        if codes:
            at_risk[member.reasons[0].shinobi_id] = codes
    if not at_risk:
        return
    subjects = tx.shinobi.get_many(at_risk)
    told: dict[int, list[int]] = {}
    for sid in at_risk:
        for p in subjects[sid].partner_ids:
            told.setdefault(p, []).append(sid)
    partners = tx.shinobi.get_many(told)
    roles = tx.accounts.roles_of_shinobi(told)
    for pid, about in told.items():
        p = partners[pid]
        as_partner = Caller(account_id=0, username=f"shinobi-{p.id}", shinobi_id=p.id, roles=roles[p.id],
                            clearance=p.clearance, divisions=frozenset(p.divisions))
        cleared = authz.decide(as_partner, "viewMission",
                               authz.mission_resource(mission.id, mission.classification)).allowed
        what = f"the {mission.rank.value}-rank mission “{mission.title}”" if cleared else "a mission"
        who = "; ".join(f"{subjects[s].name} ({', '.join(at_risk[s])})" for s in about)
        message = (f"Refused for their own safety when asking to depart on {what}: {who}. "
                   "You are their designated partner.")
        codes = sorted({c for s in about for c in at_risk[s]})
        alert_id = tx.alerts.add(recipient_id=p.id, kind="DUTY_OF_CARE", subject_shinobi_id=about[0],
                                 mission_id=mission.id, codes=codes, message=message, now=now)
        record(tx, now, None, "alert.created", f"shinobi:{p.id}", alert_id=alert_id, kind="DUTY_OF_CARE",
               subject_shinobi_ids=about)
