"""Sleep, medical restrictions and welfare holds: the records that decide who may go."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ..domain import timing
from ..domain.access import Caller
from ..domain.errors import Conflict, Invalid, NotFound
from ..domain.fatigue import SleepEpisode
from ..domain.fitness import FitnessPolicy
from ..domain.medical import Restriction, RestrictionKind, RestrictionStatus, WelfareHold
from ..domain.medical_records import (
    PILL_WINDOW,
    Injury,
    MedicalEntries,
    MedicalNote,
    Medication,
    Severity,
    Treatment,
    pill_warning,
)
from . import alerts as alerting
from . import authz
from .assignments import warn_if_at_risk
from .audit import record
from .missions import may_see, visible_mission
from .roster import get_existing
from .unit_of_work import Transaction, transactional

MAX_SLEEP_HOURS = 24


@transactional(write=True)
def log_sleep(tx: Transaction, caller: Caller, shinobi_id: int, start: datetime, end: datetime,
              now: datetime, *, policy: FitnessPolicy) -> tuple[int, SleepEpisode]:
    authz.require(tx, caller, "logSleep", authz.shinobi_resource(shinobi_id))
    get_existing(tx, shinobi_id)
    if end <= start:
        raise Invalid("a sleep episode must end after it starts", code="INTERVAL_INVALID")
    timing.check_sleep(end, now=now, ahead_allowed=authz.decide(caller, "logSleepAhead", authz.VILLAGE).allowed)
    if (end - start).total_seconds() > MAX_SLEEP_HOURS * 3600:
        raise Invalid(f"a sleep episode longer than {MAX_SLEEP_HOURS} h is not a night's sleep; "
                      "log it as separate episodes", code="SLEEP_TOO_LONG")
    clash = tx.shinobi.overlapping_sleep(shinobi_id, start, end)
    if clash is not None:
        raise Invalid("this sleep overlaps one already logged", code="SLEEP_OVERLAP",
                      details=[{"start": clash.start.isoformat(), "end": clash.end.isoformat()}])
    episode_id = tx.shinobi.add_sleep(shinobi_id, start, end, caller.username, now)
    record(tx, now, caller, "sleep.logged", f"shinobi:{shinobi_id}", start=start, end=end)
    warn_if_at_risk(tx, [shinobi_id], now, policy)
    tx.commit()
    return episode_id, SleepEpisode(start=start, end=end)


@transactional(write=False)
def list_sleep(tx: Transaction, caller: Caller, shinobi_id: int) -> list[SleepEpisode]:
    authz.require(tx, caller, "readSleep", authz.shinobi_resource(shinobi_id))
    get_existing(tx, shinobi_id)
    return tx.shinobi.sleep(shinobi_id)


@dataclass(frozen=True)
class AddRestriction:
    kind: RestrictionKind
    reason: str
    starts_at: datetime
    ends_at: datetime | None = None
    status: RestrictionStatus = RestrictionStatus.RECOMMENDED
    injury_id: int | None = None


@transactional(write=True)
def add_restriction(tx: Transaction, caller: Caller, shinobi_id: int, cmd: AddRestriction,
                    now: datetime, *, policy: FitnessPolicy) -> Restriction:
    authz.require(tx, caller, "restrictDuty", authz.shinobi_resource(shinobi_id))
    get_existing(tx, shinobi_id)
    if not cmd.reason.strip():
        raise Invalid("a restriction needs a reason", code="REASON_REQUIRED")
    if cmd.ends_at is not None and cmd.ends_at <= cmd.starts_at:
        raise Invalid("a restriction must end after it starts", code="INTERVAL_INVALID")
    if cmd.status is RestrictionStatus.FILED:
        authz.require(tx, caller, "fileRestriction", authz.shinobi_resource(shinobi_id),
                      message="a restriction is recorded as recommended; only the hokage files it")
    if cmd.injury_id is not None:
        _injury_of(tx, shinobi_id, cmd.injury_id)
    r = tx.medical.add_restriction(shinobi_id=shinobi_id, kind=cmd.kind, status=cmd.status, reason=cmd.reason,
                                   starts_at=cmd.starts_at, ends_at=cmd.ends_at, by=caller.username, now=now,
                                   injury_id=cmd.injury_id)
    record(tx, now, caller, "restriction.created", f"shinobi:{shinobi_id}", restriction_id=r.id,
           kind=cmd.kind.value, status=cmd.status.value, starts_at=cmd.starts_at, ends_at=cmd.ends_at)
    warn_if_at_risk(tx, [shinobi_id], now, policy)
    tx.commit()
    return r


def _get_restriction(tx: Transaction, restriction_id: int) -> Restriction:
    r = tx.medical.get_restriction(restriction_id)
    if r is None:
        raise NotFound("restriction", restriction_id)
    return r


@transactional(write=True)
def file_restriction(tx: Transaction, caller: Caller, restriction_id: int, now: datetime) -> Restriction:
    """Paperwork: sets the status to filed and changes no fitness. Filing twice is harmless."""
    r = _get_restriction(tx, restriction_id)
    authz.require(tx, caller, "fileRestriction", authz.shinobi_resource(r.shinobi_id))
    if r.status is not RestrictionStatus.FILED:
        tx.medical.file_restriction(restriction_id, caller.username, now)
        record(tx, now, caller, "restriction.filed", f"restriction:{restriction_id}", shinobi_id=r.shinobi_id)
    result = _get_restriction(tx, restriction_id)
    tx.commit()
    return result


@transactional(write=True)
def lift_restriction(tx: Transaction, caller: Caller, restriction_id: int, at: datetime, note: str | None,
                     now: datetime) -> Restriction:
    r = _get_restriction(tx, restriction_id)
    authz.require(tx, caller, "liftRestriction", authz.shinobi_resource(r.shinobi_id))
    if r.lifted_at is not None:
        raise Conflict(f"restriction {restriction_id} was already lifted", code="ALREADY_LIFTED")
    if at < r.starts_at:
        raise Invalid("a restriction cannot be lifted before it starts", code="INTERVAL_INVALID")
    tx.medical.lift_restriction(restriction_id, at, note)
    record(tx, now, caller, "restriction.lifted", f"restriction:{restriction_id}", shinobi_id=r.shinobi_id, at=at)
    result = _get_restriction(tx, restriction_id)
    tx.commit()
    return result


@transactional(write=False)
def list_restrictions(tx: Transaction, caller: Caller, shinobi_id: int) -> list[Restriction]:
    authz.require(tx, caller, "readMedical", authz.shinobi_resource(shinobi_id))
    get_existing(tx, shinobi_id)
    return tx.medical.restrictions_for([shinobi_id])[shinobi_id]


@transactional(write=True)
def add_hold(tx: Transaction, caller: Caller, shinobi_id: int, reason: str, since: datetime,
             now: datetime, *, policy: FitnessPolicy) -> WelfareHold:
    authz.require(tx, caller, "placeHold", authz.shinobi_resource(shinobi_id))
    get_existing(tx, shinobi_id)
    if not reason.strip():
        raise Invalid("a welfare hold needs a reason", code="REASON_REQUIRED")
    h = tx.medical.add_hold(shinobi_id=shinobi_id, reason=reason, since=since, mission_id=None,
                            by=caller.username, now=now)
    record(tx, now, caller, "welfare_hold.created", f"shinobi:{shinobi_id}", hold_id=h.id, since=since)
    warn_if_at_risk(tx, [shinobi_id], now, policy)
    tx.commit()
    return h


@transactional(write=True)
def lift_hold(tx: Transaction, caller: Caller, hold_id: int, at: datetime, note: str, now: datetime
              ) -> WelfareHold:
    h = tx.medical.get_hold(hold_id)
    if h is None:
        raise NotFound("welfare_hold", hold_id)
    authz.require(tx, caller, "liftHold", authz.shinobi_resource(h.shinobi_id))
    if h.lifted_at is not None:
        raise Conflict(f"welfare hold {hold_id} was already lifted", code="ALREADY_LIFTED")
    if at < h.since:
        raise Invalid("a hold cannot be lifted before it began", code="INTERVAL_INVALID")
    if not note.strip():
        raise Invalid("lifting a welfare hold needs the review's note", code="NOTE_REQUIRED")
    tx.medical.lift_hold(hold_id, at, note)
    alerting.close_reviews(tx, hold_id, caller.username, now)
    record(tx, now, caller, "welfare_hold.lifted", f"welfare_hold:{hold_id}", shinobi_id=h.shinobi_id, at=at)
    result = tx.medical.get_hold(hold_id)
    assert result is not None  # the hold just lifted
    tx.commit()
    return result


@transactional(write=False)
def list_holds(tx: Transaction, caller: Caller, shinobi_id: int) -> list[WelfareHold]:
    authz.require(tx, caller, "readMedical", authz.shinobi_resource(shinobi_id))
    get_existing(tx, shinobi_id)
    return tx.medical.holds_for([shinobi_id])[shinobi_id]


# -- the medical record: injuries, treatments, medication, notes -------------------------------------------
@dataclass(frozen=True)
class DoseRecorded:
    """A dose recorded, and the warnings it raised (chakra pills over the limit in 24 hours)."""

    dose: Medication
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class MedicalRecord:
    """A shinobi's whole record, each list oldest first."""

    injuries: tuple[Injury, ...]
    treatments: tuple[Treatment, ...]
    medications: tuple[Medication, ...]
    notes: tuple[MedicalNote, ...]
    restrictions: tuple[Restriction, ...]
    welfare_holds: tuple[WelfareHold, ...]


def _injury_of(tx: Transaction, shinobi_id: int, injury_id: int) -> Injury:
    injury: Injury | None = tx.medical.get_injury(injury_id)
    if injury is None:
        raise NotFound("injury", injury_id)
    if injury.shinobi_id != shinobi_id:
        raise Invalid(f"injury {injury_id} is not in this shinobi's record", code="INJURY_OF_ANOTHER",
                      details=[{"injury_id": injury_id}])
    return injury


@dataclass(frozen=True)
class AddInjury:
    body_part: str
    kind: str
    severity: Severity
    at: datetime
    notes: str | None = None
    mission_id: int | None = None


@transactional(write=True)
def add_injury(tx: Transaction, caller: Caller, shinobi_id: int, cmd: AddInjury, now: datetime) -> Injury:
    authz.require(tx, caller, "recordInjury", authz.shinobi_resource(shinobi_id))
    get_existing(tx, shinobi_id)
    if cmd.mission_id is not None:
        visible_mission(tx, caller, cmd.mission_id)
    injury: Injury = tx.medical.enter_injury(shinobi_id=shinobi_id, body_part=cmd.body_part, kind=cmd.kind,
                                             severity=cmd.severity.value, at=cmd.at, mission_id=cmd.mission_id,
                                             notes=cmd.notes, by=caller.username, now=now)
    record(tx, now, caller, "injury.recorded", f"shinobi:{shinobi_id}", injury_id=injury.id)
    tx.commit()
    return injury


@transactional(write=True)
def add_treatment(tx: Transaction, caller: Caller, shinobi_id: int, kind: str, at: datetime,
                  injury_id: int | None, notes: str | None, now: datetime) -> Treatment:
    """A healing session, given by the calling medic."""
    authz.require(tx, caller, "recordTreatment", authz.shinobi_resource(shinobi_id))
    get_existing(tx, shinobi_id)
    if injury_id is not None:
        _injury_of(tx, shinobi_id, injury_id)
    treatment: Treatment = tx.medical.add_treatment(shinobi_id=shinobi_id, kind=kind, at=at,
                                                    medic_id=caller.shinobi_id, injury_id=injury_id, notes=notes,
                                                    now=now)
    record(tx, now, caller, "treatment.recorded", f"shinobi:{shinobi_id}", treatment_id=treatment.id)
    tx.commit()
    return treatment


@dataclass(frozen=True)
class AddMedication:
    drug: str
    amount: float
    unit: str
    at: datetime
    injury_id: int | None = None


@transactional(write=True)
def add_medication(tx: Transaction, caller: Caller, shinobi_id: int, cmd: AddMedication, now: datetime
                   ) -> DoseRecorded:
    """Record a dose; warns (never refuses) when chakra pills exceed the limit in 24 hours."""
    authz.require(tx, caller, "recordMedication", authz.shinobi_resource(shinobi_id))
    get_existing(tx, shinobi_id)
    if cmd.amount <= 0:
        raise Invalid("a dose must be more than zero", code="DOSE_INVALID")
    if cmd.injury_id is not None:
        _injury_of(tx, shinobi_id, cmd.injury_id)
    dose: Medication = tx.medical.add_medication(shinobi_id=shinobi_id, drug=cmd.drug, amount=cmd.amount,
                                                 unit=cmd.unit, at=cmd.at, injury_id=cmd.injury_id,
                                                 by=caller.username, now=now)
    nearby = tx.medical.doses(shinobi_id, cmd.at - PILL_WINDOW, cmd.at + PILL_WINDOW)
    warning = pill_warning(nearby, cmd.at)
    warnings = [warning] if warning else []
    record(tx, now, caller, "medication.recorded", f"shinobi:{shinobi_id}", medication_id=dose.id,
           drug=cmd.drug, amount=cmd.amount, warnings=warnings)
    tx.commit()
    return DoseRecorded(dose=dose, warnings=tuple(warnings))


@transactional(write=True)
def add_note(tx: Transaction, caller: Caller, shinobi_id: int, text: str, at: datetime, now: datetime
             ) -> MedicalNote:
    authz.require(tx, caller, "writeMedicalNote", authz.shinobi_resource(shinobi_id))
    get_existing(tx, shinobi_id)
    if not text.strip():
        raise Invalid("a note needs text", code="TEXT_REQUIRED")
    note: MedicalNote = tx.medical.add_note(shinobi_id=shinobi_id, text_=text, at=at, by=caller.username, now=now)
    record(tx, now, caller, "medical_note.recorded", f"shinobi:{shinobi_id}", note_id=note.id)
    tx.commit()
    return note


@transactional(write=False)
def medical_record(tx: Transaction, caller: Caller, shinobi_id: int) -> MedicalRecord:
    """The whole record: for medics, the hokage and the shinobi themself."""
    authz.require(tx, caller, "readMedical", authz.shinobi_resource(shinobi_id))
    get_existing(tx, shinobi_id)
    entries: MedicalEntries = tx.medical.entries_of(shinobi_id)
    injuries = list(entries.injuries)
    named = tx.missions.get_many({i.mission_id for i in injuries if i.mission_id is not None})
    seen = {mid for mid, m in named.items() if may_see(tx, caller, m)}
    # the record never names a mission the reader may not see
    injuries = [i if i.mission_id is None or i.mission_id in seen else replace(i, mission_id=None) for i in injuries]
    return MedicalRecord(injuries=tuple(injuries), treatments=entries.treatments, medications=entries.medications,
                         notes=entries.notes,
                         restrictions=tuple(tx.medical.restrictions_for([shinobi_id])[shinobi_id]),
                         welfare_holds=tuple(tx.medical.holds_for([shinobi_id])[shinobi_id]))
