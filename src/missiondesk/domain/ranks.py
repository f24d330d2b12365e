"""Ranks, classifications, statuses and the bands that go with them."""
from __future__ import annotations

from enum import StrEnum


class ShinobiRank(StrEnum):
    ACADEMY = "academy"
    GENIN = "genin"
    CHUNIN = "chunin"
    SPECIAL_JONIN = "special_jonin"
    JONIN = "jonin"
    KAGE = "kage"

    @property
    def order(self) -> int:
        return _SHINOBI_ORDER[self]


class MissionRank(StrEnum):
    D = "D"
    C = "C"
    B = "B"
    A = "A"
    S = "S"

    @property
    def high_risk(self) -> bool:
        return self in (MissionRank.A, MissionRank.S)


class Classification(StrEnum):
    PUBLIC = "public"
    CONFIDENTIAL = "confidential"
    SECRET = "secret"  # noqa: S105 - a classification level, not a password
    TOP_SECRET = "top_secret"  # noqa: S105

    @property
    def order(self) -> int:
        return _CLEARANCE_ORDER[self]


_SHINOBI_ORDER = {r: i for i, r in enumerate(ShinobiRank)}
_CLEARANCE_ORDER = {c: i for i, c in enumerate(Classification)}


class ShinobiStatus(StrEnum):
    ACTIVE = "active"
    ON_MISSION = "on_mission"
    DETAINED = "detained"
    KIA = "kia"
    MIA = "mia"
    RETIRED = "retired"


FALLEN_STATUSES = frozenset({ShinobiStatus.KIA, ShinobiStatus.MIA})  # the memorial's: nowhere, on no duty
UNAVAILABLE_STATUSES = frozenset({ShinobiStatus.KIA, ShinobiStatus.MIA, ShinobiStatus.DETAINED,
                                  ShinobiStatus.RETIRED})


class MissionStatus(StrEnum):
    PENDING_AUTHORIZATION = "pending_authorization"
    OPEN = "open"
    ASSIGNED = "assigned"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


CLOSED_STATUSES = frozenset({MissionStatus.COMPLETED, MissionStatus.FAILED, MissionStatus.CANCELLED})


class Role(StrEnum):
    HOKAGE = "hokage"
    COUNCIL = "council"
    CLERK = "clerk"
    MEDIC = "medic"


MIN_SHINOBI_RANK: dict[MissionRank, ShinobiRank] = {
    MissionRank.D: ShinobiRank.GENIN,
    MissionRank.C: ShinobiRank.GENIN,
    MissionRank.B: ShinobiRank.CHUNIN,
    MissionRank.A: ShinobiRank.JONIN,
    MissionRank.S: ShinobiRank.JONIN,
}

# Reward bands in ryo, (low, high); S has no ceiling.
REWARD_BANDS: dict[MissionRank, tuple[int, int | None]] = {
    MissionRank.D: (5_000, 50_000),
    MissionRank.C: (30_000, 100_000),
    MissionRank.B: (80_000, 200_000),
    MissionRank.A: (150_000, 1_000_000),
    MissionRank.S: (1_000_000, None),
}

DEFAULT_TEAM_SIZE: dict[MissionRank, int] = {
    MissionRank.D: 1, MissionRank.C: 2, MissionRank.B: 2, MissionRank.A: 3, MissionRank.S: 4,
}
HIGH_RISK_MIN_TEAM = 2

# Authorisations from distinct hokage/council accounts before a mission opens.
AUTHORIZATIONS_NEEDED: dict[MissionRank, int] = {
    MissionRank.D: 0, MissionRank.C: 0, MissionRank.B: 0, MissionRank.A: 1, MissionRank.S: 2,
}
