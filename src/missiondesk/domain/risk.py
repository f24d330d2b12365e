"""Risk and price: a mission's opposition against a team's strength, as probabilities.

A logistic model with documented priors (below), refitted from the village's own reports once
there are enough of them (services/risk.py). Pure: no fitting library here, only the equations.

    strength(shinobi) = RANK_POWER[rank] × fatigue factor × (1.25 if a specialty matches the kind)
    fatigue factor    = clamp(E / 100, 0.5, 1.0), 0.9 when E is unknown
    S = Σ strength over the team;  O = THREAT_POWER[threat] × threat_count
    x = ln((S + 1) / (O + 1))
    P(success)  = σ(a0 + a1·x + a2·[a sensor on the team])
    P(casualty) = σ(b0 − b1·x − b2·[a medic on the team])

Priors [our design, to be replaced by the fit]: a0 = 1.0, a1 = 2.0, a2 = 0.3 (an evenly matched
team succeeds 73% of the time, one twice the opposition's strength 94%); b0 = −2.0, b1 = 1.5,
b2 = 0.7 (an even fight hurts someone 12% of the time; a medic roughly halves that).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import numpy as np

from .ranks import REWARD_BANDS, MissionRank, ShinobiRank


class Threat(StrEnum):
    NONE = "none"
    BANDITS = "bandits"
    GENIN = "genin"
    CHUNIN = "chunin"
    JONIN = "jonin"
    KAGE = "kage"


THREAT_POWER = {Threat.NONE: 0.0, Threat.BANDITS: 0.5, Threat.GENIN: 1.0, Threat.CHUNIN: 2.0, Threat.JONIN: 4.0,
                Threat.KAGE: 12.0}
RANK_POWER = {ShinobiRank.ACADEMY: 0.5, ShinobiRank.GENIN: 1.0, ShinobiRank.CHUNIN: 2.0,
              ShinobiRank.SPECIAL_JONIN: 3.0, ShinobiRank.JONIN: 4.0, ShinobiRank.KAGE: 12.0}
MEDIC, SENSOR = "medical-ninjutsu", "sensor"
MEDIC_SPECIALTIES = frozenset({MEDIC, "medic", "medical"})
SENSOR_SPECIALTIES = frozenset({SENSOR, "sensing"})
# An S-rank band has no ceiling; suggestions stop here.
S_SUGGESTION_CEILING = 10_000_000


@dataclass(frozen=True)
class RiskModel:
    success: tuple[float, float, float] = (1.0, 2.0, 0.3)    # a0, a1 (log strength ratio), a2 (sensor)
    casualty: tuple[float, float, float] = (-2.0, 1.5, 0.7)  # b0, b1 (log strength ratio), b2 (medic)
    source: str = "prior"
    reports: int = 0
    calibration: dict = field(default_factory=dict, compare=False)


PRIOR = RiskModel()


@dataclass(frozen=True)
class PastMission:
    """A reported mission a fit learns from: its team as it left, what it faced and how it ended."""

    mission_id: int
    kind: str
    threat: Threat
    threat_count: int
    departs_at: datetime
    succeeded: bool
    harmed: bool  # someone killed, missing or injured
    members: tuple[Member, ...]  # by id; no effectiveness yet (the fit judges each at the departure)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


@dataclass(frozen=True)
class Member:
    id: int
    rank: ShinobiRank
    specialties: tuple[str, ...] = ()
    effectiveness: float | None = None

    @property
    def medic(self) -> bool:
        return bool(MEDIC_SPECIALTIES & set(self.specialties))

    @property
    def sensor(self) -> bool:
        return bool(SENSOR_SPECIALTIES & set(self.specialties))


def strength(m: Member, kind: str) -> float:
    fatigue = 0.9 if m.effectiveness is None else min(1.0, max(0.5, m.effectiveness / 100))
    matched = 1.25 if kind in m.specialties else 1.0
    return RANK_POWER[m.rank] * fatigue * matched


def opposition(threat: Threat, count: int) -> float:
    return THREAT_POWER[threat] * max(0, count)


def ratio(team_strength: float, opp: float) -> float:
    return math.log((team_strength + 1.0) / (opp + 1.0))


@dataclass(frozen=True)
class Estimate:
    success: float
    casualty: float
    team_strength: float
    opposition: float


def estimate(model: RiskModel, team: Sequence[Member], kind: str, threat: Threat, count: int) -> Estimate:
    return estimate_totals(model, sum(strength(m, kind) for m in team), any(m.sensor for m in team),
                           any(m.medic for m in team), threat, count)


def estimate_totals(model: RiskModel, team_strength: float, sensor: bool, medic: bool, threat: Threat,
                    count: int) -> Estimate:
    """`estimate` from what it reads of a team: its summed strength and whether a sensor and a medic go."""
    o = opposition(threat, count)
    x = ratio(team_strength, o)
    a0, a1, a2 = model.success
    b0, b1, b2 = model.casualty
    return Estimate(success=sigmoid(a0 + a1 * x + a2 * sensor), casualty=sigmoid(b0 - b1 * x - b2 * medic),
                    team_strength=team_strength, opposition=o)


def casualty_cost(rank: MissionRank) -> int:
    """What the office counts a casualty as, against a reward, on a mission of this rank: twice the most
    the rank pays (S: twice the suggestion ceiling). A casualty (killed, missing or injured) weighs more
    than any reward its mission could bring, and weighs more on a higher rank, where the injuries are
    worse. [our design] So the desk never proposes a team whose chance of losing someone outweighs the
    job: an S-rank two-person strike against six jonin (23 % success, 42 % casualty) is worth −7.7 M ryo
    and left empty, while weeding a greenhouse (1 % casualty by the prior) is still worth doing."""
    high = REWARD_BANDS[rank][1]
    return 2 * (high if high is not None else S_SUGGESTION_CEILING)


def expected_value(reward: int, e: Estimate, casualty_cost: int) -> float:
    """What sending this team is worth: the reward times the chance of success, less the cost of a casualty
    times its chance."""
    return reward * e.success - casualty_cost * e.casualty


# -- many shinobi at once (numpy): the same equations over columns -----------------------------------------
_POWER_BY_ORDER = np.array([RANK_POWER[r] for r in sorted(ShinobiRank, key=lambda r: r.order)])


def strengths(rank_order: np.ndarray, effectiveness: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """`strength` for each shinobi: rank as ShinobiRank.order, effectiveness NaN where unknown, and
    whether a specialty matches the mission's kind."""
    fatigue = np.where(np.isnan(effectiveness), 0.9, np.clip(effectiveness / 100, 0.5, 1.0))
    return _POWER_BY_ORDER[rank_order] * fatigue * np.where(matched, 1.25, 1.0)


class Priced(Protocol):
    """What the risk of a mission reads of it (read-only: a Mission is frozen)."""

    @property
    def reward_ryo(self) -> int: ...
    @property
    def threat(self) -> Threat: ...
    @property
    def threat_count(self) -> int: ...
    @property
    def min_team_size(self) -> int: ...


@dataclass(frozen=True, eq=False)
class Selection:
    team: np.ndarray  # roster indexes, strongest first (a specialist swapped in comes last)
    runners_up: np.ndarray  # the strongest left out, strongest first
    estimate: Estimate
    value: float


def _top(order_key: np.ndarray, ids: np.ndarray, pool: np.ndarray, t: int) -> np.ndarray:
    """The `t` best of `pool` (indexes) by order_key descending, then id ascending; sorted that way."""
    if t < pool.size:
        key = order_key[pool]
        cut = key[np.argpartition(-key, t - 1)[t - 1]]  # the t-th best key
        above = pool[key > cut]
        tied = pool[key == cut]
        tied = tied[np.argsort(ids[tied], kind="stable")[: t - above.size]]
        pool = np.concatenate((above, tied))
    return pool[np.lexsort((ids[pool], -order_key[pool]))]


def select_team(mission: Priced, model: RiskModel, ids: np.ndarray, strength: np.ndarray, medic: np.ndarray,
                sensor: np.ndarray, eligible: np.ndarray, casualty_cost: float, runners: int = 3
                ) -> Selection | None:
    """The best team among the eligible: the strongest `min_team_size` (ties to the lower id), then, where
    the team has no medic (then no sensor), its weakest member (never one swapped in before) swapped for
    the strongest one left out, kept when the expected value (reward × P(success) − casualty_cost ×
    P(casualty)) improves.
    None when fewer are eligible than the team needs."""
    size = mission.min_team_size
    pool = np.flatnonzero(eligible)
    if pool.size < size or size < 1:
        return None
    ranked = _top(strength, ids, pool, min(pool.size, size + runners))
    team = ranked[:size]

    def value(t: np.ndarray) -> tuple[float, Estimate]:
        e = estimate_totals(model, float(strength[t].sum()), bool(sensor[t].any()), bool(medic[t].any()),
                            mission.threat, mission.threat_count)
        return mission.reward_ryo * e.success - casualty_cost * e.casualty, e

    best_value, best_e = value(team)
    kept = 0  # specialists swapped in, at the end of the team: never swapped out again
    for want in (medic, sensor):
        if want[team].any() or kept >= size:
            continue
        rest = pool[want[pool]]
        if rest.size == 0:
            continue
        weakest = size - 1 - kept
        trial = np.concatenate((team[:weakest], team[weakest + 1:], _top(strength, ids, rest, 1)))
        v, e = value(trial)
        if v > best_value:
            team, best_value, best_e = trial, v, e
            kept += 1
    left = ranked[~np.isin(ranked, team)][:runners]
    return Selection(team=team, runners_up=left, estimate=best_e, value=best_value)


def pair_values(model: RiskModel, mission: Priced, strength: np.ndarray, medic: np.ndarray, sensor: np.ndarray,
                casualty_cost: float) -> np.ndarray:
    """Each shinobi's share of the expected value of a team of `min_team_size` like them: what the
    planner adds up (a team's value is near the sum of its members' shares)."""
    k = mission.min_team_size
    o = opposition(mission.threat, mission.threat_count)
    x = np.log((k * strength + 1.0) / (o + 1.0))
    a0, a1, a2 = model.success
    b0, b1, b2 = model.casualty
    p_success = 1.0 / (1.0 + np.exp(-(a0 + a1 * x + a2 * sensor)))
    p_casualty = 1.0 / (1.0 + np.exp(-(b0 - b1 * x - b2 * medic)))
    return (mission.reward_ryo * p_success - casualty_cost * p_casualty) / k


def suggested_reward(rank: MissionRank, e: Estimate) -> int:
    """Within the rank's band, rising with the risk: the band's floor for a sure and safe mission, its
    ceiling for a hopeless or deadly one (S: capped for the suggestion)."""
    low, high = REWARD_BANDS[rank]
    high = high if high is not None else S_SUGGESTION_CEILING
    risk = 1.0 - e.success * (1.0 - e.casualty)
    return int(round((low + (high - low) * risk) / 1000.0) * 1000)


def typical_team(rank: MissionRank, size: int) -> list[Member]:
    """Who a mission of this rank would usually get: `size` rested shinobi of its minimum rank."""
    from .ranks import MIN_SHINOBI_RANK

    return [Member(id=-i, rank=MIN_SHINOBI_RANK[rank], effectiveness=95.0) for i in range(size)]


# -- calibration -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Calibration:
    brier: float
    bins: tuple[tuple[float, float, int], ...]  # (mean predicted, observed rate, count) per non-empty bin
    n: int


def calibrate(predicted: Sequence[float], observed: Sequence[bool], bins: int = 10) -> Calibration:
    """The Brier score and a reliability curve (predicted against observed, by equal-width bins)."""
    n = len(predicted)
    if n == 0:
        return Calibration(brier=float("nan"), bins=(), n=0)
    brier = sum((p - float(o)) ** 2 for p, o in zip(predicted, observed, strict=True)) / n
    buckets: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for p, o in zip(predicted, observed, strict=True):
        buckets[min(bins - 1, int(p * bins))].append((p, o))
    curve = tuple((sum(p for p, _ in b) / len(b), sum(o for _, o in b) / len(b), len(b)) for b in buckets if b)
    return Calibration(brier=brier, bins=curve, n=n)
