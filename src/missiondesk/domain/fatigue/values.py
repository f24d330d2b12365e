"""The value objects of the fatigue models: a sleep episode in, an estimate (and the raw outputs) out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

__all__ = ["NO_HISTORY", "FatigueEstimate", "ModelOutputs", "SleepEpisode", "find_overlap", "require_aware"]


def require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


@dataclass(frozen=True, slots=True)
class SleepEpisode:
    start: datetime  # aware
    end: datetime  # aware, > start

    def __post_init__(self) -> None:
        require_aware(self.start, "start")
        require_aware(self.end, "end")
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
    estimated: bool = False  # run on a history estimated from the office's records (fatigue/estimate.py)
    basis: str | None = None  # the records it rests on, in words, when estimated


NO_HISTORY = FatigueEstimate("unknown", None, None, None, None, None)


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


def find_overlap(episodes: Iterable[SleepEpisode]) -> tuple[SleepEpisode, SleepEpisode] | None:
    """Two episodes sharing an instant (touching, end == start, is not overlap), or None."""
    ordered = sorted(episodes, key=attrgetter("start"))
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.start < earlier.end:
            return earlier, later
    return None
