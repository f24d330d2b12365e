"""Fatigue at departure, predicted from the sleep log (spec: FATIGUE.md).

Two biomathematical models run over a shinobi's logged sleep:

* Model A, the Three-Process Model (Akerstedt & Folkard, FIPS defaults), gives KSS 1..9;
* Model B, SAFTE (Hursh et al. 2004), gives effectiveness E (%).

Decisions use KSS without the sleep-inertia term W and E without the inertia term I; both
variants are reported. Pure: no I/O, no clock (`at` is a parameter), thresholds come in as
policy objects.

Time grid. Everything runs on a one-minute grid anchored at the evaluated time `at`: every
episode boundary is rounded to the nearest whole minute before `at` (half a minute rounds up,
i.e. later). A SAFTE step covers one grid minute, with c evaluated at the minute's start.
Clock hours come from the UTC offset that `tz` has at `at`, applied to the whole history
(so a DST change inside the history does not shift the circadian terms).

`estimate_fatigue` steps SAFTE minute by minute through each sleep (the literal reading of the
spec); `estimate_roster` computes the same sleep dynamics in closed form per regime, vectorised
over the roster with numpy, and agrees with it to rounding (checked by the unit tests).
`predict_series` runs that vectorised core once for all of a forecast's points.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from types import MappingProxyType

import numpy as np

__all__ = [
    "DEFAULT_BANDS",
    "FatigueBands",
    "FatigueEstimate",
    "FatiguePolicy",
    "ModelOutputs",
    "RankLimit",
    "SleepEpisode",
    "estimate_fatigue",
    "estimate_roster",
    "find_overlap",
    "level_for",
    "model_outputs",
    "predict_series",
    "safte_circadian",
    "three_process_kss",
]

# ---------------------------------------------------------------- history rules (FATIGUE.md, Inputs)
HISTORY_WINDOW = timedelta(days=14)  # episodes ending within this window before `at` are used
RECENT_WINDOW = timedelta(hours=48)  # no episode overlapping it -> level "unknown"
LEAD_IN = timedelta(hours=16)  # the models start this long before the first used episode

_HISTORY_S = HISTORY_WINDOW.total_seconds()
_RECENT_S = RECENT_WINDOW.total_seconds()
_LEAD_IN_MIN = 960
_DAY_MIN = 1440

# ---------------------------------------------------------------- Model A: three-process model (hours)
TPM_S_START = 14.0  # "just woken, rested" at the model start
TPM_S_ASYMPTOTE_AWAKE = 2.4
TPM_AWAKE_RATE = 0.0353
TPM_S_UPPER = 14.3
TPM_S_BREAK = 12.2
TPM_G = math.log((14.3 - 14.0) / (14.3 - 7.96)) / 8.0  # -0.381356 /h
TPM_K = TPM_G * (TPM_S_BREAK - TPM_S_UPPER)  # 0.80085 /h

# ---------------------------------------------------------------- Model B: SAFTE (minutes)
SAFTE_RC = 2880.0
SAFTE_AWAKE_LOSS = 0.5
SAFTE_B = 0.0026564
SAFTE_SI_MAX = 4.4
SAFTE_INERTIA_MINUTES = 120

KSS_MIN = 1.0
KSS_MAX = 9.0

LEVELS = ("fit", "caution", "unfit", "unknown")
RANKS = ("D", "C", "B", "A", "S")


# ================================================================ value objects
@dataclass(frozen=True, slots=True)
class SleepEpisode:
    start: datetime  # aware
    end: datetime  # aware, > start

    def __post_init__(self) -> None:
        _require_aware(self.start, "start")
        _require_aware(self.end, "end")
        if not self.end > self.start:
            raise ValueError(f"sleep episode must end after it starts: {self.start} .. {self.end}")


@dataclass(frozen=True)
class FatigueEstimate:
    level: str  # "fit" | "caution" | "unfit" | "unknown"
    kss: float | None  # inertia-free KSS (no W), clipped 1..9; None only without usable history
    effectiveness: float | None  # inertia-free E (no I), %
    kss_with_inertia: float | None  # KSS with W, clipped 1..9
    effectiveness_with_inertia: float | None  # E with I
    hours_awake: float | None  # since the end of the last sleep (0 if asleep at `at`); None if unknown
    estimated: bool = False  # run on a history estimated from the office's records (domain/estimate.py)
    basis: str | None = None  # the records it rests on, in words, when estimated


@dataclass(frozen=True, slots=True)
class ModelOutputs:
    """Raw model state at `at` (KSS unclipped), for reports, charts and tests."""

    s: float  # three-process homeostatic S
    reservoir: float  # SAFTE R
    kss_raw: float  # 10.6 - 0.6*(S + C + U), unclipped
    kss_raw_with_inertia: float  # 10.6 - 0.6*(S + C + U + W), unclipped
    effectiveness: float  # E without I
    effectiveness_with_inertia: float  # E with I
    hours_awake: float  # since the end of the last used episode, on the minute grid
    last_sleep_intensity: float  # SIw, the SI of the last minute of the last sleep
    recent: bool  # some episode overlaps the 48 h before `at`


@dataclass(frozen=True, slots=True)
class FatigueBands:
    """The level bands of FATIGUE.md: fit below the first pair, unfit at/after the second."""

    fit_max_kss: float = 7.0  # fit needs KSS < this ...
    fit_min_effectiveness: float = 90.0  # ... and E >= this
    caution_max_kss: float = 8.0  # unfit when KSS >= this ...
    caution_min_effectiveness: float = 77.5  # ... or E < this


DEFAULT_BANDS = FatigueBands()


@dataclass(frozen=True, slots=True)
class RankLimit:
    max_kss: float  # refused when KSS >= max_kss
    min_effectiveness: float  # refused when E < min_effectiveness


def _default_limits() -> Mapping[str, RankLimit]:
    return {
        "S": RankLimit(7.0, 85.0),
        "A": RankLimit(7.0, 85.0),
        "B": RankLimit(8.0, 77.5),
        "C": RankLimit(8.0, 77.5),
        "D": RankLimit(8.5, 70.0),
    }


@dataclass(frozen=True)
class FatiguePolicy:
    """Refusal thresholds per mission rank (FATIGUE.md, "the refusal policy").

    Refused when the inertia-free KSS >= max_kss or the inertia-free E < min_effectiveness;
    never refused when the level is "unknown".
    """

    limits: Mapping[str, RankLimit] = field(default_factory=_default_limits)

    def __post_init__(self) -> None:
        limits = {str(rank).upper(): limit for rank, limit in dict(self.limits).items()}
        missing = [rank for rank in RANKS if rank not in limits]
        if missing:
            raise ValueError(f"fatigue policy lacks limits for ranks {missing}")
        object.__setattr__(self, "limits", MappingProxyType(limits))

    def limit_for(self, mission_rank: object) -> RankLimit:
        rank = str(getattr(mission_rank, "value", mission_rank)).upper()
        try:
            return self.limits[rank]
        except KeyError:
            raise ValueError(f"unknown mission rank {mission_rank!r}") from None

    def breaches(self, mission_rank: object, estimate: FatigueEstimate) -> tuple[str, ...]:
        """Which limits the estimate breaks: a subset of ("kss", "effectiveness")."""
        limit = self.limit_for(mission_rank)
        if estimate.level == "unknown" or estimate.kss is None or estimate.effectiveness is None:
            return ()
        found: list[str] = []
        if estimate.kss >= limit.max_kss:
            found.append("kss")
        if estimate.effectiveness < limit.min_effectiveness:
            found.append("effectiveness")
        return tuple(found)

    def refuses(self, mission_rank: object, estimate: FatigueEstimate) -> bool:
        return bool(self.breaches(mission_rank, estimate))


# ================================================================ model pieces
def three_process_circadian(h: float) -> float:
    """C + U of the three-process model at clock hour h."""
    return 2.5 * math.cos(2.0 * math.pi * (h - 16.8) / 24.0) + (
        -0.5 + 0.5 * math.cos(2.0 * math.pi * (h - 19.8) / 12.0)
    )


def three_process_inertia(hours_since_waking: float) -> float:
    """W = -5.72 exp(-1.51 t)."""
    return -5.72 * math.exp(-1.51 * hours_since_waking)


def three_process_awake(s_wake: float, hours: float) -> float:
    """S after `hours` awake, from S = s_wake."""
    return TPM_S_ASYMPTOTE_AWAKE + (s_wake - TPM_S_ASYMPTOTE_AWAKE) * math.exp(-TPM_AWAKE_RATE * hours)


def three_process_asleep(s_start: float, hours: float) -> float:
    """S after `hours` asleep, from S = s_start (linear rise below 12.2, then exponential)."""
    if s_start < TPM_S_BREAK:
        tb = (TPM_S_BREAK - s_start) / TPM_K
        if hours <= tb:
            return s_start + TPM_K * hours
        return TPM_S_UPPER - (TPM_S_UPPER - TPM_S_BREAK) * math.exp(TPM_G * (hours - tb))
    return TPM_S_UPPER - (TPM_S_UPPER - s_start) * math.exp(TPM_G * hours)


def three_process_kss(s_wake: float, hours_awake: float, clock_hour: float, *, inertia: bool = True) -> float:
    """Unclipped KSS after `hours_awake` hours awake from S = s_wake at waking (TV0's form)."""
    alertness = three_process_awake(s_wake, hours_awake) + three_process_circadian(clock_hour)
    if inertia:
        alertness += three_process_inertia(hours_awake)
    return 10.6 - 0.6 * alertness


def safte_circadian(h: float) -> float:
    """SAFTE c at clock hour h."""
    return math.cos(2.0 * math.pi * (h - 18.0) / 24.0) + 0.5 * math.cos(4.0 * math.pi * (h - 21.0) / 24.0)


def safte_effectiveness(reservoir: float, c: float) -> float:
    """E without inertia: 100 R/Rc + c (7 + 5 (Rc - R)/Rc)."""
    return 100.0 * reservoir / SAFTE_RC + c * (7.0 + 5.0 * (SAFTE_RC - reservoir) / SAFTE_RC)


def safte_inertia(minutes_since_waking: float, last_si: float) -> float:
    """I = -5 exp(-0.04 ta / SIw) while ta <= 120 min (inclusive, as TV4-TV6 need); 0 when SIw = 0."""
    if minutes_since_waking > SAFTE_INERTIA_MINUTES or last_si <= 0.0:
        return 0.0
    return -5.0 * math.exp(-0.04 * minutes_since_waking / last_si)


def level_for(kss: float, effectiveness: float, bands: FatigueBands = DEFAULT_BANDS) -> str:
    """FATIGUE.md's bands: fit, caution or unfit (from inertia-free values)."""
    if kss < bands.fit_max_kss and effectiveness >= bands.fit_min_effectiveness:
        return "fit"
    if kss < bands.caution_max_kss and effectiveness >= bands.caution_min_effectiveness:
        return "caution"
    return "unfit"


def find_overlap(episodes: Iterable[SleepEpisode]) -> tuple[SleepEpisode, SleepEpisode] | None:
    """Two episodes sharing an instant (touching, end == start, is not overlap), or None."""
    ordered = sorted(episodes, key=attrgetter("start"))
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.start < earlier.end:
            return earlier, later
    return None


# ================================================================ shared preparation
def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def _clock_hour(at: datetime, tz: tzinfo) -> float:
    local = at.astimezone(tz)
    return local.hour + local.minute / 60.0 + (local.second + local.microsecond / 1e6) / 3600.0


@lru_cache(maxsize=32)
def _forcing_table(h_at: float) -> tuple[float, ...]:
    """-0.55 c at grid minute n (n <= 0 minutes from `at`), indexed by n mod 1440; doubled for slicing."""
    day = tuple(-0.55 * safte_circadian((h_at + j / 60.0) % 24.0) for j in range(_DAY_MIN))
    return day + day


@lru_cache(maxsize=32)
def _forcing_array(h_at: float) -> np.ndarray:
    table = np.array(_forcing_table(h_at)[:_DAY_MIN], dtype=np.float64)
    table.setflags(write=False)
    return table


def _minute(seconds: float) -> int:
    """Grid minute of a time `seconds` after `at` (nearest; half a minute rounds later)."""
    return math.floor(seconds / 60.0 + 0.5)


@dataclass(frozen=True, slots=True)
class _History:
    first: int | None  # grid minute of the first used episode's start (None: no used episode)
    starts: list[int]  # grid minutes (<= 0), sorted; episodes at least one grid minute long
    ends: list[int]
    recent: bool


def _prepare(episodes: Iterable[SleepEpisode], at_ts: float) -> _History:
    spans = []
    for ep in episodes:
        s = ep.start.timestamp() - at_ts
        if s >= 0.0:  # starts at/after `at`: ignored
            continue
        e = ep.end.timestamp() - at_ts
        if e <= -_HISTORY_S:  # ended 14 days or more before `at`
            continue
        spans.append((s, e if e < 0.0 else 0.0))  # an episode in progress is cut at `at`
    spans.sort()
    recent = False
    prev_end = -math.inf
    first = _minute(spans[0][0]) if spans else None
    starts: list[int] = []
    ends: list[int] = []
    for s, e in spans:
        if s < prev_end:
            raise ValueError("sleep episodes overlap")
        prev_end = e
        if e > -_RECENT_S:
            recent = True
        ns, ne = _minute(s), _minute(e)
        if ne > ns:
            starts.append(ns)
            ends.append(ne)
    return _History(first, starts, ends, recent)


# ================================================================ single shinobi: minute-by-minute SAFTE
def _safte_sleep(reservoir: float, start: int, end: int, table: tuple[float, ...]) -> tuple[float, float]:
    """Step SAFTE through the sleep minutes [start, end); returns (R, SI of the last minute)."""
    b, rc, si_max = SAFTE_B, SAFTE_RC, SAFTE_SI_MAX
    r = reservoir
    j = start % _DAY_MIN
    remaining = end - 1 - start  # all minutes but the last; the last one gives SIw
    while remaining > 0:
        take = remaining if remaining < _DAY_MIN else _DAY_MIN
        for a in table[j : j + take]:
            si = a + b * (rc - r)
            if si < 0.0:
                si = 0.0
            elif si > si_max:
                si = si_max
            r += si
            if r >= rc:  # R = Rc is absorbing while asleep (SI >= 0): skip to the last minute
                r = rc
                remaining = take
                break
        remaining -= take
        j = (j + take) % _DAY_MIN
    si = table[(end - 1) % _DAY_MIN] + b * (rc - r)
    si = 0.0 if si < 0.0 else si_max if si > si_max else si
    r += si
    return (rc if r > rc else r), si


def _simulate(history: _History, h_at: float) -> ModelOutputs:
    """Both models from the start (16 h before the first used episode) to `at`.

    An episode shorter than a grid minute still sets the start, but adds no sleep. Before the first
    sleep, "hours since waking" counts from the start (the shinobi "has just woken" there, SIw = 0).
    """
    table = _forcing_table(h_at)
    assert history.first is not None  # the caller handles a history without a used episode
    pos = history.first - _LEAD_IN_MIN
    s_tpm = TPM_S_START
    r = SAFTE_RC
    si = 0.0
    for start, end in zip(history.starts, history.ends, strict=True):
        gap = start - pos
        r -= SAFTE_AWAKE_LOSS * gap
        if r < 0.0:
            r = 0.0
        s_tpm = three_process_awake(s_tpm, gap / 60.0)
        s_tpm = three_process_asleep(s_tpm, (end - start) / 60.0)
        r, si = _safte_sleep(r, start, end, table)
        pos = end
    awake_min = -pos
    r -= SAFTE_AWAKE_LOSS * awake_min
    if r < 0.0:
        r = 0.0
    s_tpm = three_process_awake(s_tpm, awake_min / 60.0)
    return _outputs(s_tpm, r, awake_min, si, h_at, history.recent)


def _outputs(s_tpm: float, r: float, awake_min: int, si: float, h_at: float, recent: bool) -> ModelOutputs:
    alertness = s_tpm + three_process_circadian(h_at)
    w = three_process_inertia(awake_min / 60.0)
    e = safte_effectiveness(r, safte_circadian(h_at))
    return ModelOutputs(
        s=s_tpm,
        reservoir=r,
        kss_raw=10.6 - 0.6 * alertness,
        kss_raw_with_inertia=10.6 - 0.6 * (alertness + w),
        effectiveness=e,
        effectiveness_with_inertia=e + safte_inertia(awake_min, si),
        hours_awake=awake_min / 60.0,
        last_sleep_intensity=si,
        recent=recent,
    )


def _clip_kss(value: float) -> float:
    return KSS_MIN if value < KSS_MIN else KSS_MAX if value > KSS_MAX else value


_NO_HISTORY = FatigueEstimate("unknown", None, None, None, None, None)


def _estimate(out: ModelOutputs | None, bands: FatigueBands) -> FatigueEstimate:
    if out is None:
        return _NO_HISTORY
    kss = _clip_kss(out.kss_raw)
    level = level_for(kss, out.effectiveness, bands) if out.recent else "unknown"
    return FatigueEstimate(
        level=level,
        kss=kss,
        effectiveness=out.effectiveness,
        kss_with_inertia=_clip_kss(out.kss_raw_with_inertia),
        effectiveness_with_inertia=out.effectiveness_with_inertia,
        hours_awake=out.hours_awake if out.recent else None,
    )


def model_outputs(episodes: Iterable[SleepEpisode], at: datetime, tz: tzinfo = UTC) -> ModelOutputs | None:
    """Raw model outputs at `at` (KSS unclipped); None when no episode is usable."""
    _require_aware(at, "at")
    history = _prepare(episodes, at.timestamp())
    if history.first is None:
        return None
    return _simulate(history, _clock_hour(at, tz))


def estimate_fatigue(
    episodes: Sequence[SleepEpisode],
    at: datetime,
    tz: tzinfo = UTC,
    bands: FatigueBands = DEFAULT_BANDS,
) -> FatigueEstimate:
    """Fatigue at `at` from the sleep log (FATIGUE.md). Raises ValueError on overlapping episodes."""
    return _estimate(model_outputs(episodes, at, tz), bands)


def predict_series(
    episodes: Sequence[SleepEpisode],
    start: datetime,
    hours: int,
    step_minutes: int,
    tz: tzinfo = UTC,
    bands: FatigueBands = DEFAULT_BANDS,
) -> list[tuple[datetime, FatigueEstimate]]:
    """Estimates at start, start + step, ... start + hours (inclusive), e.g. for a 48-hour chart.

    Each point is evaluated as its own `at` (episodes after it are ignored, one in progress is cut), with
    `estimate_fatigue`'s answer, but in one vectorised pass of the roster's core: each point is a history
    of its own (the same episodes), all on one minute grid anchored at the last point. Points a whole
    number of minutes apart share that grid's rounding; the circadian terms take the UTC offset at each
    point, so points on either side of a DST change go in separate passes (one pass per offset).
    """
    _require_aware(start, "start")
    if hours < 0 or step_minutes <= 0:
        raise ValueError("hours must be >= 0 and step_minutes > 0")
    step = timedelta(minutes=step_minutes)
    points = (hours * 60) // step_minutes + 1
    times = [start + k * step for k in range(points)]
    episodes = sorted(episodes, key=attrgetter("start"))
    total = len(episodes)
    st = np.fromiter((e.start.timestamp() for e in episodes), np.float64, total)
    en = np.fromiter((e.end.timestamp() for e in episodes), np.float64, total)
    # microseconds after the first point, exactly (an aware datetime plus a timedelta is wall-clock arithmetic)
    origin = times[0].astimezone(UTC)
    micros = [(t.astimezone(UTC) - origin) // timedelta(microseconds=1) for t in times]
    groups: dict[tuple[timedelta | None, int], list[int]] = {}
    for k, t in enumerate(times):
        groups.setdefault((t.astimezone(tz).utcoffset(), micros[k] % 60_000_000), []).append(k)
    out: list[FatigueEstimate] = [_NO_HISTORY] * points
    for ks in groups.values():
        ref = times[ks[-1]]
        ref_ts = ref.timestamp()
        stop = np.array([(micros[k] - micros[ks[-1]]) // 60_000_000 for k in ks], dtype=np.int64)
        # episodes no point of the group can use are left out before the copies are made
        keep = (st < ref_ts) & (en > ref_ts + 60.0 * float(stop[0]) - _HISTORY_S)
        per = int(keep.sum())
        owner = np.repeat(np.arange(len(ks), dtype=np.int64), per)
        try:
            found = _fatigue_columns(owner, np.tile(st[keep] - ref_ts, len(ks)), np.tile(en[keep] - ref_ts, len(ks)),
                                     len(ks), _clock_hour(ref, tz), bands, stop,
                                     np.array([_clock_hour(times[k], tz) for k in ks]))
        except ValueError as error:
            raise ValueError("sleep episodes overlap") from error
        for k, estimate in zip(ks, found.estimates(), strict=True):
            out[k] = estimate
    return list(zip(times, out, strict=True))


# ================================================================ roster: closed-form SAFTE, vectorised
_B = SAFTE_B
_KEEP = 1.0 - SAFTE_B


class _Grid:
    """Per-minute forcing on the roster's common grid, split where theta = -a/B changes direction.

    While asleep, with debt D = Rc - R and theta_n = -a_n/B = 0.55 c_n / B, one SAFTE minute is
      saturated  (a + B D >= 4.4): D <- D - 4.4;
      linear     (0 <= a + B D):  D <- (1 - B) D + B theta   (relaxes down towards theta);
      stuck      (a + B D < 0):   D unchanged;
    then D <- max(D, 0) (R <= Rc); D = 0 is absorbing. Since |a_{n+1} - a_n| <= 0.0048 < 4.4 B, a
    sleep leaves saturation once and for all; inside a piece where theta falls, a linear stretch
    stays linear; where theta rises, a stuck stretch stays stuck. So each piece is one or two closed-
    form stretches. c has two such pieces a day (falling 20:00-04:00, rising 04:00-20:00).
    """

    def __init__(self, n_lo: int, h_at: float) -> None:
        size = 1 - n_lo  # grid indices 0..size-1 are minutes n_lo..0
        minutes = np.arange(n_lo, 1, dtype=np.int64)
        self.a = _forcing_array(h_at)[minutes % _DAY_MIN]
        self.a_max = float(self.a.max())
        self.theta = -self.a / _B
        # saturation exit: g strictly decreasing (see class doc)
        self.neg_g = -(self.a - SAFTE_SI_MAX * _B * np.arange(size, dtype=np.float64))
        rising = np.empty(size, dtype=bool)
        rising[:-1] = np.diff(self.theta) >= 0.0
        rising[-1] = rising[-2] if size > 1 else True
        change = np.flatnonzero(rising[1:] != rising[:-1]) + 1
        self.piece_start = np.concatenate(([0], change)).astype(np.int64)
        self.piece_end = np.concatenate((change, [size])).astype(np.int64)  # theta monotone on [start, end]
        self.piece_rising = rising[self.piece_start]
        lengths = self.piece_end - self.piece_start
        self.piece_of = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
        # keys non-decreasing over the grid: |theta| <= 0.55 * 1.3 / B < 270, so piece p keys lie in 1000 p +- 270
        self.key = 1000.0 * self.piece_of + np.where(self.piece_rising[self.piece_of], self.theta, -self.theta)
        # powers of (1 - B), and per-piece anchored sums Q[p, j] = sum_{i<j} (1-B)^-i * (-a_{q+i})
        longest = int(lengths.max())
        self.keep_pow = _KEEP ** np.arange(longest + 2, dtype=np.float64)
        within = np.arange(size, dtype=np.int64) - self.piece_start[self.piece_of]
        terms = _KEEP ** (-within.astype(np.float64)) * -self.a
        self.q_offset = self.piece_start + np.arange(lengths.size, dtype=np.int64)  # slot of j = 0
        slots = np.zeros(size + lengths.size, dtype=np.float64)
        slots[np.arange(size) + self.piece_of + 1] = terms
        sums = np.cumsum(slots)
        self.q = sums - np.repeat(sums[self.q_offset], lengths + 1)

    def linear(self, n: np.ndarray, d: np.ndarray, k: np.ndarray, p: np.ndarray) -> np.ndarray:
        """D after the linear map from minute n (debt d) to minute k (n <= k <= piece end) in piece p."""
        q = self.piece_start[p]
        off = self.q_offset[p]
        pw = self.keep_pow[np.maximum(k - 1 - q, 0)]
        return self.keep_pow[k - n] * d + pw * (self.q[off + k - q] - self.q[off + n - q])


def _rising_crossing(grid: _Grid, n: np.ndarray, d: np.ndarray, m: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Debt at m for a linear start at n in a rising piece whose linear path ends below max(theta, 0).

    Bisects for the first minute k in (n, m] with D_lin(k) < max(theta_k, 0): below 0 means the floor
    (D = 0 from there on); otherwise D is stuck at D_lin(k) up to m.
    """
    lo, hi = n.copy(), m.copy()  # predicate false at lo, true at hi
    while True:
        open_ = hi - lo > 1
        if not open_.any():
            break
        mid = np.where(open_, (lo + hi) // 2, n)
        below = grid.linear(n, d, mid, p) < np.maximum(grid.theta[mid], 0.0)
        hi = np.where(open_ & below, mid, hi)
        lo = np.where(open_ & ~below, mid, lo)
    return np.maximum(grid.linear(n, d, hi, p), 0.0)


def _sleep_batch(grid: _Grid, debt: np.ndarray, start: np.ndarray, end: np.ndarray):
    """Closed-form SAFTE over sleeps [start, end) (grid indices); returns (debt at end, last SI)."""
    stop = end - 1  # the last minute is stepped explicitly, for SIw
    cur = start.copy()
    d = debt.copy()
    # saturation: x_{s+k} = a_{s+k} + B (D - 4.4 k) >= 4.4  <=>  g_{s+k} >= 4.4 - B D - 4.4 B s;
    # only possible when B D >= 4.4 - max(a)
    sat = np.flatnonzero(debt >= (SAFTE_SI_MAX - grid.a_max) / _B)
    if sat.size:
        threshold = SAFTE_SI_MAX - _B * debt[sat] - SAFTE_SI_MAX * _B * start[sat]
        exit_at = np.searchsorted(grid.neg_g, -threshold, side="right")
        cur[sat] = np.clip(exit_at, start[sat], stop[sat])
        d[sat] = debt[sat] - SAFTE_SI_MAX * (cur[sat] - start[sat])

    active = np.flatnonzero((cur < stop) & (d > 0.0))
    while active.size:
        n = cur[active]
        dn = d[active]
        p = grid.piece_of[n]
        m = np.minimum(grid.piece_end[p], stop[active])
        stuck = dn < grid.theta[n]
        rising = grid.piece_rising[p]
        new = np.empty_like(dn)

        # falling theta: a stuck stretch ends at the first minute with theta <= D, then linear to m
        fall = np.flatnonzero(~rising)
        if fall.size:
            nf, df, mf, pf = n[fall], dn[fall], m[fall], p[fall]
            release = nf.copy()
            held = np.flatnonzero(stuck[fall])
            if held.size:
                found = np.searchsorted(grid.key, 1000.0 * pf[held] - df[held], side="left")
                release[held] = np.clip(found, nf[held], mf[held])
            new[fall] = np.maximum(grid.linear(release, df, mf, pf), 0.0)

        # rising theta: stuck stays stuck; linear runs until D falls below max(theta, 0)
        rise_stuck = rising & stuck
        new[rise_stuck] = dn[rise_stuck]
        lin = np.flatnonzero(rising & ~stuck)
        if lin.size:
            nr, dr, mr, pr = n[lin], dn[lin], m[lin], p[lin]
            d_end = grid.linear(nr, dr, mr, pr)
            theta_end = grid.theta[mr]
            # "D < max(theta, 0)" is monotone over the piece: false at m means linear throughout, and
            # with theta <= 0 up to m only the floor can bind, so max(D_m, 0) is exact. Else bisect.
            easy = (d_end >= np.maximum(theta_end, 0.0)) | (theta_end <= 0.0)
            new[lin[easy]] = np.maximum(d_end[easy], 0.0)
            hard = ~easy
            if hard.any():
                new[lin[hard]] = _rising_crossing(grid, nr[hard], dr[hard], mr[hard], pr[hard])

        cur[active] = m
        d[active] = new
        active = active[(m < stop[active]) & (new > 0.0)]

    # last minute, stepped as in the spec; its SI is SIw
    si = np.clip(grid.a[stop] + _B * d, 0.0, SAFTE_SI_MAX)
    return np.maximum(d - si, 0.0), si


@dataclass(frozen=True)
class RosterFatigue:
    """`estimate_roster`'s answer as arrays, one entry per history: `level` indexes LEVELS; the floats
    are NaN where the FatigueEstimate field would be None."""

    level: np.ndarray  # int8
    kss: np.ndarray
    effectiveness: np.ndarray
    kss_with_inertia: np.ndarray
    effectiveness_with_inertia: np.ndarray
    hours_awake: np.ndarray

    def __len__(self) -> int:
        return int(self.level.size)

    def refused(self, policy: FatiguePolicy, mission_rank: object) -> np.ndarray:
        """`policy.refuses(mission_rank, estimate)` for every entry at once."""
        limit = policy.limit_for(mission_rank)
        known = self.level != LEVELS.index("unknown")
        return known & ((self.kss >= limit.max_kss) | (self.effectiveness < limit.min_effectiveness))

    def take(self, index: np.ndarray) -> RosterFatigue:
        """The entries at these indexes."""
        return RosterFatigue(self.level[index], self.kss[index], self.effectiveness[index],
                             self.kss_with_inertia[index], self.effectiveness_with_inertia[index],
                             self.hours_awake[index])

    def levels(self) -> list[str]:
        """Each entry's level by name (LEVELS)."""
        return [LEVELS[lv] for lv in self.level.tolist()]

    def estimates(self) -> list[FatigueEstimate]:
        def none(v: float) -> float | None:
            return None if v != v else v

        return [
            _NO_HISTORY if k != k else FatigueEstimate(LEVELS[lv], k, e, kw, ei, none(h))
            for lv, k, e, kw, ei, h in zip(
                self.level.tolist(), self.kss.tolist(), self.effectiveness.tolist(),
                self.kss_with_inertia.tolist(), self.effectiveness_with_inertia.tolist(),
                self.hours_awake.tolist(), strict=True,
            )
        ]


def estimate_roster(
    histories: Sequence[Sequence[SleepEpisode]],
    at: datetime,
    tz: tzinfo = UTC,
    bands: FatigueBands = DEFAULT_BANDS,
) -> list[FatigueEstimate]:
    """`estimate_fatigue` for every history at one departure time, vectorised across the roster."""
    _require_aware(at, "at")
    count = len(histories)
    if count == 0:
        return []
    sizes = np.fromiter(map(len, histories), dtype=np.int64, count=count)
    flat = list(chain.from_iterable(histories))
    total = len(flat)
    st = np.fromiter(map(datetime.timestamp, map(attrgetter("start"), flat)), np.float64, total)
    en = np.fromiter(map(datetime.timestamp, map(attrgetter("end"), flat)), np.float64, total)
    owner = np.repeat(np.arange(count, dtype=np.int64), sizes)
    return estimate_roster_arrays(owner, st, en, count, at, tz, bands).estimates()


def estimate_roster_arrays(
    owner: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    count: int,
    at: datetime,
    tz: tzinfo = UTC,
    bands: FatigueBands = DEFAULT_BANDS,
) -> RosterFatigue:
    """The roster's fatigue from its sleep log as columns: episode k belongs to history `owner[k]`
    (0 <= owner < count) and runs from `start[k]` to `end[k]` (POSIX seconds, end > start). The same
    model and answers as `estimate_fatigue`, without building an object per episode or per answer."""
    _require_aware(at, "at")
    at_ts = at.timestamp()
    st = np.asarray(start, dtype=np.float64) - at_ts
    en = np.asarray(end, dtype=np.float64) - at_ts
    return _fatigue_columns(np.asarray(owner, dtype=np.int64), st, en, count, _clock_hour(at, tz), bands)


def _fatigue_columns(
    owner: np.ndarray,
    st: np.ndarray,
    en: np.ndarray,
    count: int,
    h_at: float,
    bands: FatigueBands,
    stop: np.ndarray | None = None,
    h_stop: np.ndarray | None = None,
) -> RosterFatigue:
    """The vectorised models on one minute grid anchored at a time `at` (clock hour h_at), episode times in
    seconds from `at`. History k is evaluated at `at` itself, or, given `stop`, at grid minute stop[k] <= 0,
    whose clock hour is h_stop[k] (same UTC offset as `at`): then every rule of the history (used episodes,
    the cut, the 48-hour window, the start) is applied from that minute, as `estimate_fatigue` would there."""
    if st.size and not np.all(en > st):
        raise ValueError("sleep episode must end after it starts")

    if stop is None:
        used = (st < 0.0) & (en > -_HISTORY_S)
        st, en, owner = st[used], np.minimum(en[used], 0.0), owner[used]
    else:
        cut = 60.0 * stop[owner]  # seconds from `at` of each episode's own evaluated time
        used = (st < cut) & (en > cut - _HISTORY_S)
        st, en, owner = st[used], np.minimum(en[used], cut[used]), owner[used]
    if not _by_owner_then_start(owner, st):
        # usually each history is one sorted run and only the runs are out of order (estimates appended after
        # the log): a stable sort by owner (a merge of runs, ~1 ms at 100,000) restores it; else a full lexsort
        order = np.argsort(owner, kind="stable")
        st, en, owner = st[order], en[order], owner[order]
        if not _by_owner_then_start(owner, st):
            order = np.lexsort((st, owner))
            st, en, owner = st[order], en[order], owner[order]
    same = owner[1:] == owner[:-1]
    clash = same & (st[1:] < en[:-1])
    if clash.any():
        raise ValueError(f"sleep episodes overlap (history #{int(owner[1:][clash][0])})")
    recent = np.zeros(count, dtype=bool)
    recent[owner[en > (-_RECENT_S if stop is None else 60.0 * stop[owner] - _RECENT_S)]] = True

    nan = np.full(count, np.nan)
    if owner.size == 0:
        return RosterFatigue(np.full(count, LEVELS.index("unknown"), dtype=np.int8), nan, nan.copy(), nan.copy(),
                             nan.copy(), nan.copy())
    ns = np.floor(st / 60.0 + 0.5).astype(np.int64)
    ne = np.floor(en / 60.0 + 0.5).astype(np.int64)
    # owner is sorted here: each history's episodes are one run, found without a sort or a search
    boundary = np.empty(owner.size, dtype=bool)
    boundary[0] = True
    np.not_equal(owner[1:], owner[:-1], out=boundary[1:])
    first = np.flatnonzero(boundary)
    who = owner[first]
    slot = np.cumsum(boundary) - 1  # which history (index into who) each episode belongs to
    n0 = ns[first] - _LEAD_IN_MIN  # the first used episode sets the start, even if under a minute
    nonempty = ne > ns
    ns, ne, slot = ns[nonempty], ne[nonempty], slot[nonempty]
    per = np.bincount(slot, minlength=who.size)
    rank = np.arange(slot.size) - np.repeat(np.cumsum(per) - per, per)
    rows = int(per.max())
    n_lo = int(n0.min())
    grid = _Grid(n_lo, h_at)
    start2 = np.zeros((rows, who.size), dtype=np.int64)
    end2 = np.zeros((rows, who.size), dtype=np.int64)
    valid2 = np.zeros((rows, who.size), dtype=bool)
    start2[rank, slot] = ns - n_lo
    end2[rank, slot] = ne - n_lo
    valid2[rank, slot] = True

    s_tpm = np.full(who.size, TPM_S_START)
    debt = np.zeros(who.size)
    si_last = np.zeros(who.size)
    pos = n0 - n_lo
    for j in range(rows):
        row_valid = valid2[j]
        idx = slice(None) if row_valid.all() else np.flatnonzero(row_valid)  # a full row needs no gather
        s, e = start2[j, idx], end2[j, idx]
        gap = s - pos[idx]
        debt_j = np.minimum(SAFTE_RC, debt[idx] + SAFTE_AWAKE_LOSS * gap)
        debt[idx], si_last[idx] = _sleep_batch(grid, debt_j, s, e)
        s_tpm[idx] = _tpm_asleep(_tpm_awake(s_tpm[idx], gap / 60.0), (e - s) / 60.0)
        pos[idx] = e
    awake_min = (0 if stop is None else stop[who]) - (pos + n_lo)
    debt = np.minimum(SAFTE_RC, debt + SAFTE_AWAKE_LOSS * awake_min)
    reservoir = SAFTE_RC - debt
    s_tpm = _tpm_awake(s_tpm, awake_min / 60.0)

    cp: float | np.ndarray
    c: float | np.ndarray
    if h_stop is None:
        cp = three_process_circadian(h_at)
        c = safte_circadian(h_at)
    else:  # a clock hour per history (a forecast's points: a few dozen), through the same functions
        cp = np.fromiter(map(three_process_circadian, h_stop[who].tolist()), np.float64, who.size)
        c = np.fromiter(map(safte_circadian, h_stop[who].tolist()), np.float64, who.size)
    alertness = s_tpm + cp
    kss_raw = 10.6 - 0.6 * alertness
    kss_w = 10.6 - 0.6 * (alertness - 5.72 * np.exp(-1.51 * (awake_min / 60.0)))
    eff = 100.0 * reservoir / SAFTE_RC + c * (7.0 + 5.0 * (SAFTE_RC - reservoir) / SAFTE_RC)
    safe_si = np.where(si_last > 0.0, si_last, 1.0)
    inertia = np.where(
        (awake_min <= SAFTE_INERTIA_MINUTES) & (si_last > 0.0), -5.0 * np.exp(-0.04 * awake_min / safe_si), 0.0
    )
    eff_i = eff + inertia
    kss = np.clip(kss_raw, KSS_MIN, KSS_MAX)
    kss_wc = np.clip(kss_w, KSS_MIN, KSS_MAX)
    rec = recent[who]
    level = np.select(
        [
            ~rec,
            (kss < bands.fit_max_kss) & (eff >= bands.fit_min_effectiveness),
            (kss < bands.caution_max_kss) & (eff >= bands.caution_min_effectiveness),
        ],
        [3, 0, 1],
        default=2,
    )  # indexes into LEVELS, as level_for decides
    hours = np.where(rec, awake_min / 60.0, np.nan)

    def spread(values: np.ndarray, fill: float = np.nan) -> np.ndarray:
        out = np.full(count, fill, dtype=values.dtype)
        out[who] = values
        return out

    return RosterFatigue(spread(level.astype(np.int8), LEVELS.index("unknown")), spread(kss), spread(eff),
                         spread(kss_wc), spread(eff_i), spread(hours))


def _tpm_awake(s: np.ndarray, hours: np.ndarray) -> np.ndarray:
    return TPM_S_ASYMPTOTE_AWAKE + (s - TPM_S_ASYMPTOTE_AWAKE) * np.exp(-TPM_AWAKE_RATE * hours)


def _tpm_asleep(s: np.ndarray, hours: np.ndarray) -> np.ndarray:
    below = s < TPM_S_BREAK
    tb = (TPM_S_BREAK - s) / TPM_K
    rising = s + TPM_K * hours
    after_break = TPM_S_UPPER - (TPM_S_UPPER - TPM_S_BREAK) * np.exp(TPM_G * (hours - tb))
    above = TPM_S_UPPER - (TPM_S_UPPER - s) * np.exp(TPM_G * hours)
    return np.where(below, np.where(hours <= tb, rising, after_break), above)


def _by_owner_then_start(owner: np.ndarray, start: np.ndarray) -> bool:
    return bool(np.all((owner[1:] > owner[:-1]) | ((owner[1:] == owner[:-1]) & (start[1:] >= start[:-1]))))
