"""Phase timings, progress reports and the time budget, on an injected clock (the domain reads none)."""
from __future__ import annotations

import math

from .problem import Clock, Progress


class _Phases:
    """Phase timings (only with a clock), progress reports, and the budget: `limit` seconds from the
    start, or until `deadline` (a time on `clock`) when one is given. Without a clock nothing is
    timed and the budget never runs out here (the caller counts CP-SAT's own time instead)."""

    def __init__(self, clock: Clock | None, progress: Progress | None, limit: float = math.inf,
                 deadline: float | None = None):
        if deadline is not None and clock is None:
            raise ValueError("a deadline needs the clock it is a time on")
        self.clock, self.progress = clock, progress
        self.start = self.last = clock() if clock else 0.0
        self.limit = limit if deadline is None else deadline - self.start
        self.stats: dict[str, float] = {}
        if clock:
            self.stats["time_budget"] = self.limit

    def done(self, phase: str, fraction: float) -> None:
        if self.clock:
            now = self.clock()
            self.stats[f"time_{phase}"] = self.stats.get(f"time_{phase}", 0.0) + now - self.last
            self.last = now
        if self.progress:
            self.progress(phase, fraction)

    def elapsed(self) -> float:
        return self.clock() - self.start if self.clock else 0.0

    def left(self) -> float:
        """Seconds left of the budget (infinite without a clock)."""
        return self.limit - self.elapsed() if self.clock else math.inf

    def past(self, share: float, ahead: float = 0.0) -> bool:
        """Whether, `ahead` seconds from now, more than `share` of the budget will be spent (never
        without a clock)."""
        return bool(self.clock) and self.elapsed() + ahead > share * self.limit

    def finish(self) -> None:
        if self.progress:
            self.progress("done", 1.0)
        if self.clock:
            self.stats["time_total"] = self.clock() - self.start
