"""Phase timings and progress reports (with an injected clock: the domain reads none)."""
from __future__ import annotations

from .problem import Clock, Progress


class _Phases:
    """Phase timings (only with a clock) and progress reports."""

    def __init__(self, clock: Clock | None, progress: Progress | None):
        self.clock, self.progress = clock, progress
        self.start = self.last = clock() if clock else 0.0
        self.stats: dict[str, float] = {}

    def done(self, phase: str, fraction: float) -> None:
        if self.clock:
            now = self.clock()
            self.stats[f"time_{phase}"] = self.stats.get(f"time_{phase}", 0.0) + now - self.last
            self.last = now
        if self.progress:
            self.progress(phase, fraction)

    def elapsed(self) -> float:
        return self.clock() - self.start if self.clock else 0.0

    def finish(self) -> None:
        if self.progress:
            self.progress("done", 1.0)
        if self.clock:
            self.stats["time_total"] = self.clock() - self.start
