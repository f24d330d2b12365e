"""Rest and duty limits from the gate log: the incident, the edges, and the columns held to a plain walk."""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from missiondesk.domain.duty import HOUR, DutyPolicy, duty_limits


def ts(day: int, hour: float) -> float:
    return (datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour)).timestamp()


def one(events: list[tuple[float, bool]], departs_at: float, policy: DutyPolicy = DutyPolicy()):
    d = duty_limits(np.zeros(len(events), dtype=np.int64), np.array([e[0] for e in events], dtype=float),
                    np.array([e[1] for e in events], dtype=bool), 1, departs_at, policy)
    return d.rest_clears[0], d.duty_clears[0], d


def test_back_at_three_from_a_week_away():
    """The chapter: out 7 March 06:00, in 14 March 03:00 (165 h away), asked to leave at 06:30."""
    rest, duty, d = one([(ts(7, 6), False), (ts(14, 3), True)], ts(14, 6.5))
    assert rest == ts(14, 13)  # ten hours after the return
    assert duty == ts(15, 9)  # thirty hours after the return: no 30 h inside in the week before
    assert d.trip_hours[0] == 165 and d.longest_free_hours[0] == 3.5
    # a week and a day away: 56 hours of rest
    rest, _, _ = one([(ts(6, 3), False), (ts(14, 3), True)], ts(14, 6.5))
    assert rest == ts(16, 11)
    # by 13:00 the rest is done; the duty limit stands until the next morning's 09:00
    rest, duty, _ = one([(ts(7, 6), False), (ts(14, 3), True)], ts(14, 13))
    assert math.isnan(rest) and duty == ts(15, 9)
    rest, duty, _ = one([(ts(7, 6), False), (ts(14, 3), True)], ts(15, 9))
    assert math.isnan(rest) and math.isnan(duty)


def test_no_gate_event_is_inside_and_free():
    d = duty_limits(np.array([], dtype=np.int64), np.array([]), np.array([], dtype=bool), 3, ts(14, 6))
    assert d.rest_refused.tolist() == [False] * 3 and d.duty_refused.tolist() == [False] * 3


def test_outside_at_the_departure_names_no_clearing_time():
    rest, duty, _ = one([(ts(9, 6), False)], ts(14, 6))  # out since the 9th: 120 h inside before, outside
    assert math.isnan(rest) and math.isnan(duty)  # 30 h inside before he left, within the window
    rest, duty, _ = one([(ts(13, 6), True), (ts(14, 0), False)], ts(14, 6))  # in at 06:00, out at midnight
    assert math.isnan(rest) and duty == math.inf


def test_a_repeated_arrival_does_not_restart_the_stay_nor_the_rest():
    rest, duty, _ = one([(ts(7, 6), False), (ts(12, 3), True), (ts(13, 20), True)], ts(14, 6.5))
    assert math.isnan(rest) and math.isnan(duty)  # back since the 12th 03:00: 51.5 h inside


def test_the_thresholds_live_in_the_policy():
    strict = DutyPolicy(rest=timedelta(hours=12), free=timedelta(hours=3))
    rest, duty, _ = one([(ts(7, 6), False), (ts(14, 3), True)], ts(14, 6.5), strict)
    assert rest == ts(14, 15) and math.isnan(duty)


def walk(events: list[tuple[float, bool]], departs_at: float, policy: DutyPolicy) -> tuple[float, float]:
    """The rules as a plain walk through one shinobi's log, hour by hour of the window (the statement of
    intent the columns are held to)."""
    log = sorted(((t, i, inward) for i, (t, inward) in enumerate(events) if t <= departs_at))
    initially_inside = not log or not log[0][2]  # before the first event, where it says one was not
    state_changes: list[tuple[float, bool]] = []
    for t, _, inward in log:
        if inward == (state_changes[-1][1] if state_changes else initially_inside):
            continue  # already there
        if state_changes and state_changes[-1][0] == t:
            state_changes.pop()  # there and back in the same instant: no move at all
        else:
            state_changes.append((t, inward))
    rest = math.nan
    if len(state_changes) >= 2 and state_changes[-1][1]:
        back, left = state_changes[-1][0], state_changes[-2][0]
        need = policy.long_rest if back - left > policy.long_trip.total_seconds() else policy.rest
        if back + need.total_seconds() > departs_at:
            rest = back + need.total_seconds()

    def inside_at(t: float) -> bool:
        before = [inward for when, inward in state_changes if when <= t]
        if before:
            return before[-1]
        return not state_changes or not state_changes[0][1]

    start = departs_at - policy.window.total_seconds()
    cuts = sorted({start, departs_at, *(t for t, _ in state_changes if start < t < departs_at)})
    longest = run = 0.0
    for a, b in zip(cuts, cuts[1:], strict=False):
        run = run + (b - a) if inside_at(a) else 0.0
        longest = max(longest, run)
    duty = math.nan
    if longest < policy.free.total_seconds():
        duty = state_changes[-1][0] + policy.free.total_seconds() if inside_at(departs_at) else math.inf
    return rest, duty


logs = st.lists(st.tuples(st.integers(0, 400), st.booleans()), max_size=8)


@settings(max_examples=300, deadline=None)
@given(village=st.lists(logs, min_size=1, max_size=6), depart=st.integers(100, 420),
       rest_h=st.integers(1, 60), free_h=st.integers(1, 100))
@example(village=[[(2, False), (2, True)]], depart=100, rest_h=1, free_h=99)  # found by CI: out and in at once
@example(village=[[(1, False), (2, True), (2, False), (2, True)]], depart=5, rest_h=10, free_h=1)
@example(village=[[(0, False), (0, True), (36, True)]], depart=100, rest_h=10, free_h=30)
@example(village=[[(0, True), (0, False), (0, False)]], depart=100, rest_h=10, free_h=30)
def test_the_columns_agree_with_the_walk_for_every_shinobi(village, depart, rest_h, free_h):
    policy = DutyPolicy(rest=timedelta(hours=rest_h), free=timedelta(hours=free_h))
    base = ts(1, 0)
    owner, at, inward = [], [], []
    for i, log in enumerate(village):
        for hour, is_in in log:
            owner.append(i)
            at.append(base + hour * HOUR)
            inward.append(is_in)
    d = duty_limits(np.array(owner, dtype=np.int64), np.array(at, dtype=float), np.array(inward, dtype=bool),
                    len(village), base + depart * HOUR, policy)
    for i, log in enumerate(village):
        want_rest, want_duty = walk([(base + h * HOUR, b) for h, b in log], base + depart * HOUR, policy)
        assert np.allclose([d.rest_clears[i], d.duty_clears[i]], [want_rest, want_duty], equal_nan=True), (i, log)


def test_out_and_in_at_the_same_instant_is_no_trip():
    """A departure and an arrival logged at the same second (a correction at the gate) neither break a stay
    nor count as a return."""
    rest, duty, d = one([(ts(10, 0), True), (ts(13, 6), False), (ts(13, 6), True)], ts(14, 6.5))
    assert math.isnan(rest) and math.isnan(duty) and math.isnan(d.returned[0])
