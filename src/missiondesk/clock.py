"""The service's one clock: every "now" of the service (judging, tokens, lockouts, alerts, audit
times) comes from here, read at the edge and passed inward; nothing below the adapters reads the
system's time itself.

`MISSIONDESK_CLOCK` (an ISO instant with an offset) starts the clock at that instant when the
service starts; it then runs forward in real time. Demos, drills and tests use it to live through
a chosen night whatever the hour. Unset, the clock is the real one.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class ClockSettingInvalid(ValueError):
    """MISSIONDESK_CLOCK names no instant."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


@dataclass(frozen=True)
class ShiftedClock:
    """Starts at `start` when made, then runs forward in real time."""

    start: datetime
    _started: float = field(default_factory=time.monotonic, compare=False, repr=False)

    def now(self) -> datetime:
        return (self.start + timedelta(seconds=time.monotonic() - self._started)).astimezone(UTC)


def parse_instant(value: str, name: str = "MISSIONDESK_CLOCK") -> datetime:
    """An ISO 8601 instant that names its offset (`2026-03-14T06:20:00Z`)."""
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ClockSettingInvalid(f"{name}: not an ISO 8601 instant: {value!r}") from None
    if t.tzinfo is None:
        raise ClockSettingInvalid(f"{name}: the instant needs an offset, e.g. 2026-03-14T06:20:00Z")
    return t


def clock_from(value: str | None) -> Clock:
    """The clock `MISSIONDESK_CLOCK` asks for: the real one when unset or empty."""
    if not value or not value.strip():
        return SystemClock()
    return ShiftedClock(parse_instant(value))
