"""Medical restrictions and welfare holds, judged by their effective times."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .ranks import MissionRank


class RestrictionKind(StrEnum):
    REST = "rest"
    LIGHT_DUTY = "light_duty"


class RestrictionStatus(StrEnum):
    RECOMMENDED = "recommended"
    FILED = "filed"


LIGHT_DUTY_FORBIDS = frozenset({MissionRank.B, MissionRank.A, MissionRank.S})


@dataclass(frozen=True)
class Restriction:
    id: int
    shinobi_id: int
    kind: RestrictionKind
    status: RestrictionStatus
    reason: str
    starts_at: datetime
    ends_at: datetime | None = None
    lifted_at: datetime | None = None
    injury_id: int | None = None
    lift_note: str | None = None  # written by whoever lifted it

    @property
    def effective_end(self) -> datetime | None:
        """The earlier of the planned end and the lift; None while open-ended."""
        ends = [t for t in (self.ends_at, self.lifted_at) if t is not None]
        return min(ends) if ends else None

    def covers(self, t: datetime) -> bool:
        """In force at `t`, whether recommended or filed: filing is bookkeeping."""
        end = self.effective_end
        return self.starts_at <= t and (end is None or t < end)

    def forbids(self, rank: MissionRank) -> bool:
        return self.kind is RestrictionKind.REST or rank in LIGHT_DUTY_FORBIDS


@dataclass(frozen=True)
class WelfareHold:
    id: int
    shinobi_id: int
    reason: str
    since: datetime
    lifted_at: datetime | None = None
    lift_note: str | None = None  # the review that lifted it

    def covers(self, t: datetime) -> bool:
        return self.since <= t and (self.lifted_at is None or t < self.lifted_at)


HOLD_FORBIDS = frozenset({MissionRank.A, MissionRank.S})


def free_from(restrictions: Iterable[Restriction], t: datetime) -> datetime | None:
    """The earliest time from `t` on at which none of these restrictions is in force (one ending as the next
    begins counts as one), or None when one in force on the way is open-ended: no record says when."""
    pending = list(restrictions)
    for _ in range(len(pending) + 1):
        covering = [r for r in pending if r.covers(t)]
        if not covering:
            return t
        ends = [r.effective_end for r in covering]
        known = [e for e in ends if e is not None]
        if len(known) < len(ends):
            return None
        t = max(known)
    return t
