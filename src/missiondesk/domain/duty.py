"""Rest and duty limits from the gate log (CONTRACT, "Rest and duty limits from the gate log").

Aviation's fitness-for-duty rules (14 CFR 117.25) do not ask anyone how they slept: 10 hours of rest
after duty, 56 after more than 168 hours away, 30 hours free in every 168. missiondesk reads them from
the gate log, which the office keeps itself:

- `REST_PERIOD`: back through the gate (an `in` after an `out`) less than 10 hours before the departure;
  less than 56 hours when the trip outside lasted more than 168 hours. Clears at the return plus the rest.
- `DUTY_LIMIT`: in the 168 hours before the departure, never 30 hours in a row inside the village.
  Clears 30 hours after the current stay inside began.

One definition for one shinobi and for the whole roster: `duty_limits` works on columns (the gate log of
any number of shinobi, each event owned by an index); `assess` calls it with one shinobi, the roster path
with all of them. Times are POSIX seconds; NaN means "does not refuse". Before a shinobi's first event
they were where that event says they were not (an arrival: outside; a departure: inside); with no event
at all, inside.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

HOUR = 3600.0


@dataclass(frozen=True)
class DutyPolicy:
    """The thresholds, overridable in the fitness policy."""

    rest: timedelta = timedelta(hours=10)  # after any trip outside
    long_rest: timedelta = timedelta(hours=56)  # after a long one
    long_trip: timedelta = timedelta(hours=168)  # "more than" this is a long trip
    window: timedelta = timedelta(hours=168)  # the duty window before the departure
    free: timedelta = timedelta(hours=30)  # hours in a row inside the village, at least once in the window

    def __post_init__(self) -> None:
        if min(self.rest, self.long_rest, self.long_trip, self.window, self.free) <= timedelta(0):
            raise ValueError("rest and duty limits are positive durations")
        if self.free > self.window:
            raise ValueError("the free time cannot be longer than the window it must fit in")


@dataclass(frozen=True, eq=False)
class DutyLimits:
    """Per shinobi, when each rule stops refusing (POSIX seconds; infinity when no record says), NaN where
    it does not refuse; and the facts behind it, for the words of the reason."""

    rest_clears: np.ndarray
    duty_clears: np.ndarray
    returned: np.ndarray  # the last return through the gate at or before the departure, NaN if none
    trip_hours: np.ndarray  # how long that trip outside lasted, NaN if unknown
    longest_free_hours: np.ndarray  # the longest stay inside within the window
    free_hours: float = 30.0
    window_hours: float = 168.0

    @property
    def rest_refused(self) -> np.ndarray:
        return ~np.isnan(self.rest_clears)

    @property
    def duty_refused(self) -> np.ndarray:
        return ~np.isnan(self.duty_clears)


def duty_limits(owner: np.ndarray, at: np.ndarray, inward: np.ndarray, n: int, departs_at: float,
                policy: DutyPolicy = DutyPolicy()) -> DutyLimits:
    """The rest and duty rules for `n` shinobi departing at `departs_at`, from their gate events: event k
    belongs to shinobi `owner[k]` (an index below n), happened at `at[k]` and was an arrival if `inward[k]`.
    Events after the departure are not read; events at the same time keep their given order."""
    owner = np.asarray(owner, dtype=np.int64)
    at = np.asarray(at, dtype=np.float64)
    inward = np.asarray(inward, dtype=bool)
    keep = at <= departs_at
    owner, at, inward = owner[keep], at[keep], inward[keep]
    order = np.lexsort((np.arange(owner.size), at, owner))  # by owner, then time, then given order
    owner, at, inward = owner[order], at[order], inward[order]
    owner, at, inward = _state_changes(owner, at, inward)
    m = owner.size
    nan = np.full(n, np.nan)
    first = np.ones(m, dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    last = np.ones(m, dtype=bool)
    last[:-1] = owner[1:] != owner[:-1]

    # -- REST_PERIOD: the last event is an arrival after a departure -------------------------------------------
    returned, trip = nan.copy(), nan.copy()
    back = np.flatnonzero(last & inward & ~first)  # not first: a departure comes before it
    returned[owner[back]] = at[back]
    trip[owner[back]] = (at[back] - at[back - 1]) / HOUR
    rest = np.where(trip > policy.long_trip.total_seconds() / HOUR, policy.long_rest.total_seconds(),
                    policy.rest.total_seconds())
    rest_clears = returned + rest
    rest_clears[~(rest_clears > departs_at)] = np.nan

    # -- DUTY_LIMIT: the longest stay inside within the window -------------------------------------------------
    start = departs_at - policy.window.total_seconds()
    nxt = np.empty(m)  # each arrival opens a stay until the owner's next event, or the departure
    nxt[:-1] = at[1:]
    nxt[last] = departs_at
    stays_from = np.where(inward, at, np.nan)
    stays_to = np.where(inward, nxt, np.nan)
    before = first & ~inward  # a first event that is a departure: inside until then
    stays_from = np.where(before, -np.inf, stays_from)
    stays_to = np.where(before, at, stays_to)
    length = np.clip(stays_to, start, None) - np.clip(stays_from, start, None)
    longest = np.full(n, policy.window.total_seconds())  # no event at all: inside the whole window
    longest[owner] = 0.0
    valid = ~np.isnan(length)
    np.maximum.at(longest, owner[valid], length[valid])
    free = policy.free.total_seconds()
    # inside at the departure: the stay going on reaches the free time at its start plus `free`; outside at
    # the departure, no record says when it will (infinity: refused, with no time to clear)
    clears = np.full(n, np.inf)
    clears[owner[last & inward]] = at[last & inward] + free
    duty_clears = np.where(longest < free, clears, np.nan)
    return DutyLimits(rest_clears=rest_clears, duty_clears=duty_clears, returned=returned, trip_hours=trip,
                      longest_free_hours=longest / HOUR, free_hours=free / HOUR,
                      window_hours=policy.window.total_seconds() / HOUR)


def _state_changes(owner: np.ndarray, at: np.ndarray, inward: np.ndarray) -> tuple[np.ndarray, ...]:
    """The events that change where a shinobi is, from a log sorted by owner and time. An arrival of someone
    already inside (or a departure of someone already out) changes nothing: the stay, or the trip, began at
    the first of them. A departure and an arrival at the same instant (a trip of no length, a correction at
    the gate) change nothing either: the stay is not broken, and nobody returned."""
    while True:
        same = np.zeros(owner.size, dtype=bool)
        same[1:] = (owner[1:] == owner[:-1]) & (inward[1:] == inward[:-1])
        owner, at, inward = owner[~same], at[~same], inward[~same]
        pair = np.zeros(owner.size, dtype=bool)  # event k and k+1: same owner, same instant, opposite ways
        pair[:-1] = (owner[1:] == owner[:-1]) & (at[1:] == at[:-1])
        if not pair.any():
            return owner, at, inward
        first = pair.copy()
        first[1:] &= ~pair[:-1]  # in a run of such pairs, the first one goes now, the rest on the next pass
        drop = first.copy()
        drop[1:] |= first[:-1]
        owner, at, inward = owner[~drop], at[~drop], inward[~drop]
