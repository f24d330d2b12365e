from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from ....services import fitness, medical
from ..deps import CurrentCaller, Deps, Now
from ..medical_schemas import InjuryRead, MedicalNoteRead, MedicalRecordRead, MedicationRecordedRead, TreatmentRead
from ..schemas import (
    FitnessRead,
    HoldCreate,
    HoldLift,
    HoldRead,
    InjuryCreate,
    LiftRequest,
    MedicationCreate,
    NoteCreate,
    RestrictionCreate,
    RestrictionRead,
    TreatmentCreate,
)
from .common import PathId, QueryId, aware

router = APIRouter(tags=["medical"])


@router.post("/shinobi/{shinobi_id}/restrictions", status_code=201, response_model=RestrictionRead)
def add_restriction(shinobi_id: PathId, body: RestrictionCreate, caller: CurrentCaller, c: Deps,
                    now: Now) -> RestrictionRead:
    cmd = medical.AddRestriction(kind=body.kind, reason=body.reason, starts_at=body.starts_at, ends_at=body.ends_at,
                                 status=body.status, injury_id=body.injury_id)
    return RestrictionRead.of(medical.add_restriction(c.uow, caller, shinobi_id, cmd, now, policy=c.policy))


@router.get("/shinobi/{shinobi_id}/restrictions", response_model=list[RestrictionRead])
def list_restrictions(shinobi_id: PathId, caller: CurrentCaller, c: Deps) -> list[RestrictionRead]:
    return [RestrictionRead.of(r) for r in medical.list_restrictions(c.uow, caller, shinobi_id)]


@router.post("/restrictions/{restriction_id}/file", response_model=RestrictionRead)
def file_restriction(restriction_id: PathId, caller: CurrentCaller, c: Deps, now: Now) -> RestrictionRead:
    return RestrictionRead.of(medical.file_restriction(c.uow, caller, restriction_id, now))


@router.post("/restrictions/{restriction_id}/lift", response_model=RestrictionRead)
def lift_restriction(restriction_id: PathId, body: LiftRequest, caller: CurrentCaller, c: Deps,
                     now: Now) -> RestrictionRead:
    return RestrictionRead.of(medical.lift_restriction(c.uow, caller, restriction_id, body.at, body.note, now))


@router.post("/shinobi/{shinobi_id}/welfare-holds", status_code=201, response_model=HoldRead)
def add_hold(shinobi_id: PathId, body: HoldCreate, caller: CurrentCaller, c: Deps, now: Now) -> HoldRead:
    return HoldRead.of(medical.add_hold(c.uow, caller, shinobi_id, body.reason, body.since, now, policy=c.policy))


@router.get("/shinobi/{shinobi_id}/welfare-holds", response_model=list[HoldRead])
def list_holds(shinobi_id: PathId, caller: CurrentCaller, c: Deps) -> list[HoldRead]:
    return [HoldRead.of(h) for h in medical.list_holds(c.uow, caller, shinobi_id)]


@router.post("/welfare-holds/{hold_id}/lift", response_model=HoldRead)
def lift_hold(hold_id: PathId, body: HoldLift, caller: CurrentCaller, c: Deps, now: Now) -> HoldRead:
    return HoldRead.of(medical.lift_hold(c.uow, caller, hold_id, body.at, body.note, now))


@router.get("/shinobi/{shinobi_id}/fitness", response_model=FitnessRead)
def check_fitness(shinobi_id: PathId, caller: CurrentCaller, c: Deps, now: Now,
                  mission_id: QueryId = None, at: datetime | None = Query(default=None)) -> FitnessRead:
    when = aware(at, "at") if at is not None else now
    verdict = fitness.check_fitness(c.uow, caller, shinobi_id, mission_id=mission_id, at=when, policy=c.policy)
    return FitnessRead.of(shinobi_id, mission_id, when, verdict)


@router.get("/shinobi/{shinobi_id}/medical", response_model=MedicalRecordRead)
def medical_record(shinobi_id: PathId, caller: CurrentCaller, c: Deps) -> MedicalRecordRead:
    return MedicalRecordRead.of(medical.medical_record(c.uow, caller, shinobi_id))


@router.post("/shinobi/{shinobi_id}/injuries", status_code=201, response_model=InjuryRead)
def add_injury(shinobi_id: PathId, body: InjuryCreate, caller: CurrentCaller, c: Deps, now: Now) -> InjuryRead:
    cmd = medical.AddInjury(body_part=body.body_part, kind=body.kind, severity=body.severity, at=body.at,
                            notes=body.notes, mission_id=body.mission_id)
    return InjuryRead.of(medical.add_injury(c.uow, caller, shinobi_id, cmd, now))


@router.post("/shinobi/{shinobi_id}/treatments", status_code=201, response_model=TreatmentRead)
def add_treatment(shinobi_id: PathId, body: TreatmentCreate, caller: CurrentCaller, c: Deps,
                  now: Now) -> TreatmentRead:
    return TreatmentRead.of(medical.add_treatment(c.uow, caller, shinobi_id, body.kind, body.at, body.injury_id,
                                                  body.notes, now))


@router.post("/shinobi/{shinobi_id}/medications", status_code=201, response_model=MedicationRecordedRead)
def add_medication(shinobi_id: PathId, body: MedicationCreate, caller: CurrentCaller, c: Deps,
                   now: Now) -> MedicationRecordedRead:
    cmd = medical.AddMedication(drug=body.drug, amount=body.amount, unit=body.unit, at=body.at,
                                injury_id=body.injury_id)
    return MedicationRecordedRead.recorded(medical.add_medication(c.uow, caller, shinobi_id, cmd, now))


@router.post("/shinobi/{shinobi_id}/medical-notes", status_code=201, response_model=MedicalNoteRead)
def add_note(shinobi_id: PathId, body: NoteCreate, caller: CurrentCaller, c: Deps, now: Now) -> MedicalNoteRead:
    return MedicalNoteRead.of(medical.add_note(c.uow, caller, shinobi_id, body.text, body.at, now))
