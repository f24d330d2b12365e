"""Fitness for duty: every rule, every reason, as pure functions over frozen facts.

Being unfit is a normal outcome: the verdict lists all reasons found, it never raises.
Time rules (CONTRACT "Which time"): status, current assignment and the mission's state are
judged now, by the caller's facts; everything else at `departs_at`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from itertools import chain

import numpy as np

from .duty import DutyLimits, DutyPolicy, duty_limits
from .fatigue import (
    FatigueEstimate,
    FatiguePolicy,
    RosterFatigue,
    SleepEpisode,
    SleepHistory,
    estimate_fatigue,
    estimate_history,
    estimate_roster_arrays,
    recent_logs,
    sleep_history,
)
from .gate import Direction, GateEvent
from .medical import HOLD_FORBIDS, Restriction, RestrictionKind, WelfareHold, free_from
from .ranks import (
    MIN_SHINOBI_RANK,
    UNAVAILABLE_STATUSES,
    Classification,
    MissionRank,
    MissionStatus,
    ShinobiRank,
    ShinobiStatus,
)


class Code(StrEnum):
    RANK_TOO_LOW = "RANK_TOO_LOW"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    ALREADY_ASSIGNED = "ALREADY_ASSIGNED"
    NOT_IN_VILLAGE = "NOT_IN_VILLAGE"
    CLEARANCE_INSUFFICIENT = "CLEARANCE_INSUFFICIENT"
    MEDICAL_REST = "MEDICAL_REST"
    MEDICAL_RESTRICTION = "MEDICAL_RESTRICTION"
    FATIGUE_UNFIT = "FATIGUE_UNFIT"
    WELFARE_HOLD = "WELFARE_HOLD"
    TEAM_TOO_SMALL = "TEAM_TOO_SMALL"
    MISSION_NOT_OPEN = "MISSION_NOT_OPEN"
    REST_PERIOD = "REST_PERIOD"
    DUTY_LIMIT = "DUTY_LIMIT"
    # Not a rule: what a caller who may not read a member's fitness is told in place of its reasons.
    NOT_FIT = "NOT_FIT"


# What the hokage's override lifts (CONTRACT "Decisions"); the rest it never does.
OVERRIDABLE = frozenset({
    Code.RANK_TOO_LOW, Code.NOT_IN_VILLAGE, Code.MEDICAL_REST, Code.MEDICAL_RESTRICTION,
    Code.FATIGUE_UNFIT, Code.WELFARE_HOLD, Code.TEAM_TOO_SMALL, Code.REST_PERIOD, Code.DUTY_LIMIT,
})
# Reasons whose message quotes the medical record; told in general words to those who may not read it.
PRIVATE_CODES = frozenset({Code.MEDICAL_REST, Code.MEDICAL_RESTRICTION, Code.WELFARE_HOLD})
# A refused A/S attempt on these grounds is a duty-of-care matter: the partners are told.
DUTY_OF_CARE_CODES = frozenset({Code.MEDICAL_REST, Code.FATIGUE_UNFIT, Code.WELFARE_HOLD})


@dataclass(frozen=True)
class Reason:
    code: Code
    message: str
    shinobi_id: int | None = None
    clears_at: datetime | None = None  # when the record behind it stops refusing; None when no record says

    @property
    def overridable(self) -> bool:
        return self.code in OVERRIDABLE


def discreet(r: Reason, name: str) -> Reason:
    """The same reason without what the medical record says."""
    words = {
        Code.MEDICAL_REST: f"{name} is under a medic's order to rest",
        Code.MEDICAL_RESTRICTION: f"{name} is on light duty, which forbids missions of this rank",
        Code.WELFARE_HOLD: f"{name} is on a welfare hold, which bars A and S missions until a review lifts it",
    }
    return Reason(r.code, words[r.code], r.shinobi_id, r.clears_at) if r.code in words else r


@dataclass(frozen=True)
class ShinobiFacts:
    id: int
    name: str
    rank: ShinobiRank
    clearance: Classification
    status: ShinobiStatus
    on_assignment: bool = False
    last_gate_direction: str | None = None  # at or before the departure: "in" | "out" | None
    restrictions: tuple[Restriction, ...] = ()
    holds: tuple[WelfareHold, ...] = ()
    sleep: tuple[SleepEpisode, ...] = ()
    gate: tuple[GateEvent, ...] = ()  # their gate log (events after the departure are not read)
    acts: tuple[datetime, ...] = ()  # their own acts on the record (awake moments, where no sleep is logged)

    @property
    def crossings(self) -> list[tuple[datetime, bool]]:
        """The gate log as (time, arrival?)."""
        return [(e.at, e.direction is Direction.IN) for e in self.gate]

    def history(self, at: datetime, tz: tzinfo) -> SleepHistory:
        """What the fatigue models run on at `at`: the log, or the estimate from the office's records."""
        return sleep_history(self.sleep, self.crossings, self.acts, at, tz)


@dataclass(frozen=True)
class MissionFacts:
    id: int
    rank: MissionRank
    classification: Classification
    status: MissionStatus
    min_team_size: int


@dataclass(frozen=True)
class FitnessPolicy:
    fatigue: FatiguePolicy = field(default_factory=FatiguePolicy)
    tz: tzinfo = UTC
    duty: DutyPolicy = field(default_factory=DutyPolicy)


@dataclass(frozen=True)
class Verdict:
    fit: bool
    reasons: tuple[Reason, ...]
    fatigue: FatigueEstimate
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class TeamVerdict:
    members: tuple[Verdict, ...]
    team_reasons: tuple[Reason, ...]

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return tuple(r for v in self.members for r in v.reasons) + self.team_reasons

    @property
    def fit(self) -> bool:
        return not self.reasons

    def blocking(self, override: bool) -> tuple[Reason, ...]:
        """What still stands after an override (when given)."""
        return tuple(r for r in self.reasons if not (override and r.overridable))


def _fmt(t: datetime | None) -> str:
    return "no time on record" if t is None else t.strftime("%Y-%m-%d %H:%M %Z").strip()


def assess(
    s: ShinobiFacts,
    mission: MissionFacts | None,
    departs_at: datetime,
    policy: FitnessPolicy,
    fatigue: FatigueEstimate | None = None,
) -> Verdict:
    """Every individual reason `s` may not depart on `mission` at `departs_at`.

    Without a mission only the rules that need none are judged: status, assignment, the gate
    and rest orders.
    """
    if fatigue is None:
        fatigue = fatigue_of(s, departs_at, policy)
    reasons: list[Reason] = []

    def add(code: Code, message: str, clears_at: datetime | None = None) -> None:
        reasons.append(Reason(code, message, s.id, clears_at))

    if s.status in UNAVAILABLE_STATUSES:
        add(Code.NOT_AVAILABLE, f"{s.name} is {s.status.value} and cannot be sent")
    if s.on_assignment or s.status is ShinobiStatus.ON_MISSION:
        add(Code.ALREADY_ASSIGNED, f"{s.name} is on another mission that has not been reported")
    if s.last_gate_direction == "out":
        add(Code.NOT_IN_VILLAGE, f"{s.name} left the village by the gate and has not come back "
                                 f"by {_fmt(departs_at)}")
    if mission is not None:
        needed = MIN_SHINOBI_RANK[mission.rank]
        if s.rank.order < needed.order:
            add(Code.RANK_TOO_LOW, f"{mission.rank.value}-rank missions need at least {needed.value}; "
                                   f"{s.name} is {s.rank.value}")
        if s.clearance.order < mission.classification.order:
            add(Code.CLEARANCE_INSUFFICIENT,
                f"{s.name} holds {s.clearance.value} clearance, below what this mission needs")
    in_force = [r for r in s.restrictions if r.covers(departs_at)]
    rest = [r for r in in_force if r.kind is RestrictionKind.REST]
    if rest:
        r = rest[0]
        add(Code.MEDICAL_REST, f"{s.name} is ordered to rest ({r.reason}; {r.status.value} "
                               f"since {_fmt(r.starts_at)})",
            free_from((x for x in s.restrictions if x.kind is RestrictionKind.REST), departs_at))
    _gate_reasons(s, duty_of(s, departs_at, policy), add)
    if mission is not None:
        light = [r for r in in_force if r.kind is not RestrictionKind.REST and r.forbids(mission.rank)]
        if light:
            add(Code.MEDICAL_RESTRICTION, f"{s.name} is on light duty ({light[0].reason}), which forbids "
                                          f"{mission.rank.value}-rank missions",
                free_from((x for x in s.restrictions if x.kind is not RestrictionKind.REST
                           and x.forbids(mission.rank)), departs_at))
        if policy.fatigue.refuses(mission.rank.value, fatigue):
            add(Code.FATIGUE_UNFIT, _fatigue_message(s.name, mission.rank, fatigue))
        if mission.rank in HOLD_FORBIDS:
            holds = [h for h in s.holds if h.covers(departs_at)]
            if holds:
                add(Code.WELFARE_HOLD, f"{s.name} is on a welfare hold since {_fmt(holds[0].since)} "
                                       f"({holds[0].reason}), which bars A and S missions until a "
                                       "welfare review lifts it")
    warnings: tuple[str, ...] = ()
    if fatigue.level == "unknown":
        warnings = (f"No sleep is logged for {s.name} in the 48 hours before {_fmt(departs_at)}: "
                    "fatigue is unknown, not judged",)
    return Verdict(fit=not reasons, reasons=tuple(reasons), fatigue=fatigue, warnings=warnings)


def fatigue_of(s: ShinobiFacts, at: datetime, policy: FitnessPolicy) -> FatigueEstimate:
    """Fatigue at `at` from the log, or from the estimate where the log is silent (saying so, and on what)."""
    history = s.history(at, policy.tz)
    f = estimate_fatigue(history.episodes, at, policy.tz)
    return replace(f, estimated=True, basis=history.basis) if history.estimated else f


def duty_of(s: ShinobiFacts, departs_at: datetime, policy: FitnessPolicy) -> DutyLimits:
    """The rest and duty limits of one shinobi: the roster's definition, for a roster of one."""
    log = s.crossings
    return duty_limits(np.zeros(len(log), dtype=np.int64), np.fromiter((t.timestamp() for t, _ in log), float),
                       np.fromiter((inward for _, inward in log), bool), 1, departs_at.timestamp(), policy.duty)


def _when(seconds: float) -> datetime | None:
    return None if math.isinf(seconds) else datetime.fromtimestamp(seconds, UTC)


def _gate_reasons(s: ShinobiFacts, d: DutyLimits, add) -> None:
    """REST_PERIOD and DUTY_LIMIT from one shinobi's limits `d`, in words, with when each clears."""
    if d.rest_refused[0]:
        clears = _when(float(d.rest_clears[0]))
        add(Code.REST_PERIOD, f"{s.name} came back through the gate at {_fmt(_when(float(d.returned[0])))} after "
                              f"{d.trip_hours[0]:.0f} h outside, and rests until {_fmt(clears)}", clears)
    if d.duty_refused[0]:
        clears = _when(float(d.duty_clears[0]))
        add(Code.DUTY_LIMIT, f"{s.name} has had no {d.free_hours:.0f} hours in a row inside the village in the "
                             f"last {d.window_hours:.0f} (the longest: {d.longest_free_hours[0]:.1f} h)", clears)


def _fatigue_message(name: str, rank: MissionRank, f: FatigueEstimate) -> str:
    article = "an" if rank in (MissionRank.A, MissionRank.S) else "a"
    return (f"{name} is predicted too tired for {article} {rank.value}-rank departure: sleepiness "
            f"{f.kss:.1f} on the 1-9 scale, effectiveness {f.effectiveness:.0f}%"
            + (f", {f.hours_awake:.1f} h awake" if f.hours_awake is not None else ""))


def assess_team(
    team: Sequence[ShinobiFacts],
    mission: MissionFacts,
    departs_at: datetime,
    policy: FitnessPolicy,
    fatigue: Sequence[FatigueEstimate] | None = None,
) -> TeamVerdict:
    members = tuple(
        assess(s, mission, departs_at, policy, fatigue[i] if fatigue is not None else None)
        for i, s in enumerate(team)
    )
    team_reasons: list[Reason] = []
    if mission.status is not MissionStatus.OPEN:
        team_reasons.append(Reason(Code.MISSION_NOT_OPEN, _not_open_message(mission.status)))
    if len(team) < mission.min_team_size:
        team_reasons.append(Reason(
            Code.TEAM_TOO_SMALL,
            f"this {mission.rank.value}-rank mission needs a team of at least {mission.min_team_size}; "
            f"{len(team)} named"))
    return TeamVerdict(members=members, team_reasons=tuple(team_reasons))


def _not_open_message(status: MissionStatus) -> str:
    if status is MissionStatus.PENDING_AUTHORIZATION:
        return "the mission is waiting for authorisation"
    if status is MissionStatus.ASSIGNED:
        return "the mission already has a team"
    return f"the mission is closed ({status.value})"


# -- the whole roster at once ------------------------------------------------------------------------
_MISSION_RANKS = tuple(MissionRank)


class _Renumbered:
    """Rows owned by entries of a roster, kept for the entries taken and renumbered in their new order."""

    def __init__(self, new: np.ndarray) -> None:
        self.new = new  # each old entry's new number, -1 for those not taken

    def __call__(self, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(which rows are kept, their new owners)."""
        mask = self.new[owner] >= 0
        return mask, self.new[owner[mask]]


def _renumbering(n: int, index: np.ndarray) -> tuple[np.ndarray, _Renumbered]:
    """The entries at these (ascending) indexes of a roster of n, numbered 0.. in that order: the one place
    `RosterRecords.take` and `RosterFacts.take` renumber their rows."""
    index = np.asarray(index, dtype=np.int64)
    new = np.full(n, -1, dtype=np.int64)
    new[index] = np.arange(index.size)
    return index, _Renumbered(new)


@dataclass(frozen=True, eq=False)
class RosterRecords:
    """The records the roster's facts come from, as read, before a departure time is chosen (one entry per
    shinobi; times in POSIX seconds): `RosterFacts.at` judges any time they reach 14 days before. The sleep
    log, the gate log and the shinobi's own acts are columns (entry k belongs to shinobi index `*_owner[k]`);
    the gate log sorted by owner, then time, then entry order. Orders and holds are the few that may be in
    force, with the index of their shinobi; `covers` decides."""

    ids: np.ndarray  # int64
    rank: np.ndarray  # int16: ShinobiRank.order
    clearance: np.ndarray  # int16: Classification.order
    unavailable: np.ndarray  # status among UNAVAILABLE_STATUSES (judged now)
    assigned: np.ndarray  # on an unreported mission, or marked on mission (judged now)
    sleep_owner: np.ndarray
    sleep_start: np.ndarray
    sleep_end: np.ndarray
    gate_owner: np.ndarray
    gate_at: np.ndarray
    gate_in: np.ndarray
    restrictions: tuple[tuple[int, Restriction], ...] = ()
    holds: tuple[tuple[int, WelfareHold], ...] = ()
    acts_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    acts_at: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return int(self.ids.size)

    @classmethod
    def of(cls, facts: Sequence[ShinobiFacts],
           sleep: tuple[Sequence[int], Sequence[float], Sequence[float]] | None = None) -> RosterRecords:
        """The records of per-shinobi facts (`sleep`: the log as columns by shinobi id, read in their stead)."""
        n = len(facts)
        ids = np.fromiter((s.id for s in facts), np.int64, n)
        if sleep is None:
            owner, start, end = _columns(facts, lambda s: s.sleep, lambda e: (e.start.timestamp(), e.end.timestamp()))
        else:
            owner = indexes_of(ids, sleep[0])
            start, end = np.asarray(sleep[1], dtype=np.float64), np.asarray(sleep[2], dtype=np.float64)
        g_owner, g_at, g_in = _columns(facts, lambda s: sorted(s.gate, key=lambda e: (e.at, e.id)),
                                       lambda e: (e.at.timestamp(), float(e.direction is Direction.IN)))
        a_owner, a_at, _ = _columns(facts, lambda s: s.acts, lambda t: (t.timestamp(), 0.0))
        return cls(
            ids=ids,
            rank=np.fromiter((s.rank.order for s in facts), np.int16, n),
            clearance=np.fromiter((s.clearance.order for s in facts), np.int16, n),
            unavailable=np.fromiter((s.status in UNAVAILABLE_STATUSES for s in facts), bool, n),
            assigned=np.fromiter((s.on_assignment or s.status is ShinobiStatus.ON_MISSION for s in facts), bool, n),
            sleep_owner=owner, sleep_start=start, sleep_end=end,
            gate_owner=g_owner, gate_at=g_at, gate_in=g_in.astype(bool),
            restrictions=tuple((i, r) for i, s in enumerate(facts) for r in s.restrictions),
            holds=tuple((i, h) for i, s in enumerate(facts) for h in s.holds),
            acts_owner=a_owner, acts_at=a_at,
        )

    def take(self, index: np.ndarray) -> RosterRecords:
        """The records of the shinobi at these (ascending) indexes, renumbered in that order."""
        index, kept = _renumbering(len(self), index)
        s_mask, s_owner = kept(self.sleep_owner)
        g_mask, g_owner = kept(self.gate_owner)
        a_mask, a_owner = kept(self.acts_owner)
        new = kept.new
        return RosterRecords(
            ids=self.ids[index], rank=self.rank[index], clearance=self.clearance[index],
            unavailable=self.unavailable[index], assigned=self.assigned[index],
            sleep_owner=s_owner, sleep_start=self.sleep_start[s_mask], sleep_end=self.sleep_end[s_mask],
            gate_owner=g_owner, gate_at=self.gate_at[g_mask], gate_in=self.gate_in[g_mask],
            restrictions=tuple((int(new[i]), r) for i, r in self.restrictions if new[i] >= 0),
            holds=tuple((int(new[i]), h) for i, h in self.holds if new[i] >= 0),
            acts_owner=a_owner, acts_at=self.acts_at[a_mask])

    def away_at(self, t: float) -> np.ndarray:
        """Who was last through the gate outwards at or before `t`."""
        away = np.zeros(len(self), dtype=bool)
        seen = np.flatnonzero(self.gate_at <= t)
        if seen.size:
            owner = self.gate_owner[seen]
            last = np.ones(seen.size, dtype=bool)
            last[:-1] = owner[1:] != owner[:-1]
            away[owner[last]] = ~self.gate_in[seen[last]]
        return away

    def silent_and_seen(self, t: float) -> np.ndarray:
        """Those whose sleep log is silent in the 48 hours before `t` but who have gate records in the 14 days
        before it: the estimate may speak for them (their own acts are then read)."""
        silent = ~recent_logs(self.sleep_owner, self.sleep_start, self.sleep_end, len(self), t)
        seen = np.zeros(len(self), dtype=bool)
        seen[self.gate_owner[self.gate_at <= t]] = True
        return silent & seen

    def with_estimates(self, at: datetime, tz: tzinfo) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The sleep columns with each silent log that the gate log can speak for replaced by its estimate."""
        owner, start, end = self.sleep_owner, self.sleep_start, self.sleep_end
        candidates = np.flatnonzero(self.silent_and_seen(at.timestamp()))
        if not candidates.size:
            return owner, start, end
        gate_runs = _runs(self.gate_owner, len(self))
        act_order = np.argsort(self.acts_owner, kind="stable")
        act_runs = _runs(self.acts_owner[act_order], len(self))
        estimates = {}
        for i in candidates.tolist():
            g = slice(*gate_runs[i])
            crossings = [(_moment(a), bool(inward)) for a, inward in zip(self.gate_at[g].tolist(),
                                                                         self.gate_in[g].tolist(), strict=True)]
            acts = [_moment(a) for a in self.acts_at[act_order[slice(*act_runs[i])]].tolist()]
            found = estimate_history(crossings, acts, at, tz)
            if found is not None:
                estimates[i] = found.episodes
        if not estimates:
            return owner, start, end
        keep = ~np.isin(owner, list(estimates))
        extra = [(i, e) for i, episodes in estimates.items() for e in episodes]
        return (np.concatenate([owner[keep], np.fromiter((i for i, _ in extra), np.int64, len(extra))]),
                np.concatenate([start[keep], np.fromiter((e.start.timestamp() for _, e in extra), np.float64,
                                                         len(extra))]),
                np.concatenate([end[keep], np.fromiter((e.end.timestamp() for _, e in extra), np.float64,
                                                       len(extra))]))


def indexes_of(ids: np.ndarray, wanted: Sequence[int] | np.ndarray) -> np.ndarray:
    """The index in `ids` of each of `wanted` (all must be there)."""
    by_id = np.argsort(ids, kind="stable")
    wanted = np.asarray(wanted, dtype=np.int64)
    at = np.searchsorted(ids, wanted, sorter=by_id)
    if wanted.size and (at.max() >= ids.size or not np.array_equal(ids[by_id[at]], wanted)):
        raise ValueError("a record names a shinobi who is not in the roster")
    return by_id[at]


def _columns(facts, items, values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-shinobi sequences as columns: the owner index of each item, and its two values."""
    per = [items(s) for s in facts]
    sizes = np.fromiter(map(len, per), np.int64, len(per))
    flat = [values(x) for x in chain.from_iterable(per)]
    pairs = np.array(flat, dtype=np.float64).reshape(len(flat), 2)
    return np.repeat(np.arange(len(per), dtype=np.int64), sizes), pairs[:, 0].copy(), pairs[:, 1].copy()


def _runs(sorted_owner: np.ndarray, n: int) -> np.ndarray:
    """(start, stop) of each owner's run in a column sorted by owner."""
    starts = np.searchsorted(sorted_owner, np.arange(n), side="left")
    stops = np.searchsorted(sorted_owner, np.arange(n), side="right")
    return np.stack([starts, stops], axis=1)


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True, eq=False)
class RosterFacts:
    """What `assess` reads of many shinobi at one departure time, as columns (one entry per shinobi),
    so that every individual rule is judged for the whole roster at once. The sleep log is columnar
    too: episode k belongs to shinobi `sleep_owner[k]` (an index) and runs from `sleep_start[k]` to
    `sleep_end[k]` (POSIX seconds)."""

    departs_at: datetime
    ids: np.ndarray  # int64
    rank: np.ndarray  # int16: ShinobiRank.order
    clearance: np.ndarray  # int16: Classification.order
    unavailable: np.ndarray  # status among UNAVAILABLE_STATUSES
    assigned: np.ndarray  # on an unreported mission, or marked on mission
    away: np.ndarray  # last through the gate outwards, by the departure
    resting: np.ndarray  # a rest order in force at the departure
    light: np.ndarray  # (n, 5): a light-duty order in force forbids that MissionRank (in enum order)
    held: np.ndarray  # a welfare hold in force at the departure
    sleep_owner: np.ndarray
    sleep_start: np.ndarray
    sleep_end: np.ndarray
    # the gate log as columns too: event k belongs to shinobi `gate_owner[k]` (an index), happened at
    # `gate_at[k]` (POSIX seconds) and was an arrival if `gate_in[k]`
    gate_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    gate_at: np.ndarray = field(default_factory=lambda: np.zeros(0))
    gate_in: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __len__(self) -> int:
        return int(self.ids.size)

    @classmethod
    def of(cls, facts: Sequence[ShinobiFacts], departs_at: datetime,
           sleep: tuple[Sequence[int], Sequence[float], Sequence[float]] | None = None,
           tz: tzinfo = UTC) -> RosterFacts:
        """The columns of these facts. `sleep`, when given, is the log as columns (shinobi id, start, end
        in POSIX seconds) and stands for the facts' own `sleep`, which is then not read. Each fact's
        `last_gate_direction` says whether they are away (the facts were gathered at `departs_at`)."""
        records = RosterRecords.of(facts, sleep)
        away = np.fromiter((s.last_gate_direction == "out" for s in facts), bool, len(facts))
        return cls.at(records, departs_at, tz, away=away)

    @classmethod
    def at(cls, records: RosterRecords, departs_at: datetime, tz: tzinfo = UTC,
           away: np.ndarray | None = None) -> RosterFacts:
        """The roster's facts at `departs_at` from its records (which must reach 14 days before it): who is
        away by the gate log, which orders and holds are in force, and the sleep log with each silent log
        the gate log can speak for replaced by its estimate (`domain/fatigue/estimate.py`), as for one shinobi."""
        n = len(records)
        t = departs_at.timestamp()
        light = np.zeros((n, len(_MISSION_RANKS)), dtype=bool)
        resting = np.zeros(n, dtype=bool)
        held = np.zeros(n, dtype=bool)
        for i, r in records.restrictions:
            if r.covers(departs_at):
                if r.kind is RestrictionKind.REST:
                    resting[i] = True
                else:
                    light[i] |= [r.forbids(m) for m in _MISSION_RANKS]
        for i, h in records.holds:
            held[i] |= h.covers(departs_at)
        if away is None:
            away = records.away_at(t)
        owner, start, end = records.with_estimates(departs_at, tz)
        return cls(
            departs_at=departs_at, ids=records.ids, rank=records.rank, clearance=records.clearance,
            unavailable=records.unavailable, assigned=records.assigned, away=away,
            resting=resting, light=light, held=held, sleep_owner=owner, sleep_start=start, sleep_end=end,
            gate_owner=records.gate_owner, gate_at=records.gate_at, gate_in=records.gate_in,
        )

    def take(self, index: np.ndarray) -> RosterFacts:
        """The facts of the shinobi at these (ascending) indexes, renumbered in that order."""
        index, kept = _renumbering(len(self), index)
        s_mask, s_owner = kept(self.sleep_owner)
        g_mask, g_owner = kept(self.gate_owner)
        return replace(
            self, ids=self.ids[index], rank=self.rank[index], clearance=self.clearance[index],
            unavailable=self.unavailable[index], assigned=self.assigned[index], away=self.away[index],
            resting=self.resting[index], light=self.light[index], held=self.held[index],
            sleep_owner=s_owner, sleep_start=self.sleep_start[s_mask], sleep_end=self.sleep_end[s_mask],
            gate_owner=g_owner, gate_at=self.gate_at[g_mask], gate_in=self.gate_in[g_mask])

    def duty(self, policy: FitnessPolicy) -> DutyLimits:
        return duty_limits(self.gate_owner, self.gate_at, self.gate_in, len(self), self.departs_at.timestamp(),
                           policy.duty)

    def fatigue(self, policy: FitnessPolicy) -> RosterFatigue:
        return estimate_roster_arrays(self.sleep_owner, self.sleep_start, self.sleep_end, len(self),
                                      self.departs_at, policy.tz)


@dataclass(frozen=True, eq=False)
class RosterVerdict:
    """For each individual reason code, which shinobi it applies to; `eligible` where none does."""

    codes: dict[Code, np.ndarray]
    eligible: np.ndarray

    def count(self) -> dict[str, int]:
        """How many shinobi each reason keeps out (a shinobi may count under several)."""
        return {c.value: int(m.sum()) for c, m in self.codes.items() if m.any()}


def assess_roster(roster: RosterFacts, mission: MissionFacts, policy: FitnessPolicy,
                  fatigue: RosterFatigue | None = None) -> RosterVerdict:
    """The individual rules of `assess` on `mission` for every shinobi of the roster at once: the
    same codes for each shinobi as `assess` gives (the property tests hold the two together)."""
    if fatigue is None:
        fatigue = roster.fatigue(policy)
    rank_i = _MISSION_RANKS.index(mission.rank)
    duty = roster.duty(policy)
    codes = {
        Code.NOT_AVAILABLE: roster.unavailable,
        Code.ALREADY_ASSIGNED: roster.assigned,
        Code.NOT_IN_VILLAGE: roster.away,
        Code.RANK_TOO_LOW: roster.rank < MIN_SHINOBI_RANK[mission.rank].order,
        Code.CLEARANCE_INSUFFICIENT: roster.clearance < mission.classification.order,
        Code.MEDICAL_REST: roster.resting,
        Code.REST_PERIOD: duty.rest_refused,
        Code.DUTY_LIMIT: duty.duty_refused,
        Code.MEDICAL_RESTRICTION: roster.light[:, rank_i],
        Code.FATIGUE_UNFIT: fatigue.refused(policy.fatigue, mission.rank),
        Code.WELFARE_HOLD: roster.held if mission.rank in HOLD_FORBIDS else np.zeros(len(roster), dtype=bool),
    }
    blocked = np.zeros(len(roster), dtype=bool)
    for mask in codes.values():
        blocked |= mask
    return RosterVerdict(codes=codes, eligible=~blocked)


# -- the roster's duty badges ------------------------------------------------------------------------------
# What keeps a person from duty, in the order a person's badges are shown (the first is "the" badge), then how
# tired they are (the fatigue level: fit, caution, unfit, unknown).
DUTY_BADGES = ("fallen", "on_mission", "away", "resting", "rest_period", "off_duty", "on_hold")
FATIGUE_CONCERNS = ("unfit", "caution")
FATIGUE_LEVELS = ("unfit", "caution", "fit", "unknown")
BADGES = DUTY_BADGES + FATIGUE_LEVELS  # every badge, in the order a person's badges are listed


def duty_masks(roster: RosterFacts, duty: DutyLimits, fallen: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Which column of the roster makes which duty badge, one mask per badge in DUTY_BADGES order: the one
    place that says it, for the roster's badges and the team form's."""
    n = len(roster.assigned)
    return {"fallen": np.zeros(n, dtype=bool) if fallen is None else fallen, "on_mission": roster.assigned,
            "away": roster.away, "resting": roster.resting, "rest_period": duty.rest_refused,
            "off_duty": duty.duty_refused, "on_hold": roster.held}


def badge_columns(masks: Mapping[str, np.ndarray], levels: np.ndarray) -> dict[str, np.ndarray]:
    """Who has each badge, for a whole roster at once: the duty badges of `duty_masks` (the fallen have that
    badge alone), then each person's fatigue level (`levels`, by name) when it is a concern (unfit, caution)
    or when no duty badge applies. The one place that says which badges a person has (`duty_badges` asks it
    for one person)."""
    fallen = np.asarray(masks["fallen"], dtype=bool)
    alive = ~fallen
    out = {"fallen": fallen}
    anything = np.zeros(fallen.shape, dtype=bool)
    for b in DUTY_BADGES[1:]:
        out[b] = np.asarray(masks[b], dtype=bool) & alive
        anything |= out[b]
    for level in FATIGUE_LEVELS:
        has = (levels == level) & alive
        out[level] = has if level in FATIGUE_CONCERNS else has & ~anything
    return out


def duty_badges(flags: Mapping[str, bool], level: str) -> tuple[str, ...]:
    """Every badge one person has, in DUTY_BADGES order then the fatigue level (`badge_columns`' rule)."""
    cols = badge_columns({b: np.array([bool(flags.get(b))]) for b in DUTY_BADGES}, np.array([level]))
    return tuple(b for b in BADGES if cols[b][0])
