"""Fatigue where the log is silent: a sleep history estimated from the office's own records
(FATIGUE.md, "The estimate"; a two-step model, as FAID and SAFTE-FAST estimate sleep from work records).

When no logged episode overlaps the 48 hours before the evaluated time, and the gate log has the shinobi
outside the village at some time in the 14 days before it, the models run on an estimated history:
- outside (from a gate `out` to the next `in`): asleep 01:00-05:00 village time each night;
- inside: asleep 23:00-07:00 village time each night;
- every gate event naming them and every act of their own account on the audit log keeps the 30 minutes
  either side awake: an estimated episode is cut there, and a piece shorter than 30 minutes is dropped.
With a recent log the log speaks; with neither a log nor a gate record, fatigue stays `unknown`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from functools import lru_cache

import numpy as np

from .policy import HISTORY_WINDOW, recent_logs
from .values import SleepEpisode

__all__ = ["AWAKE", "SleepHistory", "estimate_history", "logged_recently", "sleep_history"]

OUTSIDE_NIGHT = (time(1), time(5))  # sleep on operations is short: four hours is the estimate
INSIDE_NIGHT = (time(23), time(7))  # the habitual night at home
AWAKE = timedelta(minutes=30)  # either side of a recorded act
SHORTEST = timedelta(minutes=30)  # a shorter piece of estimated sleep is dropped


@dataclass(frozen=True)
class SleepHistory:
    """The history the fatigue models run on: the log, or an estimate (with the records it rests on)."""

    episodes: tuple[SleepEpisode, ...]
    estimated: bool = False
    basis: str | None = None


def logged_recently(log: Sequence[SleepEpisode], at: datetime) -> bool:
    """Some logged episode overlaps the 48 hours before `at`."""
    return bool(recent_logs(np.zeros(len(log), dtype=np.int64), np.array([e.start.timestamp() for e in log]),
                            np.array([e.end.timestamp() for e in log]), 1, at.timestamp())[0])


def _outside_spans(gate: Sequence[tuple[datetime, bool]], at: datetime) -> list[tuple[datetime, datetime]]:
    """Where the gate log has them outside, up to `at` (repeats of the same direction change nothing;
    before a first arrival they were outside)."""
    spans: list[tuple[datetime, datetime]] = []
    out_since: datetime | None = None
    first = True
    for t, inward in sorted((e for e in gate if e[0] <= at), key=lambda e: e[0]):
        if first and inward:
            spans.append((datetime.min.replace(tzinfo=t.tzinfo), t))
        elif not inward and out_since is None:
            out_since = t
        elif inward and out_since is not None:
            spans.append((out_since, t))
            out_since = None
        first = False
    if out_since is not None:
        spans.append((out_since, at))
    return spans


def _intersect(a: tuple[datetime, datetime], spans: list[tuple[datetime, datetime]]
               ) -> list[tuple[datetime, datetime]]:
    return [(max(a[0], s), min(a[1], e)) for s, e in spans if max(a[0], s) < min(a[1], e)]


def _complement(spans: list[tuple[datetime, datetime]], lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
    out, cursor = [], lo
    for s, e in spans:
        if s > cursor:
            out.append((cursor, min(s, hi)))
        cursor = max(cursor, e)
    if cursor < hi:
        out.append((cursor, hi))
    return [(s, e) for s, e in out if s < e]


@lru_cache(maxsize=64)
def _nights(lo: datetime, hi: datetime, night: tuple[time, time], tz: tzinfo) -> tuple[tuple[datetime, datetime], ...]:
    """Each night's window, in village time, that touches [lo, hi]. Kept for the next caller with the same
    arguments (a pure function): the roster estimates every silent shinobi at the same moments, and building
    the fortnight's nights was 40 % of each estimate. In UTC: the same instants, and each comparison with a
    time in a ZoneInfo zone asks the zone for its offset (10,000 of them, 70 ms, on the roster page)."""
    day = lo.astimezone(tz).date() - timedelta(days=1)
    out: list[tuple[datetime, datetime]] = []
    while True:
        start = datetime.combine(day, night[0], tzinfo=tz)
        end = datetime.combine(day + timedelta(days=1 if night[1] <= night[0] else 0), night[1], tzinfo=tz)
        if start >= hi:
            return tuple(out)
        if end > lo:  # in UTC: each comparison and check of an aware time in the village's zone asks the zone
            out.append((max(start, lo).astimezone(UTC), min(end, hi).astimezone(UTC)))
        day += timedelta(days=1)


def _cut(pieces: list[tuple[datetime, datetime]], moments: Sequence[datetime]) -> list[tuple[datetime, datetime]]:
    for m in sorted(moments):
        hole = (m - AWAKE, m + AWAKE)
        pieces = [p for s, e in pieces for p in ((s, min(e, hole[0])), (max(s, hole[1]), e)) if p[0] < p[1]]
    return [(s, e) for s, e in pieces if e - s >= SHORTEST]


def estimate_history(gate: Sequence[tuple[datetime, bool]], acts: Sequence[datetime], at: datetime,
                     tz: tzinfo) -> SleepHistory | None:
    """The estimated history at `at` from the gate log (`(time, arrival?)`) and the shinobi's own acts, or
    None when the gate log does not have them outside at any time in the 14 days before `at`."""
    lo = at - HISTORY_WINDOW
    outside = _intersect((lo, at), _outside_spans(gate, at))
    if not outside:
        return None
    inside = _complement(outside, lo, at)
    pieces = sorted(
        [p for night in _nights(lo, at, OUTSIDE_NIGHT, tz) for p in _intersect(night, outside)]
        + [p for night in _nights(lo, at, INSIDE_NIGHT, tz) for p in _intersect(night, inside)])
    moments = [t for t, _ in gate if lo - AWAKE <= t <= at + AWAKE] + [t for t in acts if lo - AWAKE <= t <= at]
    episodes = tuple(SleepEpisode(s, e) for s, e in _cut(pieces, moments))
    trips = "; ".join(f"outside {_fmt(max(s, lo), tz)} to {_fmt(e, tz)}" for s, e in outside)
    basis = (f"no sleep logged in the 48 hours before; estimated from the gate log ({trips}) and "
             f"{len([t for t in acts if lo <= t <= at])} act(s) of their own on the record: asleep 01:00-05:00 "
             "each night outside, 23:00-07:00 inside, awake 30 minutes either side of each record")
    return SleepHistory(episodes=episodes, estimated=True, basis=basis)


def sleep_history(log: Sequence[SleepEpisode], gate: Sequence[tuple[datetime, bool]], acts: Sequence[datetime],
                  at: datetime, tz: tzinfo) -> SleepHistory:
    """What the fatigue models run on at `at`: the log when it covers the 48 hours before; else the estimate
    when the gate log has them outside in the 14 days before; else the log (which then says `unknown`)."""
    if not logged_recently(log, at):
        estimate = estimate_history(gate, acts, at, tz)
        if estimate is not None:
            return estimate
    return SleepHistory(episodes=tuple(log))


def _fmt(t: datetime, tz: tzinfo) -> str:
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M")
