"""Missions: what a valid posting is, how it opens, and how a report closes it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import Conflict, Invalid
from .medical_records import InjuryReport
from .ranks import (
    AUTHORIZATIONS_NEEDED,
    DEFAULT_TEAM_SIZE,
    HIGH_RISK_MIN_TEAM,
    REWARD_BANDS,
    Classification,
    MissionRank,
    MissionStatus,
)
from .risk import Threat


@dataclass(frozen=True)
class Mission:
    id: int
    title: str
    rank: MissionRank
    kind: str
    classification: Classification
    reward_ryo: int
    min_team_size: int
    status: MissionStatus
    posted_at: datetime
    description: str | None = None
    authorized_by: tuple[str, ...] = ()
    threat: Threat = Threat.NONE
    threat_count: int = 0


@dataclass(frozen=True)
class MissionLine:
    """What a list of missions sorts, filters and checks clearance by: a mission's plain columns."""

    id: int
    title: str
    rank: MissionRank
    classification: Classification
    status: MissionStatus
    posted_at: datetime
    reward_ryo: int


def team_size_for(rank: MissionRank, requested: int | None) -> int:
    if requested is None:
        return DEFAULT_TEAM_SIZE[rank]
    if requested < 1:
        raise Invalid("min_team_size must be at least 1", code="TEAM_SIZE_INVALID")
    if rank.high_risk and requested < HIGH_RISK_MIN_TEAM:
        raise Invalid(f"{rank.value}-rank missions need a team of at least {HIGH_RISK_MIN_TEAM}",
                      code="TEAM_SIZE_INVALID")
    return requested


def reward_for(rank: MissionRank, requested: int | None) -> int:
    low, high = REWARD_BANDS[rank]
    if requested is None:
        return low
    if requested < 0:
        raise Invalid("reward_ryo cannot be negative", code="REWARD_NEGATIVE")
    if requested < low or (high is not None and requested > high):
        band = f"{low:,}–{high:,}" if high is not None else f"{low:,} or more"
        raise Invalid(f"a {rank.value}-rank reward must be {band} ryo", code="REWARD_OUT_OF_BAND",
                      details=[{"low": low, "high": high}])
    return requested


def initial_status(rank: MissionRank) -> MissionStatus:
    return MissionStatus.OPEN if AUTHORIZATIONS_NEEDED[rank] == 0 else MissionStatus.PENDING_AUTHORIZATION


def authorize(mission: Mission, username: str) -> MissionStatus:
    """The status after `username` signs; refuses a second signature or one not needed."""
    if mission.status is not MissionStatus.PENDING_AUTHORIZATION:
        raise Conflict(f"mission {mission.id} is {mission.status.value}, not waiting for authorisation",
                       code="AUTHORIZATION_NOT_NEEDED")
    if username in mission.authorized_by:
        raise Conflict(f"{username} has already authorised mission {mission.id}; "
                       "the next signature must come from another account", code="ALREADY_AUTHORIZED")
    signed = len(mission.authorized_by) + 1
    if signed >= AUTHORIZATIONS_NEEDED[mission.rank]:
        return MissionStatus.OPEN
    return MissionStatus.PENDING_AUTHORIZATION


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    ABORTED = "aborted"


OUTCOME_STATUS = {
    Outcome.SUCCESS: MissionStatus.COMPLETED,
    Outcome.FAILURE: MissionStatus.FAILED,
    Outcome.ABORTED: MissionStatus.CANCELLED,
}


class CasualtyStatus(StrEnum):
    KIA = "kia"
    MIA = "mia"
    INJURED = "injured"


LOST = frozenset({CasualtyStatus.KIA, CasualtyStatus.MIA})


@dataclass(frozen=True)
class Casualty:
    shinobi_id: int
    status: CasualtyStatus
    injury: InjuryReport | None = None


@dataclass(frozen=True)
class ReportedCasualty:
    shinobi_id: int
    status: CasualtyStatus


@dataclass(frozen=True)
class Report:
    """An after-action report as filed."""

    id: int
    mission_id: int
    outcome: Outcome
    at: datetime
    summary: str | None
    casualties: tuple[ReportedCasualty, ...]
    specimens: tuple[str, ...]  # each a description
    filed_by: str | None
    filed_at: datetime


def check_report(team: frozenset[int], departs_at: datetime, at: datetime,
                 casualties: tuple[Casualty, ...], outcome: Outcome = Outcome.SUCCESS) -> None:
    """A report speaks only of the team, once each; a success or failure not before the team left
    (a mission may be aborted before its departure)."""
    if at < departs_at and outcome is not Outcome.ABORTED:
        raise Invalid("a report cannot be dated before the team departed", code="REPORT_BEFORE_DEPARTURE")
    seen: set[int] = set()
    for c in casualties:
        if c.shinobi_id not in team:
            raise Invalid(f"shinobi {c.shinobi_id} was not on this mission's team",
                          code="CASUALTY_NOT_ON_TEAM", details=[{"shinobi_id": c.shinobi_id}])
        if c.shinobi_id in seen:
            raise Invalid(f"shinobi {c.shinobi_id} is listed twice among the casualties",
                          code="CASUALTY_DUPLICATE", details=[{"shinobi_id": c.shinobi_id}])
        seen.add(c.shinobi_id)


def survivors_to_hold(team: frozenset[int], casualties: tuple[Casualty, ...]) -> frozenset[int]:
    """A teammate killed or missing puts every surviving teammate on a welfare hold."""
    lost = {c.shinobi_id for c in casualties if c.status in LOST}
    return frozenset(team - lost) if lost else frozenset()
