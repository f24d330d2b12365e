"""The estimate where the log is silent (FATIGUE.md, "The estimate"): TV8 and TV9, and its properties."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from missiondesk.domain.fatigue import SleepEpisode, estimate_fatigue, estimate_history, sleep_history

from ..fatigue_reference import reference_estimate

# TV8 and TV9 hold for the production core and for the minute-by-minute reference alike
IMPLEMENTATIONS = [pytest.param(estimate_fatigue, id="core"), pytest.param(reference_estimate, id="reference")]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


WEEK_AWAY = [(at(7, 6), False), (at(14, 3), True)]


def estimated(gate, acts, when, model=estimate_fatigue):
    history = estimate_history(gate, acts, when, UTC)
    assert history is not None and history.estimated
    return model(history.episodes, when, UTC), history


@pytest.mark.parametrize("model", IMPLEMENTATIONS)
def test_tv8_her_sleep_left_unlogged(model):
    """FATIGUE.md gives TV8 as KSS 8.67, E 70.1 in its "no W" / "no I" columns; the history it describes
    gives those values *with* sleep inertia (she last slept until 05:50, 40 minutes before), and 7.39 /
    72.5 without, as TV9's row (which agrees to 0.04) confirms the history. The decision uses the values
    without inertia (CONTRACT), so she is refused an S-rank on fatigue, not a D."""
    f, history = estimated(WEEK_AWAY, [at(14, 3, 40), at(14, 6, 20)], at(14, 6, 30), model)
    assert abs(f.kss_with_inertia - 8.67) <= 0.3 and abs(f.effectiveness_with_inertia - 70.1) <= 1.5, f
    assert abs(f.kss - 7.39) <= 0.05 and abs(f.effectiveness - 72.5) <= 0.1, f
    assert f.level == "unfit" and f.hours_awake == 40 / 60
    # the night she came back: 01:00-02:30 outside, then 04:10-05:50 between her report and her request
    last_two = [(e.start, e.end) for e in history.episodes[-2:]]
    assert last_two == [(at(14, 1), at(14, 2, 30)), (at(14, 4, 10), at(14, 5, 50))]
    assert "gate log" in history.basis and "2 act(s)" in history.basis


@pytest.mark.parametrize("model", IMPLEMENTATIONS)
def test_tv9_nothing_else_on_the_record(model):
    f, _ = estimated(WEEK_AWAY, [], at(14, 10), model)
    assert abs(f.kss - 5.9) <= 0.3 and abs(f.effectiveness - 83.7) <= 1.5, f


def test_no_estimate_without_a_trip_in_the_fortnight_and_a_log_wins():
    assert estimate_history([], [], at(14, 6), UTC) is None
    assert estimate_history([(at(1, 6), False), (at(2, 6), True)], [], at(20, 6), UTC) is None  # 18 days ago
    log = [SleepEpisode(at(13, 23), at(14, 5))]
    h = sleep_history(log, WEEK_AWAY, [], at(14, 6, 30), UTC)
    assert not h.estimated and h.episodes == tuple(log)
    h = sleep_history([], WEEK_AWAY, [], at(14, 6, 30), UTC)
    assert h.estimated and h.episodes


moments = st.lists(st.integers(0, 14 * 24 * 60), max_size=6).map(
    lambda ms: [at(1, 0) + timedelta(minutes=m) for m in ms])
gate_logs = st.lists(st.tuples(st.integers(0, 14 * 24 * 60), st.booleans()), min_size=1, max_size=6,
                     unique_by=lambda e: e[0]).map(
    lambda evs: [(at(1, 0) + timedelta(minutes=m), inward) for m, inward in evs])


@settings(max_examples=150, deadline=None)
@given(gate=gate_logs, acts=moments, extra=st.integers(0, 14 * 24 * 60), when=st.integers(0, 24 * 60))
@example(gate=[(at(1, 0), False)], acts=[], extra=241, when=182)  # found by CI: the first episode removed
def test_an_extra_awake_moment_never_raises_the_estimated_effectiveness(gate, acts, extra, when):
    """While it leaves the first episode as it was: the models start 16 hours before the first episode, rested
    (FATIGUE.md, Inputs), so an awake moment that removes the first night moves that start later, and a later
    rested start can end a fortnight later a few thousandths higher (65.8180 against 65.8153 in the example)."""
    t = at(15, 0) + timedelta(minutes=when)
    before = estimate_history(gate, acts, t, UTC)
    after = estimate_history(gate, [*acts, at(1, 0) + timedelta(minutes=extra)], t, UTC)
    assert (before is None) == (after is None)
    if before is not None and before.episodes and after.episodes and after.episodes[0] == before.episodes[0]:
        e0 = estimate_fatigue(before.episodes, t, UTC).effectiveness
        e1 = estimate_fatigue(after.episodes, t, UTC).effectiveness
        assert e1 <= e0 + 1e-3  # the one-minute integration leaves a few millionths


@settings(max_examples=150, deadline=None)
@given(gate=gate_logs, when=st.integers(0, 30 * 24 * 60))
def test_an_estimate_exists_exactly_when_the_gate_has_them_outside_in_the_fortnight(gate, when):
    t = at(1, 0) + timedelta(minutes=when)
    lo = t - timedelta(days=14)
    events = sorted((e for e in gate if e[0] <= t), key=lambda e: e[0])
    before = [inward for w, inward in events if w <= lo]
    outside_at_lo = (not before[-1]) if before else bool(events) and events[0][1]  # before a first arrival: out
    outside = outside_at_lo or any(lo < w < t and not inward for w, inward in events)  # out for a while
    assert (estimate_history(gate, [], t, UTC) is not None) == outside


@settings(max_examples=150, deadline=None)
@given(gate=gate_logs, acts=moments, start=st.integers(-47 * 60, -1), length=st.integers(1, 12 * 60))
def test_a_logged_episode_in_the_48_hours_always_wins_over_the_estimate(gate, acts, start, length):
    t = at(15, 6)
    episode = SleepEpisode(t + timedelta(minutes=start), t + timedelta(minutes=start + length))
    history = sleep_history([episode], gate, acts, t, UTC)
    assert not history.estimated and history.episodes == (episode,) and history.basis is None
