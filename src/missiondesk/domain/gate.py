"""The gate log: who is inside, as the last event per person at a time."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


@dataclass(frozen=True)
class GateEvent:
    id: int
    direction: Direction
    at: datetime


def last_direction(events: Iterable[GateEvent], t: datetime) -> Direction | None:
    """The direction of the last event at or before `t` (ties broken by entry order)."""
    last: GateEvent | None = None
    for e in events:
        if e.at <= t and (last is None or (e.at, e.id) > (last.at, last.id)):
            last = e
    return last.direction if last else None


def inside(events: Iterable[GateEvent], t: datetime, *, before_any: Direction = Direction.IN) -> bool:
    """Inside at `t`: the last event at or before `t` was an arrival; with no event yet, `before_any`
    says where the person is (shinobi start inside; detainees wherever their intake was)."""
    return (last_direction(events, t) or before_any) is Direction.IN


@dataclass(frozen=True)
class GateLogEntry:
    id: int
    direction: Direction
    at: datetime
    shinobi_id: int | None  # one of the two is set
    detainee_id: int | None
    flagged: str | None  # ALREADY_INSIDE or ALREADY_OUTSIDE: kept, and flagged
    logged_by: str | None
