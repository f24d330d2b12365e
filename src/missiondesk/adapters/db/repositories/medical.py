"""Restrictions, welfare holds and the medical record."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update

from ....domain.medical import Restriction, RestrictionKind, RestrictionStatus, WelfareHold
from ....domain.medical_records import Dose, Injury, MedicalEntries, MedicalNote, Medication, Treatment
from ..tables import InjuryRow, MedicalNoteRow, MedicationRow, RestrictionRow, TreatmentRow, WelfareHoldRow
from .base import _Repo


class MedicalRepository(_Repo):
    def add_restriction(self, *, shinobi_id: int, kind: RestrictionKind, status: RestrictionStatus,
                        reason: str, starts_at: datetime, ends_at: datetime | None, by: str | None,
                        now: datetime, injury_id: int | None = None) -> Restriction:
        row = RestrictionRow(shinobi_id=shinobi_id, kind=kind.value, status=status.value, reason=reason,
                             starts_at=starts_at, ends_at=ends_at, created_by=by, created_at=now, injury_id=injury_id,
                             filed_by=by if status is RestrictionStatus.FILED else None,
                             filed_at=now if status is RestrictionStatus.FILED else None)
        self.session.add(row)
        self.session.flush()
        return _restriction(row)

    def get_restriction(self, restriction_id: int) -> Restriction | None:
        row = self.session.get(RestrictionRow, restriction_id)
        return _restriction(row) if row else None

    def file_restriction(self, restriction_id: int, by: str, now: datetime) -> None:
        self.session.execute(update(RestrictionRow).where(RestrictionRow.id == restriction_id)
                             .values(status=RestrictionStatus.FILED.value, filed_by=by, filed_at=now))

    def lift_restriction(self, restriction_id: int, at: datetime, note: str | None) -> None:
        self.session.execute(update(RestrictionRow).where(RestrictionRow.id == restriction_id)
                             .values(lifted_at=at, lift_note=note))

    def restrictions_for(self, ids: Iterable[int]) -> dict[int, list[Restriction]]:
        ids = list(ids)
        out: dict[int, list[Restriction]] = {i: [] for i in ids}
        if ids:
            for row in self.session.scalars(select(RestrictionRow).where(self._among(RestrictionRow.shinobi_id, ids))
                                            .order_by(RestrictionRow.starts_at, RestrictionRow.id)):
                out[row.shinobi_id].append(_restriction(row))
        return out

    def add_hold(self, *, shinobi_id: int, reason: str, since: datetime, mission_id: int | None,
                 by: str | None, now: datetime) -> WelfareHold:
        row = WelfareHoldRow(shinobi_id=shinobi_id, reason=reason, since=since, mission_id=mission_id,
                             created_by=by, created_at=now)
        self.session.add(row)
        self.session.flush()
        return _hold(row)

    def get_hold(self, hold_id: int) -> WelfareHold | None:
        row = self.session.get(WelfareHoldRow, hold_id)
        return _hold(row) if row else None

    def lift_hold(self, hold_id: int, at: datetime, note: str) -> None:
        self.session.execute(update(WelfareHoldRow).where(WelfareHoldRow.id == hold_id)
                             .values(lifted_at=at, lift_note=note))

    def holds_for(self, ids: Iterable[int]) -> dict[int, list[WelfareHold]]:
        ids = list(ids)
        out: dict[int, list[WelfareHold]] = {i: [] for i in ids}
        if ids:
            for row in self.session.scalars(select(WelfareHoldRow).where(self._among(WelfareHoldRow.shinobi_id, ids))
                                            .order_by(WelfareHoldRow.since, WelfareHoldRow.id)):
                out[row.shinobi_id].append(_hold(row))
        return out

    # -- the medical record ----------------------------------------------------------------------
    def enter_injury(self, *, shinobi_id: int, body_part: str, kind: str, severity: str, at: datetime,
                     mission_id: int | None, notes: str | None, by: str | None, now: datetime) -> Injury:
        row = InjuryRow(shinobi_id=shinobi_id, body_part=body_part, kind=kind, severity=severity, at=at,
                        mission_id=mission_id, notes=notes, recorded_by=by, recorded_at=now)
        self.session.add(row)
        self.session.flush()
        return _injury(row)

    def get_injury(self, injury_id: int) -> Injury | None:
        row = self.session.get(InjuryRow, injury_id)
        return _injury(row) if row else None

    def add_treatment(self, *, shinobi_id: int, kind: str, at: datetime, medic_id: int, injury_id: int | None,
                      notes: str | None, now: datetime) -> Treatment:
        row = TreatmentRow(shinobi_id=shinobi_id, kind=kind, at=at, medic_id=medic_id, injury_id=injury_id,
                           notes=notes, recorded_at=now)
        self.session.add(row)
        self.session.flush()
        return _treatment(row)

    def add_medication(self, *, shinobi_id: int, drug: str, amount: float, unit: str, at: datetime,
                       injury_id: int | None, by: str | None, now: datetime) -> Medication:
        row = MedicationRow(shinobi_id=shinobi_id, drug=drug, amount=amount, unit=unit, at=at, injury_id=injury_id,
                            recorded_by=by, recorded_at=now)
        self.session.add(row)
        self.session.flush()
        return _medication(row)

    def doses(self, shinobi_id: int, since: datetime, until: datetime) -> list[Dose]:
        rows = self.session.execute(select(MedicationRow.drug, MedicationRow.amount, MedicationRow.at)
                                    .where(MedicationRow.shinobi_id == shinobi_id, MedicationRow.at >= since,
                                           MedicationRow.at <= until))
        return [Dose(drug=r.drug, amount=r.amount, at=r.at) for r in rows]

    def add_note(self, *, shinobi_id: int, text_: str, at: datetime, by: str | None, now: datetime
                 ) -> MedicalNote:
        row = MedicalNoteRow(shinobi_id=shinobi_id, text=text_, at=at, recorded_by=by, recorded_at=now)
        self.session.add(row)
        self.session.flush()
        return _note(row)

    def entries_of(self, shinobi_id: int) -> MedicalEntries:
        """The shinobi's injuries, treatments, medication and notes, each oldest first."""
        def rows(table: Any, order: Any) -> list[Any]:
            return list(self.session.scalars(select(table).where(table.shinobi_id == shinobi_id)
                                             .order_by(order, table.id)))

        return MedicalEntries(injuries=tuple(_injury(r) for r in rows(InjuryRow, InjuryRow.at)),
                              treatments=tuple(_treatment(r) for r in rows(TreatmentRow, TreatmentRow.at)),
                              medications=tuple(_medication(r) for r in rows(MedicationRow, MedicationRow.at)),
                              notes=tuple(_note(r) for r in rows(MedicalNoteRow, MedicalNoteRow.at)))


def _injury(r: InjuryRow) -> Injury:
    return Injury(id=r.id, shinobi_id=r.shinobi_id, body_part=r.body_part, kind=r.kind, severity=r.severity,
                  at=r.at, mission_id=r.mission_id, notes=r.notes, recorded_by=r.recorded_by)


def _treatment(r: TreatmentRow) -> Treatment:
    return Treatment(id=r.id, shinobi_id=r.shinobi_id, kind=r.kind, at=r.at, medic_id=r.medic_id,
                     injury_id=r.injury_id, notes=r.notes)


def _medication(r: MedicationRow) -> Medication:
    return Medication(id=r.id, shinobi_id=r.shinobi_id, drug=r.drug, amount=float(r.amount), unit=r.unit, at=r.at,
                      injury_id=r.injury_id, recorded_by=r.recorded_by)


def _note(r: MedicalNoteRow) -> MedicalNote:
    return MedicalNote(id=r.id, shinobi_id=r.shinobi_id, text=r.text, at=r.at, recorded_by=r.recorded_by)


def _restriction(row: RestrictionRow | Row[Any]) -> Restriction:
    """From an ORM row, or a row of its columns (roster.py reads those)."""
    return Restriction(id=row.id, shinobi_id=row.shinobi_id, kind=RestrictionKind(row.kind),
                       status=RestrictionStatus(row.status), reason=row.reason, starts_at=row.starts_at,
                       ends_at=row.ends_at, lifted_at=row.lifted_at, injury_id=row.injury_id,
                       lift_note=row.lift_note)


def _hold(row: WelfareHoldRow | Row[Any]) -> WelfareHold:
    return WelfareHold(id=row.id, shinobi_id=row.shinobi_id, reason=row.reason, since=row.since,
                       lifted_at=row.lifted_at, lift_note=row.lift_note)
