"""The roster: shinobi, their accounts and their designated partners."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .ranks import Classification, Role, ShinobiRank, ShinobiStatus


@dataclass(frozen=True)
class Shinobi:
    id: int
    name: str
    rank: ShinobiRank
    clearance: Classification
    status: ShinobiStatus
    divisions: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    partner_ids: tuple[int, ...] = ()
    username: str | None = None


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    password_hash: str
    roles: frozenset[Role]
    shinobi_id: int


class AssignmentStatus(StrEnum):
    """`proposed` until every member has accepted; `active` once sent; `closed` after the report;
    `declined` when a member said no."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    DECLINED = "declined"
    CLOSED = "closed"


@dataclass(frozen=True)
class Assignment:
    id: int
    mission_id: int
    shinobi_ids: tuple[int, ...]
    departs_at: datetime
    created_at: datetime
    created_by: str | None
    override_justification: str | None = None
    ended_at: datetime | None = None
    status: AssignmentStatus = AssignmentStatus.ACTIVE
    accepted_ids: tuple[int, ...] = ()  # the members who have said yes
    left_ids: tuple[int, ...] = ()  # the members the gate has logged out for it

    def still_here(self, shinobi_ids: Iterable[int]) -> list[int]:
        """Those of these shinobi who are members and have not been logged out through the gate for it."""
        wanted = set(shinobi_ids)
        return [s for s in self.shinobi_ids if s in wanted and s not in self.left_ids]

    @property
    def awaiting_ids(self) -> tuple[int, ...]:
        """Members whose answer to a proposal is still awaited."""
        if self.status is not AssignmentStatus.PROPOSED:
            return ()
        return tuple(s for s in self.shinobi_ids if s not in self.accepted_ids)


@dataclass(frozen=True)
class Alert:
    id: int
    recipient_id: int
    kind: str
    subject_shinobi_id: int | None
    mission_id: int | None
    codes: tuple[str, ...]
    message: str
    created_at: datetime
    read_at: datetime | None = None
    detainee_id: int | None = None
    assignment_id: int | None = None
    ladder_id: int | None = None  # on a ladder: must be acknowledged (domain/alerts.py)
    step: int | None = None
    office_copy: bool = False
    acknowledged_at: datetime | None = None


@dataclass(frozen=True)
class MemorialEntry:
    shinobi_id: int
    name: str
    rank: str
    died_at: datetime
    mission_id: int | None
