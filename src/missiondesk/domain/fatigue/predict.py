"""Fatigue at departure, predicted from the sleep log (spec: FATIGUE.md): the entry points, one shinobi, a
roster or a forecast's points, all through the one vectorised core (vectorised.py).

Two biomathematical models run over a shinobi's logged sleep:

* Model A, the Three-Process Model (Akerstedt & Folkard, FIPS defaults), gives KSS 1..9;
* Model B, SAFTE (Hursh et al. 2004), gives effectiveness E (%).

Decisions use KSS without the sleep-inertia term W and E without the inertia term I; both variants are
reported. Pure: no I/O, no clock (`at` is a parameter), thresholds come in as policy objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import chain
from operator import attrgetter

import numpy as np

from .equations import clip_kss
from .policy import DEFAULT_BANDS, HISTORY_WINDOW, LEVELS, FatigueBands, FatiguePolicy, level_codes
from .values import NO_HISTORY, FatigueEstimate, ModelOutputs, SleepEpisode, require_aware
from .vectorised import ModelColumns, model_columns

__all__ = [
    "RosterFatigue",
    "estimate_fatigue",
    "estimate_roster",
    "estimate_roster_arrays",
    "model_outputs",
    "predict_series",
]

_HISTORY_S = HISTORY_WINDOW.total_seconds()
_UNKNOWN = LEVELS.index("unknown")


def clock_hour(at: datetime, tz: tzinfo) -> float:
    """The clock hour of `at` in `tz`, with its fraction."""
    local = at.astimezone(tz)
    return local.hour + local.minute / 60.0 + (local.second + local.microsecond / 1e6) / 3600.0


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

    @classmethod
    def of(cls, columns: ModelColumns, bands: FatigueBands = DEFAULT_BANDS) -> RosterFatigue:
        """The estimates from the models' raw outputs: KSS clipped, levels by the bands where the log is recent."""
        who, recent = columns.who, columns.recent
        kss = clip_kss(columns.kss_raw)
        level = np.where(recent, level_codes(kss, columns.effectiveness, bands), _UNKNOWN)

        def spread(values: np.ndarray, fill: float = np.nan) -> np.ndarray:
            out = np.full(columns.count, fill, dtype=values.dtype)
            out[who] = values
            return out

        return cls(spread(level.astype(np.int8), _UNKNOWN), spread(kss), spread(columns.effectiveness),
                   spread(clip_kss(columns.kss_raw_with_inertia)), spread(columns.effectiveness_with_inertia),
                   spread(np.where(recent, columns.awake_minutes / 60.0, np.nan)))

    def __len__(self) -> int:
        return int(self.level.size)

    def refused(self, policy: FatiguePolicy, mission_rank: object) -> np.ndarray:
        """`policy.refuses(mission_rank, estimate)` for every entry at once."""
        kss, effectiveness = policy.limit_for(mission_rank).breached(self.kss, self.effectiveness)
        return (self.level != _UNKNOWN) & (kss | effectiveness)

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
            NO_HISTORY if k != k else FatigueEstimate(LEVELS[lv], k, e, kw, ei, none(h))
            for lv, k, e, kw, ei, h in zip(
                self.level.tolist(), self.kss.tolist(), self.effectiveness.tolist(),
                self.kss_with_inertia.tolist(), self.effectiveness_with_inertia.tolist(),
                self.hours_awake.tolist(), strict=True,
            )
        ]


def _columns_of_one(episodes: Iterable[SleepEpisode], at: datetime, tz: tzinfo) -> ModelColumns:
    """One history through the core: a batch of one."""
    require_aware(at, "at")
    at_ts = at.timestamp()
    spans = [(e.start.timestamp() - at_ts, e.end.timestamp() - at_ts) for e in episodes]
    st = np.array([s for s, _ in spans], dtype=np.float64)
    en = np.array([e for _, e in spans], dtype=np.float64)
    try:
        return model_columns(np.zeros(st.size, dtype=np.int64), st, en, 1, clock_hour(at, tz))
    except ValueError as error:
        if "overlap" not in str(error):
            raise
        raise ValueError("sleep episodes overlap") from error  # one history: no number to give


def model_outputs(episodes: Iterable[SleepEpisode], at: datetime, tz: tzinfo = UTC) -> ModelOutputs | None:
    """Raw model outputs at `at` (KSS unclipped); None when no episode is usable."""
    c = _columns_of_one(episodes, at, tz)
    if c.who.size == 0:
        return None
    return ModelOutputs(
        s=float(c.s[0]),
        reservoir=float(c.reservoir[0]),
        kss_raw=float(c.kss_raw[0]),
        kss_raw_with_inertia=float(c.kss_raw_with_inertia[0]),
        effectiveness=float(c.effectiveness[0]),
        effectiveness_with_inertia=float(c.effectiveness_with_inertia[0]),
        hours_awake=float(c.awake_minutes[0]) / 60.0,
        last_sleep_intensity=float(c.last_sleep_intensity[0]),
        recent=bool(c.recent[0]),
    )


def estimate_fatigue(
    episodes: Sequence[SleepEpisode],
    at: datetime,
    tz: tzinfo = UTC,
    bands: FatigueBands = DEFAULT_BANDS,
) -> FatigueEstimate:
    """Fatigue at `at` from the sleep log (FATIGUE.md): the roster's core for a roster of one. Raises
    ValueError on overlapping episodes."""
    return RosterFatigue.of(_columns_of_one(episodes, at, tz), bands).estimates()[0]


def estimate_roster(
    histories: Sequence[Sequence[SleepEpisode]],
    at: datetime,
    tz: tzinfo = UTC,
    bands: FatigueBands = DEFAULT_BANDS,
) -> list[FatigueEstimate]:
    """`estimate_fatigue` for every history at one departure time, vectorised across the roster."""
    require_aware(at, "at")
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
    require_aware(at, "at")
    at_ts = at.timestamp()
    st = np.asarray(start, dtype=np.float64) - at_ts
    en = np.asarray(end, dtype=np.float64) - at_ts
    columns = model_columns(np.asarray(owner, dtype=np.int64), st, en, count, clock_hour(at, tz))
    return RosterFatigue.of(columns, bands)


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
    `estimate_fatigue`'s answer, but in one vectorised pass of the core: each point is a history of its own
    (the same episodes), all on one minute grid anchored at the last point. Points a whole number of minutes
    apart share that grid's rounding; the circadian terms take the UTC offset at each point, so points on
    either side of a DST change go in separate passes (one pass per offset).
    """
    require_aware(start, "start")
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
    out: list[FatigueEstimate] = [NO_HISTORY] * points
    for ks in groups.values():
        ref = times[ks[-1]]
        ref_ts = ref.timestamp()
        stop = np.array([(micros[k] - micros[ks[-1]]) // 60_000_000 for k in ks], dtype=np.int64)
        # episodes no point of the group can use are left out before the copies are made
        keep = (st < ref_ts) & (en > ref_ts + 60.0 * float(stop[0]) - _HISTORY_S)
        per = int(keep.sum())
        owner = np.repeat(np.arange(len(ks), dtype=np.int64), per)
        try:
            columns = model_columns(owner, np.tile(st[keep] - ref_ts, len(ks)), np.tile(en[keep] - ref_ts, len(ks)),
                                    len(ks), clock_hour(ref, tz), stop,
                                    np.array([clock_hour(times[k], tz) for k in ks]))
        except ValueError as error:
            raise ValueError("sleep episodes overlap") from error
        for k, estimate in zip(ks, RosterFatigue.of(columns, bands).estimates(), strict=True):
            out[k] = estimate
    return list(zip(times, out, strict=True))
