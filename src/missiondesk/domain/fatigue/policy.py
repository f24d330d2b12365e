"""What the models' numbers mean for a decision (FATIGUE.md, Inputs and "Levels and the refusal policy"):
the history windows, the level bands and the refusal limits per mission rank. Each constant lives here once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any

import numpy as np

from .values import FatigueEstimate

__all__ = [
    "DEFAULT_BANDS",
    "HISTORY_WINDOW",
    "LEAD_IN",
    "LEVELS",
    "RANKS",
    "RECENT_WINDOW",
    "FatigueBands",
    "FatiguePolicy",
    "RankLimit",
    "level_codes",
    "level_for",
    "recent_logs",
]

# ---------------------------------------------------------------- history rules (FATIGUE.md, Inputs)
HISTORY_WINDOW = timedelta(days=14)  # episodes ending within this window before `at` are used
RECENT_WINDOW = timedelta(hours=48)  # no episode overlapping it -> level "unknown"
LEAD_IN = timedelta(hours=16)  # the models start this long before the first used episode

LEVELS = ("fit", "caution", "unfit", "unknown")
RANKS = ("D", "C", "B", "A", "S")


def recent_logs(owner: np.ndarray, start: np.ndarray, end: np.ndarray, n: int, at: float | np.ndarray) -> np.ndarray:
    """For each of n shinobi (the log as columns, POSIX seconds): some logged episode overlaps the 48 hours
    before `at` (one time, or each episode's own). The one definition: for one shinobi
    (`estimate.logged_recently`), for the roster, and for the level "unknown" in the models' core."""
    recent = np.zeros(n, dtype=bool)
    hit = (np.asarray(end) > at - RECENT_WINDOW.total_seconds()) & (np.asarray(start) < at)
    recent[np.asarray(owner, dtype=np.int64)[hit]] = True
    return recent


@dataclass(frozen=True, slots=True)
class FatigueBands:
    """The level bands of FATIGUE.md: fit below the first pair, unfit at/after the second."""

    fit_max_kss: float = 7.0  # fit needs KSS < this ...
    fit_min_effectiveness: float = 90.0  # ... and E >= this
    caution_max_kss: float = 8.0  # unfit when KSS >= this ...
    caution_min_effectiveness: float = 77.5  # ... or E < this


DEFAULT_BANDS = FatigueBands()


def level_codes(kss: Any, effectiveness: Any, bands: FatigueBands = DEFAULT_BANDS) -> Any:
    """The bands as indexes into LEVELS (0 fit, 1 caution, 2 unfit), for floats or arrays alike (inertia-free
    values). The one definition: `level_for` reads it for one estimate, the roster for all of them."""
    fit = (kss < bands.fit_max_kss) & (effectiveness >= bands.fit_min_effectiveness)
    caution = (kss < bands.caution_max_kss) & (effectiveness >= bands.caution_min_effectiveness)
    return np.where(fit, 0, np.where(caution, 1, 2))


def level_for(kss: float, effectiveness: float, bands: FatigueBands = DEFAULT_BANDS) -> str:
    """FATIGUE.md's bands: fit, caution or unfit (from inertia-free values)."""
    return LEVELS[int(level_codes(kss, effectiveness, bands))]


@dataclass(frozen=True, slots=True)
class RankLimit:
    max_kss: float  # refused when KSS >= max_kss
    min_effectiveness: float  # refused when E < min_effectiveness

    def breached(self, kss: Any, effectiveness: Any) -> tuple[Any, Any]:
        """(KSS limit broken, E limit broken), for floats or arrays alike: the one definition of refusal."""
        return kss >= self.max_kss, effectiveness < self.min_effectiveness


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
        kss, effectiveness = limit.breached(estimate.kss, estimate.effectiveness)
        return tuple(name for name, broken in (("kss", kss), ("effectiveness", effectiveness)) if broken)

    def refuses(self, mission_rank: object, estimate: FatigueEstimate) -> bool:
        return bool(self.breaches(mission_rank, estimate))
