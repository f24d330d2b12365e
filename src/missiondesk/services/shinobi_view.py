"""One read for a shinobi's page: what the caller may read of the record, and what they may do to it.

One unit of work; the template renders what it is given and runs no queries.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ..domain.access import Caller
from ..domain.fatigue import SleepEpisode
from ..domain.fitness import FitnessPolicy, Verdict, assess
from ..domain.gate import GateLogEntry
from ..domain.medical import Restriction, RestrictionKind, WelfareHold
from ..domain.medical_records import (
    CHAKRA_PILL,
    PILL_WINDOW,
    Dose,
    Injury,
    MedicalNote,
    Medication,
    Treatment,
    pill_warning,
)
from ..domain.roster import Shinobi
from . import authz
from .fitness import Forecast, forecast_of, gather_facts
from .missions import may_see
from .roster import get_existing
from .unit_of_work import Transaction, transactional

GATE_DAYS = 14  # the gate history shown: the last two weeks
SLEEP_SHOWN = 14

# What a medic (or the hokage) may do on the page, by the policy's action names.
MEDIC_ACTIONS = ("restrictDuty", "fileRestriction", "liftRestriction", "placeHold", "liftHold", "recordInjury",
                 "recordTreatment", "recordMedication", "writeMedicalNote", "logSleep")


@dataclass(frozen=True)
class RecordedBy:
    """Who recorded a change and when, from the audit log (None when the log has no entry)."""
    actor: str | None
    at: datetime


@dataclass(frozen=True)
class RestrictionLine:
    restriction: Restriction
    state: str  # "open" (recommended, in force), "filed", "lifted", "ended" (its planned end is past)
    created: RecordedBy | None = None
    filed: RecordedBy | None = None
    lifted: RecordedBy | None = None

    @property
    def open(self) -> bool:
        return self.restriction.lifted_at is None


@dataclass(frozen=True)
class HoldLine:
    hold: WelfareHold
    created: RecordedBy | None = None
    lifted: RecordedBy | None = None

    @property
    def state(self) -> str:
        return "lifted" if self.hold.lifted_at is not None else "open"


@dataclass(frozen=True)
class MedicationLine:
    dose: Medication
    warning: str | None  # the chakra-pill warning the service gives, for the 24 hours around this dose


@dataclass(frozen=True)
class MedicalView:
    restrictions: list[RestrictionLine]
    holds: list[HoldLine]
    injuries: list[Injury]
    treatments: list[Treatment]
    medications: list[MedicationLine]
    notes: list[MedicalNote]
    medic_names: dict[int, str] = field(default_factory=dict)

    @property
    def rest_orders(self) -> list[Restriction]:
        return [line.restriction for line in self.restrictions if line.restriction.kind is RestrictionKind.REST]


@dataclass(frozen=True)
class MissionLine:
    """One mission the shinobi was sent on, as the caller may see it."""
    mission_id: int
    title: str
    rank: str
    departs_at: datetime
    ended_at: datetime | None
    outcome: str  # "under way", "success", "failure", "aborted"
    left: bool  # logged out through the gate for it


OUTCOME = {"assigned": "under way", "completed": "success", "failed": "failure", "cancelled": "aborted"}
MISSIONS_SHOWN = 20


@dataclass(frozen=True)
class ShinobiPage:
    shinobi: Shinobi
    medical: MedicalView | None  # None: the caller may not read it
    sleep: list[SleepEpisode] | None
    gate: list[GateLogEntry] | None  # recent gate events, newest first
    missions: list[MissionLine] | None  # the missions they were sent on that the caller may see, newest first
    may: frozenset[str]  # MEDIC_ACTIONS the caller may do on this shinobi
    names: dict[int, str] = field(default_factory=dict)  # the shinobi's and their partners'
    duty: Verdict | None = None  # fit to go now, every reason; None: the caller may not check their fitness
    forecast: Forecast | None = None  # the next hours' fatigue, as the rules judge it; None likewise


def _state(r: Restriction, now: datetime) -> str:
    if r.lifted_at is not None:
        return "lifted"
    if r.ends_at is not None and r.ends_at <= now:
        return "ended"
    return r.status.value if r.status.value == "filed" else "open"


def _provenance(tx: Transaction, shinobi_id: int, restrictions: list[Restriction], holds: list[WelfareHold]
                ) -> tuple[dict[tuple[str, int], RecordedBy], ...]:
    """Who recorded, filed and lifted each order and hold, from the audit log: one read of the entries about
    this shinobi, and one per order or hold for its filing and lifting."""
    created: dict[tuple[str, int], RecordedBy] = {}
    for e in tx.audit.list(target=f"shinobi:{shinobi_id}", action="restriction.created"):
        created[("r", int(e.details.get("restriction_id", 0)))] = RecordedBy(e.actor, e.at)
    for e in tx.audit.list(target=f"shinobi:{shinobi_id}", action="welfare_hold.created"):
        created[("h", int(e.details.get("hold_id", 0)))] = RecordedBy(e.actor, e.at)
    later: dict[tuple[str, int], RecordedBy] = {}
    for r in restrictions:
        for e in tx.audit.list(target=f"restriction:{r.id}"):
            later[(e.action, r.id)] = RecordedBy(e.actor, e.at)
    for h in holds:
        for e in tx.audit.list(target=f"welfare_hold:{h.id}"):
            later[(e.action, h.id)] = RecordedBy(e.actor, e.at)
    return created, later


def _medical(tx: Transaction, caller: Caller, shinobi_id: int, now: datetime) -> MedicalView:
    authz.require(tx, caller, "readMedical", authz.shinobi_resource(shinobi_id))  # audited as medical.read
    rec = tx.medical.entries_of(shinobi_id)
    missions = tx.missions.get_many({i.mission_id for i in rec.injuries if i.mission_id is not None})
    seen = {mid for mid, m in missions.items() if may_see(tx, caller, m)}
    # the record never names a mission the reader may not see
    injuries = [i if i.mission_id is None or i.mission_id in seen else replace(i, mission_id=None)
                for i in rec.injuries]
    restrictions = tx.medical.restrictions_for([shinobi_id])[shinobi_id]
    holds = tx.medical.holds_for([shinobi_id])[shinobi_id]
    created, later = _provenance(tx, shinobi_id, restrictions, holds)
    doses = [Dose(drug=d.drug, amount=d.amount, at=d.at) for d in rec.medications]
    # the service's own warning for each pill: the doses within a day either side, the windows from this one on
    meds = [MedicationLine(d, pill_warning([x for x in doses if abs(x.at - d.at) <= PILL_WINDOW], d.at)
                           if d.drug == CHAKRA_PILL else None) for d in rec.medications]
    medics = tx.shinobi.get_many({t.medic_id for t in rec.treatments if t.medic_id is not None}, links=False)
    return MedicalView(
        restrictions=[RestrictionLine(r, _state(r, now), created.get(("r", r.id)),
                                      later.get(("restriction.filed", r.id)), later.get(("restriction.lifted", r.id)))
                      for r in restrictions],
        holds=[HoldLine(h, created.get(("h", h.id)), later.get(("welfare_hold.lifted", h.id))) for h in holds],
        injuries=injuries, treatments=list(rec.treatments), medications=meds, notes=list(rec.notes),
        medic_names={i: s.name for i, s in medics.items()})


FORECAST_HOURS, FORECAST_STEP_MINUTES = 48, 30  # the chart on the page


@transactional(write=False)
def shinobi_page(tx: Transaction, caller: Caller, shinobi_id: int, now: datetime, policy: FitnessPolicy
                 ) -> ShinobiPage:
    """The shinobi, and what of their record the caller may read: medical (orders, holds, injuries, treatments,
    medication with the chakra-pill warning, notes), sleep, the last two weeks at the gate, and their fitness now
    with the next two days' forecast (from one gathering of their facts), in one read."""
    s = get_existing(tx, shinobi_id)
    me = authz.shinobi_resource(shinobi_id)
    may = frozenset(a for a in MEDIC_ACTIONS if authz.decide(caller, a, me).allowed)
    medical = _medical(tx, caller, shinobi_id, now) if authz.decide(caller, "readMedical", me).allowed else None
    sleep = None
    if authz.decide(caller, "readSleep", me).allowed:
        sleep = tx.shinobi.sleep(shinobi_id)[-SLEEP_SHOWN:]
    gate = None
    if authz.decide(caller, "checkFitness", me).allowed:  # the shinobi, medics, clerks, the hokage
        events = tx.gate.log(shinobi_id=shinobi_id, since=now - timedelta(days=GATE_DAYS), until=now
                             + timedelta(seconds=1))
        gate = list(reversed(events))
    history = _missions(tx, caller, shinobi_id) if gate is not None else None
    names = tx.shinobi.names({s.id, *s.partner_ids})
    duty = forecast = None
    if gate is not None:  # checkFitness, as above
        (facts,) = gather_facts(tx, [shinobi_id], now)
        duty = assess(facts, None, now, policy)
        forecast = forecast_of(facts, now, FORECAST_HOURS, FORECAST_STEP_MINUTES, policy)
    return ShinobiPage(shinobi=s, medical=medical, sleep=sleep, gate=gate, missions=history, may=may, names=names,
                       duty=duty, forecast=forecast)


def _missions(tx: Transaction, caller: Caller, shinobi_id: int) -> list[MissionLine]:
    """The teams they were sent with (active or closed), on missions the caller may see, newest departure first:
    their teams by a query on the members, then those teams' missions."""
    teams = tx.assignments.sent_with(shinobi_id)
    missions = {i: m for i, m in tx.missions.get_many(a.mission_id for a in teams).items()
                if m.status.value in OUTCOME}
    teams = [a for a in teams if a.mission_id in missions]
    teams.sort(key=lambda a: a.departs_at, reverse=True)
    out = []
    for a in teams:
        m = missions[a.mission_id]
        if not may_see(tx, caller, m):
            continue
        out.append(MissionLine(mission_id=m.id, title=m.title, rank=m.rank.value, departs_at=a.departs_at,
                               ended_at=a.ended_at, outcome=OUTCOME[m.status.value],
                               left=shinobi_id in a.left_ids))
        if len(out) == MISSIONS_SHOWN:
            break
    return out
