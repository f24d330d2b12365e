"""The roster: shinobi, their accounts and their designated partners."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from operator import itemgetter
from typing import TypeVar

import numpy as np

from .ranks import Classification, Role, ShinobiRank, ShinobiStatus

T = TypeVar("T")


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


@dataclass(frozen=True, eq=False)
class RosterPeople:
    """Shinobi as columns, by ascending id."""

    ids: np.ndarray  # int64
    rank: np.ndarray  # int16: ShinobiRank.order
    clearance: np.ndarray  # int16: Classification.order
    status: tuple[ShinobiStatus, ...]
    names: tuple[str, ...]
    specialty_sets: tuple[tuple[str, ...], ...]  # the distinct sets of specialties ...
    specialty_set: np.ndarray  # ... and which one each shinobi has (int64)

    def __len__(self) -> int:
        return int(self.ids.size)

    def shinobi(self, i: int) -> Shinobi:
        """Entry i as a Shinobi (without divisions, partners or username)."""
        return Shinobi(id=int(self.ids[i]), name=self.names[i], rank=RANK_BY_ORDER[int(self.rank[i])],
                       clearance=_CLEARANCE_BY_ORDER[int(self.clearance[i])], status=self.status[i],
                       specialties=self.specialty_sets[int(self.specialty_set[i])])

    def take(self, index: np.ndarray) -> RosterPeople:
        """The shinobi at these indexes, in that order."""
        index = np.asarray(index, dtype=np.int64)
        return RosterPeople(ids=self.ids[index], rank=self.rank[index], clearance=self.clearance[index],
                            status=_pick(self.status, index), names=_pick(self.names, index),
                            specialty_sets=self.specialty_sets, specialty_set=self.specialty_set[index])

    @classmethod
    def of(cls, people: Iterable[Shinobi]) -> RosterPeople:
        people = list(people)
        kinds: dict[tuple[str, ...], int] = {}
        n = len(people)
        return cls(ids=np.fromiter((s.id for s in people), np.int64, n),
                   rank=np.fromiter((s.rank.order for s in people), np.int16, n),
                   clearance=np.fromiter((s.clearance.order for s in people), np.int16, n),
                   status=tuple(s.status for s in people), names=tuple(s.name for s in people),
                   specialty_set=np.fromiter((kinds.setdefault(s.specialties, len(kinds)) for s in people),
                                             np.int64, n),
                   specialty_sets=tuple(kinds))


@dataclass(frozen=True, eq=False)
class Columns:
    """Rows of (shinobi id, time in POSIX seconds, a flag), as columns."""

    owner_ids: np.ndarray  # int64
    at: np.ndarray  # float64
    flag: np.ndarray  # bool


def _pick(values: tuple[T, ...], index: np.ndarray) -> tuple[T, ...]:
    """values[i] for each i of `index`, gathered in C (itemgetter), not a Python step each."""
    if index.size < 2:
        return tuple(values[i] for i in index.tolist())
    return itemgetter(*index.tolist())(values)


RANK_BY_ORDER = {r.order: r for r in ShinobiRank}
_CLEARANCE_BY_ORDER = {c.order: c for c in Classification}


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
