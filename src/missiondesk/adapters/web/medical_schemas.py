"""The shapes of the medical record: injuries, treatments, medication, notes, and the whole record."""
from __future__ import annotations

from pydantic import AwareDatetime, BaseModel

from ...domain.medical_records import Injury, MedicalNote, Medication, Treatment
from ...services.medical import DoseRecorded, MedicalRecord
from .schemas import HoldRead, RestrictionRead


class InjuryRead(BaseModel):
    id: int
    shinobi_id: int
    body_part: str
    kind: str
    severity: str
    at: AwareDatetime
    mission_id: int | None  # null too when the reader may not see the mission
    notes: str | None
    recorded_by: str | None

    @classmethod
    def of(cls, i: Injury) -> InjuryRead:
        return cls(id=i.id, shinobi_id=i.shinobi_id, body_part=i.body_part, kind=i.kind, severity=i.severity,
                   at=i.at, mission_id=i.mission_id, notes=i.notes, recorded_by=i.recorded_by)


class TreatmentRead(BaseModel):
    id: int
    shinobi_id: int
    kind: str
    at: AwareDatetime
    medic_id: int | None
    injury_id: int | None
    notes: str | None

    @classmethod
    def of(cls, t: Treatment) -> TreatmentRead:
        return cls(id=t.id, shinobi_id=t.shinobi_id, kind=t.kind, at=t.at, medic_id=t.medic_id,
                   injury_id=t.injury_id, notes=t.notes)


class MedicationRead(BaseModel):
    id: int
    shinobi_id: int
    drug: str
    amount: float
    unit: str
    at: AwareDatetime
    injury_id: int | None
    recorded_by: str | None

    @classmethod
    def of(cls, m: Medication) -> MedicationRead:
        return cls.model_validate(m, from_attributes=True)


class MedicationRecordedRead(MedicationRead):
    """The dose just recorded, and its warnings (chakra pills over the limit in 24 hours: recorded, and said)."""

    warnings: list[str]

    @classmethod
    def recorded(cls, r: DoseRecorded) -> MedicationRecordedRead:
        return cls(**dict(MedicationRead.of(r.dose)), warnings=list(r.warnings))


class MedicalNoteRead(BaseModel):
    id: int
    shinobi_id: int
    text: str
    at: AwareDatetime
    recorded_by: str | None

    @classmethod
    def of(cls, n: MedicalNote) -> MedicalNoteRead:
        return cls(id=n.id, shinobi_id=n.shinobi_id, text=n.text, at=n.at, recorded_by=n.recorded_by)


class MedicalRecordRead(BaseModel):
    """The whole record, each list oldest first."""

    injuries: list[InjuryRead]
    treatments: list[TreatmentRead]
    medications: list[MedicationRead]
    notes: list[MedicalNoteRead]
    restrictions: list[RestrictionRead]
    welfare_holds: list[HoldRead]

    @classmethod
    def of(cls, r: MedicalRecord) -> MedicalRecordRead:
        return cls(injuries=[InjuryRead.of(i) for i in r.injuries],
                   treatments=[TreatmentRead.of(t) for t in r.treatments],
                   medications=[MedicationRead.of(m) for m in r.medications],
                   notes=[MedicalNoteRead.of(n) for n in r.notes],
                   restrictions=[RestrictionRead.of(x) for x in r.restrictions],
                   welfare_holds=[HoldRead.of(h) for h in r.welfare_holds])
