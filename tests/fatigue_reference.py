"""The reference for the fatigue models' core: SAFTE stepped minute by minute through each sleep, the literal
reading of FATIGUE.md, with the three-process model in closed form per awake or asleep stretch.

This was `domain/fatigue.estimate_fatigue` until the package ran every shinobi through the vectorised core
(src/missiondesk/domain/fatigue/vectorised.py); it stays here, as the tests' reference only. It reads the same
equations (domain/fatigue/equations.py) and the same history rules (domain/fatigue/policy.py), on the same
one-minute grid anchored at `at`: episode boundaries rounded to the nearest whole minute (half a minute later),
c at each minute's start, the clock hours of `tz`'s UTC offset at `at`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache

import numpy as np

from missiondesk.domain.fatigue import DEFAULT_BANDS, FatigueBands, FatigueEstimate, ModelOutputs, SleepEpisode
from missiondesk.domain.fatigue.equations import (
    KSS_MAX,
    KSS_MIN,
    SAFTE_AWAKE_LOSS,
    SAFTE_B,
    SAFTE_RC,
    SAFTE_SI_MAX,
    TPM_S_START,
    kss_of,
    safte_circadian,
    safte_effectiveness,
    safte_forcing,
    safte_inertia,
    three_process_asleep,
    three_process_awake,
    three_process_circadian,
    three_process_inertia,
)
from missiondesk.domain.fatigue.policy import HISTORY_WINDOW, LEAD_IN, RECENT_WINDOW, level_for

_HISTORY_S = HISTORY_WINDOW.total_seconds()
_RECENT_S = RECENT_WINDOW.total_seconds()
_LEAD_IN_MIN = int(LEAD_IN.total_seconds()) // 60
_DAY_MIN = 1440
_NO_HISTORY = FatigueEstimate("unknown", None, None, None, None, None)


def _clock_hour(at: datetime, tz: tzinfo) -> float:
    local = at.astimezone(tz)
    return local.hour + local.minute / 60.0 + (local.second + local.microsecond / 1e6) / 3600.0


@lru_cache(maxsize=32)
def _forcing_table(h_at: float) -> tuple[float, ...]:
    """-0.55 c at grid minute n (n <= 0 minutes from `at`), indexed by n mod 1440; doubled for slicing."""
    day = tuple(safte_forcing((h_at + np.arange(_DAY_MIN) / 60.0) % 24.0).tolist())
    return day + day


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
        s_tpm = float(three_process_awake(s_tpm, gap / 60.0))
        s_tpm = float(three_process_asleep(s_tpm, (end - start) / 60.0))
        r, si = _safte_sleep(r, start, end, table)
        pos = end
    awake_min = -pos
    r -= SAFTE_AWAKE_LOSS * awake_min
    if r < 0.0:
        r = 0.0
    s_tpm = float(three_process_awake(s_tpm, awake_min / 60.0))
    alertness = s_tpm + three_process_circadian(h_at)
    e = float(safte_effectiveness(r, safte_circadian(h_at)))
    return ModelOutputs(
        s=s_tpm,
        reservoir=r,
        kss_raw=float(kss_of(alertness)),
        kss_raw_with_inertia=float(kss_of(alertness + three_process_inertia(awake_min / 60.0))),
        effectiveness=e,
        effectiveness_with_inertia=e + float(safte_inertia(awake_min, si)),
        hours_awake=awake_min / 60.0,
        last_sleep_intensity=si,
        recent=history.recent,
    )


def _clip_kss(value: float) -> float:
    return KSS_MIN if value < KSS_MIN else KSS_MAX if value > KSS_MAX else value


def reference_model_outputs(episodes: Iterable[SleepEpisode], at: datetime, tz: tzinfo = UTC) -> ModelOutputs | None:
    """Raw model outputs at `at` (KSS unclipped), stepped minute by minute; None when no episode is usable."""
    history = _prepare(episodes, at.timestamp())
    if history.first is None:
        return None
    return _simulate(history, _clock_hour(at, tz))


def reference_estimate(
    episodes: Sequence[SleepEpisode], at: datetime, tz: tzinfo = UTC, bands: FatigueBands = DEFAULT_BANDS
) -> FatigueEstimate:
    """`estimate_fatigue`'s answer, from the minute stepper."""
    out = reference_model_outputs(episodes, at, tz)
    if out is None:
        return _NO_HISTORY
    kss = _clip_kss(out.kss_raw)
    return FatigueEstimate(
        level=level_for(kss, out.effectiveness, bands) if out.recent else "unknown",
        kss=kss,
        effectiveness=out.effectiveness,
        kss_with_inertia=_clip_kss(out.kss_raw_with_inertia),
        effectiveness_with_inertia=out.effectiveness_with_inertia,
        hours_awake=out.hours_awake if out.recent else None,
    )
