"""Medical records: injuries, treatments, medication and notes, and the chakra-pill limit."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Severity(StrEnum):
    UNKNOWN = "unknown"
    MINOR = "minor"
    MODERATE = "moderate"
    SERIOUS = "serious"
    CRITICAL = "critical"


CHAKRA_PILL = "chakra_pill"
PILL_WINDOW = timedelta(hours=24)
PILL_LIMIT = 2  # more than this many in any 24 hours is a warning


@dataclass(frozen=True)
class InjuryReport:
    body_part: str = "unspecified"
    kind: str = "reported injured"
    severity: Severity = Severity.UNKNOWN
    notes: str | None = None


@dataclass(frozen=True)
class Injury:
    id: int
    shinobi_id: int
    body_part: str
    kind: str
    severity: str  # a Severity value
    at: datetime
    mission_id: int | None  # None too when the reader may not see the mission
    notes: str | None
    recorded_by: str | None


@dataclass(frozen=True)
class Treatment:
    id: int
    shinobi_id: int
    kind: str
    at: datetime
    medic_id: int | None
    injury_id: int | None
    notes: str | None


@dataclass(frozen=True)
class Medication:
    id: int
    shinobi_id: int
    drug: str
    amount: float
    unit: str
    at: datetime
    injury_id: int | None
    recorded_by: str | None


@dataclass(frozen=True)
class MedicalNote:
    id: int
    shinobi_id: int
    text: str
    at: datetime
    recorded_by: str | None


@dataclass(frozen=True)
class MedicalEntries:
    """What a shinobi's medical record holds besides restrictions and holds, each list oldest first."""

    injuries: tuple[Injury, ...]
    treatments: tuple[Treatment, ...]
    medications: tuple[Medication, ...]
    notes: tuple[MedicalNote, ...]


@dataclass(frozen=True)
class Dose:
    drug: str
    amount: float
    at: datetime


def pills_in_worst_window(doses: Iterable[Dose], around: datetime) -> float:
    """The most chakra pills taken in any 24-hour window that contains `around`."""
    pills = sorted((d for d in doses if d.drug == CHAKRA_PILL), key=lambda d: d.at)
    worst = 0.0
    for end in (d.at for d in pills if around <= d.at < around + PILL_WINDOW):
        total = sum(d.amount for d in pills if end - PILL_WINDOW < d.at <= end)
        worst = max(worst, total)
    return worst


def pill_warning(doses: Iterable[Dose], around: datetime) -> str | None:
    n = pills_in_worst_window(doses, around)
    if n > PILL_LIMIT:
        return (f"{n:g} chakra pills within 24 hours: more than {PILL_LIMIT} strains the chakra network; "
                "a medic should review")
    return None
