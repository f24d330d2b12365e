"""Fatigue models (FATIGUE.md): test vectors, levels, policy, history rules and properties."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from missiondesk.domain.fatigue import (
    FatigueBands,
    FatigueEstimate,
    FatiguePolicy,
    RankLimit,
    SleepEpisode,
    estimate_fatigue,
    estimate_roster,
    find_overlap,
    level_for,
    model_outputs,
    predict_series,
    three_process_kss,
)

from ..fatigue_reference import reference_estimate, reference_model_outputs

# The production core (one vectorised implementation, a batch of one here) and the minute-by-minute reference
# (tests/fatigue_reference.py): the vectors hold for both.
IMPLEMENTATIONS = [pytest.param(model_outputs, id="core"), pytest.param(reference_model_outputs, id="reference")]

KSS_TOL = 0.3
E_TOL = 1.5

# ------------------------------------------------------------------ the vectors' history
# "History: awake and rested from day 0, 07:00; baseline sleep 23:00-07:00; so the first episode
# starts 16 h after the start." Day 0 is an arbitrary UTC date; night d runs from day d 23:00 to
# day d+1 07:00, so "n baseline nights" are nights 0..n-1 and the n-th ends on day n at 07:00.
DAY0 = datetime(2024, 3, 4, tzinfo=UTC)


def at_day(day: int, hour: int, minute: int = 0) -> datetime:
    return DAY0 + timedelta(days=day, hours=hour, minutes=minute)


def sleep(day: int, hour: int, minute: int, hours: float) -> SleepEpisode:
    start = at_day(day, hour, minute)
    return SleepEpisode(start, start + timedelta(hours=hours))


def baseline(nights: int) -> list[SleepEpisode]:
    return [sleep(d, 23, 0, 8) for d in range(nights)]


def test_the_vectors_history_starts_the_models_at_day0_0700():
    # the models start 16 h before the first used episode: day 0 23:00 - 16 h = day 0 07:00
    assert at_day(0, 23) - timedelta(hours=16) == at_day(0, 7)


# ------------------------------------------------------------------ TV0: three-process model alone
@pytest.mark.parametrize(
    ("reading", "s_wake", "hours_awake", "clock_hour", "kss"),
    [
        ("TV0 at 08:00: just woken at 08:00 with S = 7.96, W = -5.72", 7.96, 0.0, 8.0, 10.26),
        ("TV0 at 08:45: 0.75 h after waking at 08:00", 7.96, 0.75, 8.75, 7.82),
    ],
)
def test_tv0_three_process_model_alone(reading, s_wake, hours_awake, clock_hour, kss):
    assert three_process_kss(s_wake, hours_awake, clock_hour) == pytest.approx(kss, abs=KSS_TOL), reading
    # the reference values are quoted to 2 decimals; ours agree far inside the tolerance
    assert three_process_kss(s_wake, hours_awake, clock_hour) == pytest.approx(kss, abs=0.01), reading


# ------------------------------------------------------------------ TV1-TV7
# Columns: history, evaluated at, KSS with W, KSS without W, E with I (all as FATIGUE.md lists them).
# fmt: off
VECTORS = [
    pytest.param(baseline(7), at_day(7, 10), 3.52, 3.49, 96.4,
                 id="TV1 nights 0-6; day 7 10:00 = 3 h after the 7th night"),
    pytest.param(baseline(3), at_day(4, 4), 7.78, 7.78, 67.6,
                 id="TV2 nights 0-2, awake from day 3 07:00; 21 h awake = day 4 04:00"),
    pytest.param(baseline(3), at_day(4, 7), 7.51, 7.51, 69.1,
                 id="TV2 24 h awake = day 4 07:00"),
    pytest.param(baseline(3), at_day(5, 7), 9.19, 9.19, 43.2,
                 id="TV2 48 h awake = day 5 07:00 (unclipped KSS)"),
    pytest.param([*baseline(3), sleep(5, 5, 0, 0.5)], at_day(5, 8), 8.79, 8.71, 49.8,
                 id="TV3 TV2 + nap day 5 05:00-05:30 (46 h after day 3 07:00); day 5 08:00"),
    pytest.param([*baseline(3), *(sleep(d, 3, 0, 4) for d in range(4, 9))], at_day(8, 9), 6.45, 6.28, 81.3,
                 id="TV4 nights 0-2 then 03:00-07:00 on days 4-8; day 8 09:00"),
    pytest.param([*baseline(3), *(sleep(d, 5, 0, 2) for d in range(4, 11))], at_day(10, 9), 8.39, 8.22, 40.7,
                 id="TV5 nights 0-2 then 05:00-07:00 on days 4-10; day 10 09:00"),
    pytest.param([*baseline(3), sleep(5, 8, 0, 8)], at_day(5, 18), 3.31, 3.14, 91.2,
                 id="TV6 nights 0-2, awake 49 h from day 3 07:00, sleep day 5 08:00-16:00; day 5 18:00"),
    pytest.param(baseline(7), at_day(7, 23), 5.67, 5.67, 87.3,
                 id="TV7 nights 0-6; next day 23:00 = day 7 23:00 (16 h awake)"),
    pytest.param(baseline(7), at_day(8, 3), 7.66, 7.66, 69.5,
                 id="TV7 next day 03:00 = day 8 03:00 (20 h awake)"),
]
# fmt: on


@pytest.mark.parametrize("outputs", IMPLEMENTATIONS)
@pytest.mark.parametrize(("episodes", "at", "kss_w", "kss", "e_i"), VECTORS)
def test_vectors_raw_model_outputs(episodes, at, kss_w, kss, e_i, outputs):
    out = outputs(episodes, at)
    assert out is not None
    assert out.kss_raw_with_inertia == pytest.approx(kss_w, abs=KSS_TOL)
    assert out.kss_raw == pytest.approx(kss, abs=KSS_TOL)
    assert out.effectiveness_with_inertia == pytest.approx(e_i, abs=E_TOL)
    # inertia only ever lowers alertness
    assert out.kss_raw_with_inertia >= out.kss_raw
    assert out.effectiveness_with_inertia <= out.effectiveness


@pytest.mark.parametrize(("episodes", "at", "kss_w", "kss", "e_i"), VECTORS)
def test_vectors_through_estimate_fatigue_and_roster(episodes, at, kss_w, kss, e_i):
    est = estimate_fatigue(episodes, at)
    assert est.kss == pytest.approx(min(kss, 9.0), abs=KSS_TOL)
    assert est.kss_with_inertia == pytest.approx(min(kss_w, 9.0), abs=KSS_TOL)
    assert est.effectiveness_with_inertia == pytest.approx(e_i, abs=E_TOL)
    assert est.level == level_for(est.kss, est.effectiveness) or est.level == "unknown"
    (roster,) = estimate_roster([episodes], at)
    ref = reference_estimate(episodes, at)  # the minute stepper
    assert roster.level == est.level == ref.level
    assert roster.effectiveness_with_inertia == pytest.approx(ref.effectiveness_with_inertia, rel=1e-9)
    assert est.effectiveness_with_inertia == pytest.approx(ref.effectiveness_with_inertia, rel=1e-9)


@pytest.mark.parametrize(
    ("episodes", "at", "level", "hours_awake"),
    [
        (baseline(7), at_day(7, 10), "fit", 3.0),
        (baseline(3), at_day(4, 4), "unfit", 21.0),
        ([*baseline(3), *(sleep(d, 3, 0, 4) for d in range(4, 9))], at_day(8, 9), "caution", 2.0),
        (baseline(7), at_day(7, 23), "caution", 16.0),
        # exactly 48 h after the last sleep: that episode touches the 48 h window, does not overlap it
        (baseline(3), at_day(5, 7), "unknown", None),
    ],
)
def test_vector_levels(episodes, at, level, hours_awake):
    est = estimate_fatigue(episodes, at)
    assert est.level == level
    assert est.hours_awake == hours_awake


def test_inertia_window_includes_120_minutes():
    # TV5 reads E 40.7 only if I still applies at ta = 120 min; without I it would be 42.4
    out = model_outputs([*baseline(3), *(sleep(d, 5, 0, 2) for d in range(4, 11))], at_day(10, 9))
    assert out.hours_awake == 2.0
    assert out.effectiveness - out.effectiveness_with_inertia > 1.5
    out_later = model_outputs(baseline(7), at_day(7, 9, 1))  # 121 min after waking: I = 0
    assert out_later.effectiveness_with_inertia == out_later.effectiveness


# ------------------------------------------------------------------ levels and policy
@pytest.mark.parametrize(
    ("kss", "effectiveness", "level"),
    [
        (1.0, 100.0, "fit"),
        (6.99, 90.0, "fit"),
        (7.0, 90.0, "caution"),
        (6.99, 89.99, "caution"),
        (7.99, 77.5, "caution"),
        (7.99, 77.49, "unfit"),
        (8.0, 99.0, "unfit"),
        (3.0, 77.49, "unfit"),
        (9.0, 40.0, "unfit"),
    ],
)
def test_level_bands(kss, effectiveness, level):
    assert level_for(kss, effectiveness) == level


def test_level_bands_are_configurable():
    strict = FatigueBands(fit_max_kss=5.0, fit_min_effectiveness=95.0)
    assert level_for(6.0, 96.0) == "fit"
    assert level_for(6.0, 96.0, strict) == "caution"


def _estimate(kss: float, effectiveness: float, level: str | None = None) -> FatigueEstimate:
    return FatigueEstimate(
        level=level or level_for(kss, effectiveness),
        kss=kss,
        effectiveness=effectiveness,
        kss_with_inertia=kss,
        effectiveness_with_inertia=effectiveness,
        hours_awake=10.0,
    )


@pytest.mark.parametrize(
    ("rank", "kss", "effectiveness", "refused"),
    [
        # S, A: KSS >= 7 or E < 85
        ("S", 6.99, 85.0, False),
        ("S", 7.0, 99.0, True),
        ("S", 3.0, 84.99, True),
        ("A", 6.99, 85.0, False),
        ("A", 7.0, 85.0, True),
        ("A", 6.0, 84.9, True),
        # B, C: KSS >= 8 or E < 77.5
        ("B", 7.99, 77.5, False),
        ("B", 8.0, 90.0, True),
        ("B", 5.0, 77.49, True),
        ("C", 7.99, 77.5, False),
        ("C", 8.0, 77.5, True),
        ("C", 7.0, 77.4, True),
        # D: KSS >= 8.5 or E < 70
        ("D", 8.49, 70.0, False),
        ("D", 8.5, 95.0, True),
        ("D", 4.0, 69.99, True),
    ],
)
def test_policy_by_rank(rank, kss, effectiveness, refused):
    policy = FatiguePolicy()
    assert policy.refuses(rank, _estimate(kss, effectiveness)) is refused
    assert policy.refuses(rank.lower(), _estimate(kss, effectiveness)) is refused


@pytest.mark.parametrize("rank", ["D", "C", "B", "A", "S"])
def test_policy_never_refuses_unknown(rank):
    worst = _estimate(9.0, 0.0, level="unknown")
    assert not FatiguePolicy().refuses(rank, worst)
    assert not FatiguePolicy().refuses(rank, FatigueEstimate("unknown", None, None, None, None, None))


def test_policy_reports_which_limits_are_breached():
    policy = FatiguePolicy()
    assert policy.breaches("S", _estimate(7.5, 80.0)) == ("kss", "effectiveness")
    assert policy.breaches("B", _estimate(7.5, 80.0)) == ()
    assert policy.breaches("B", _estimate(8.5, 80.0)) == ("kss",)


def test_policy_is_configurable_and_validated():
    limits = {rank: RankLimit(6.0, 95.0) for rank in "DCBAS"}
    assert FatiguePolicy(limits).refuses("D", _estimate(6.0, 99.0))
    with pytest.raises(ValueError, match="ranks"):
        FatiguePolicy({"S": RankLimit(7.0, 85.0)})
    with pytest.raises(ValueError, match="rank"):
        FatiguePolicy().refuses("Z", _estimate(3.0, 99.0))


def test_policy_refuses_real_estimates_per_rank():
    tired = estimate_fatigue(baseline(7), at_day(8, 3))  # TV7: KSS 7.66, E 69.5
    policy = FatiguePolicy()
    assert tired.level == "unfit"
    assert {rank: policy.refuses(rank, tired) for rank in "DCBAS"} == {
        "D": True,
        "C": True,
        "B": True,
        "A": True,
        "S": True,  # E 69.5 < 70 even for D
    }
    evening = estimate_fatigue(baseline(7), at_day(7, 23))  # TV7: KSS 5.67, E 87.3
    assert {rank: policy.refuses(rank, evening) for rank in "DCBAS"} == {
        "D": False,
        "C": False,
        "B": False,
        "A": False,
        "S": False,
    }


# ------------------------------------------------------------------ history rules
def test_no_sleep_in_48h_is_unknown_but_numbers_are_reported():
    est = estimate_fatigue(baseline(3), at_day(6, 7))  # 72 h after the last logged sleep
    assert est.level == "unknown"
    assert est.hours_awake is None
    assert est.kss == 9.0 and est.effectiveness is not None and est.effectiveness < 40
    assert not any(FatiguePolicy().refuses(rank, est) for rank in "DCBAS")


def test_48h_window_boundary():
    last_end = at_day(3, 7)
    assert estimate_fatigue(baseline(3), last_end + timedelta(hours=48)).level == "unknown"
    assert estimate_fatigue(baseline(3), last_end + timedelta(hours=47, minutes=59)).level == "unfit"


def test_no_history_at_all_gives_none():
    empty = FatigueEstimate("unknown", None, None, None, None, None)
    assert estimate_fatigue([], at_day(5, 0)) == empty
    # only episodes that ended 14 days or more before `at`, or start at/after it
    old = [sleep(0, 23, 0, 8), sleep(20, 1, 0, 5)]
    assert estimate_fatigue(old, at_day(15, 7)) == empty
    assert estimate_roster([[], old], at_day(15, 7)) == [empty, empty]


def test_episodes_ending_14_days_before_are_ignored():
    recent = [sleep(20, 23, 0, 8)]
    at = at_day(21, 12)
    stale = sleep(6, 0, 0, 7)  # ends day 6 07:00, 15 days before
    assert estimate_fatigue([stale, *recent], at) == estimate_fatigue(recent, at)


def test_episode_in_progress_is_cut_at_departure():
    at = at_day(7, 5)
    in_progress = estimate_fatigue(baseline(7), at)  # night 6 runs to 07:00
    cut = estimate_fatigue([*baseline(6), SleepEpisode(at_day(6, 23), at)], at)
    assert in_progress == cut
    assert in_progress.hours_awake == 0.0
    # woken at departure: full sleep inertia is reported, decisions ignore it
    assert in_progress.kss_with_inertia > in_progress.kss + 3
    assert in_progress.effectiveness_with_inertia < in_progress.effectiveness


def test_sub_minute_times_round_to_the_minute_grid():
    at = at_day(7, 10)
    shifted = [SleepEpisode(e.start + timedelta(seconds=29), e.end - timedelta(seconds=29)) for e in baseline(7)]
    assert estimate_fatigue(shifted, at) == estimate_fatigue(baseline(7), at)


def test_validation():
    naive = datetime(2024, 3, 4, 23, 0)
    with pytest.raises(ValueError, match="aware"):
        SleepEpisode(naive, naive + timedelta(hours=8))
    with pytest.raises(ValueError, match="end after"):
        SleepEpisode(at_day(1, 7), at_day(1, 7))
    with pytest.raises(ValueError, match="end after"):
        SleepEpisode(at_day(1, 7), at_day(1, 6))
    with pytest.raises(ValueError, match="aware"):
        estimate_fatigue(baseline(2), naive)
    overlapping = [*baseline(2), sleep(1, 6, 0, 2)]
    with pytest.raises(ValueError, match="overlap"):
        estimate_fatigue(overlapping, at_day(3, 0))
    with pytest.raises(ValueError, match="overlap"):
        estimate_roster([baseline(2), overlapping], at_day(3, 0))


def test_find_overlap():
    a, b = sleep(1, 23, 0, 8), sleep(2, 7, 0, 1)  # touching: b starts when a ends
    assert find_overlap([b, a]) is None
    c = sleep(2, 6, 59, 0.5)
    assert find_overlap([b, c, a]) == (a, c)
    inner = sleep(2, 1, 0, 1)
    assert find_overlap([a, inner]) == (a, inner)
    assert find_overlap([]) is None


def test_predict_series():
    episodes = baseline(7)
    series = predict_series(episodes, at_day(7, 8), hours=48, step_minutes=60, tz=UTC)
    assert len(series) == 49
    assert [t for t, _ in series][:2] == [at_day(7, 8), at_day(7, 9)]
    for t, est in series[::7]:  # the vectorised core agrees with the stepper to rounding (see _equal)
        assert _equal(est, reference_estimate(episodes, t)), t
    assert series[-1][1].level == "unknown"  # 49 h after the last logged sleep


def test_clock_hour_uses_the_offset_at_departure():
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no tz database")
    at = at_day(7, 10)  # March 11: CET, +01:00
    assert estimate_fatigue(baseline(7), at, berlin) == estimate_fatigue(baseline(7), at, timezone(timedelta(hours=1)))


# ------------------------------------------------------------------ a literal reading of FATIGUE.md
def literal_reading(episodes, at, tz=UTC):
    """Brute force, minute by minute, both models; whole-minute inputs only. (KSS raw, KSS+W, E, E+I)."""
    used = []
    for ep in episodes:
        if ep.start < at and ep.end > at - timedelta(days=14):
            used.append((ep.start, min(ep.end, at)))
    if not used:
        return None
    t0 = min(s for s, _ in used) - timedelta(hours=16)
    minutes = int((at - t0) / timedelta(minutes=1))
    local = at.astimezone(tz)
    h_at = local.hour + local.minute / 60
    g = math.log((14.3 - 14) / (14.3 - 7.96)) / 8
    k = g * (12.2 - 14.3)
    s_tpm, r, si, last_wake = 14.0, 2880.0, 0.0, None
    asleep = [False] * minutes
    for s, e in used:
        for i in range(int((s - t0) / timedelta(minutes=1)), int((e - t0) / timedelta(minutes=1))):
            asleep[i] = True
    for i in range(minutes):
        if asleep[i]:
            h = (h_at + (i - minutes) / 60) % 24
            c = math.cos(2 * math.pi * (h - 18) / 24) + 0.5 * math.cos(4 * math.pi * (h - 21) / 24)
            si = min(4.4, max(0.0, -0.55 * c + 0.0026564 * (2880 - r)))
            r = min(2880.0, r + si)
            if s_tpm < 12.2:
                tb = (12.2 - s_tpm) / k
                s_tpm = s_tpm + k / 60 if tb >= 1 / 60 else 14.3 - 2.1 * math.exp(g * (1 / 60 - tb))
            else:
                s_tpm = 14.3 - (14.3 - s_tpm) * math.exp(g / 60)
            last_wake = i + 1
        else:
            r = max(0.0, r - 0.5)
            s_tpm = 2.4 + (s_tpm - 2.4) * math.exp(-0.0353 / 60)
    ta = minutes - last_wake
    a = (
        s_tpm
        + 2.5 * math.cos(2 * math.pi * (h_at - 16.8) / 24)
        - 0.5
        + 0.5 * math.cos(2 * math.pi * (h_at - 19.8) / 12)
    )
    w = -5.72 * math.exp(-1.51 * ta / 60)
    c = math.cos(2 * math.pi * (h_at - 18) / 24) + 0.5 * math.cos(4 * math.pi * (h_at - 21) / 24)
    e = 100 * r / 2880 + c * (7 + 5 * (2880 - r) / 2880)
    i_term = -5 * math.exp(-0.04 * ta / si) if ta <= 120 and si > 0 else 0.0
    return 10.6 - 0.6 * a, 10.6 - 0.6 * (a + w), e, e + i_term


@pytest.mark.parametrize("outputs", IMPLEMENTATIONS)
@pytest.mark.parametrize(("episodes", "at", "kss_w", "kss", "e_i"), VECTORS)
def test_vectors_match_the_literal_reading(episodes, at, kss_w, kss, e_i, outputs):
    out = outputs(episodes, at)
    expected = literal_reading(episodes, at)
    got = (out.kss_raw, out.kss_raw_with_inertia, out.effectiveness, out.effectiveness_with_inertia)
    assert got == pytest.approx(expected, abs=1e-6)


# ------------------------------------------------------------------ property tests
AT_BASE = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@st.composite
def histories(draw, unit_seconds: int = 1, max_episodes: int = 9):
    """(episodes, at): random awake gaps and sleeps, some ending after `at` or starting after it."""
    at = AT_BASE + timedelta(minutes=draw(st.integers(0, 1439)))
    unit = timedelta(seconds=unit_seconds)
    t = at - draw(st.integers(1, 17 * 86400 // unit_seconds)) * unit
    episodes = []
    for _ in range(draw(st.integers(0, max_episodes))):
        t += draw(st.one_of(st.just(0), st.integers(1, 40 * 3600 // unit_seconds))) * unit
        length = draw(st.integers(1, 16 * 3600 // unit_seconds)) * unit
        episodes.append(SleepEpisode(t, t + length))
        t += length
    return episodes, at


def _equal(a: FatigueEstimate, b: FatigueEstimate) -> bool:
    if a.level != b.level:
        return False
    for name in ("kss", "effectiveness", "kss_with_inertia", "effectiveness_with_inertia", "hours_awake"):
        x, y = getattr(a, name), getattr(b, name)
        if (x is None) != (y is None):
            return False
        if x is not None and x != pytest.approx(y, rel=1e-6, abs=1e-9):
            return False
    return True


@pytest.mark.parametrize("outputs", IMPLEMENTATIONS)
@settings(max_examples=40, deadline=None)
@given(histories(unit_seconds=60))
def test_estimate_fatigue_is_the_literal_reading(outputs, case):
    episodes, at = case
    out = outputs(episodes, at)
    expected = literal_reading(episodes, at)
    if expected is None:
        assert out is None
        return
    got = (out.kss_raw, out.kss_raw_with_inertia, out.effectiveness, out.effectiveness_with_inertia)
    assert got == pytest.approx(expected, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(histories(), st.integers(-12 * 60, 14 * 60))
def test_estimate_fatigue_is_the_reference(case, offset_minutes):
    """The one shinobi's path (the vectorised core, a batch of one) against the minute stepper: any seconds,
    episodes in progress, after `at`, before the fortnight, any fixed zone."""
    episodes, at = case
    tz = timezone(timedelta(minutes=offset_minutes))
    assert _equal(estimate_fatigue(episodes, at, tz), reference_estimate(episodes, at, tz)), episodes
    out, ref = model_outputs(episodes, at, tz), reference_model_outputs(episodes, at, tz)
    assert (out is None) == (ref is None)
    if out is not None:
        assert (out.recent, out.hours_awake) == (ref.recent, ref.hours_awake)
        for name in ("s", "reservoir", "kss_raw", "kss_raw_with_inertia", "effectiveness",
                     "effectiveness_with_inertia", "last_sleep_intensity"):
            assert getattr(out, name) == pytest.approx(getattr(ref, name), rel=1e-6, abs=1e-9), name


@settings(max_examples=150, deadline=None)
@given(histories(), st.data())
def test_adding_sleep_never_lowers_effectiveness(case, data):
    """(a) The added episode lies in an awake gap after the first used episode's start, ending by `at`.

    An episode added *before* the first used one moves the models' start (rested, 16 h before it)
    earlier, which can lower E: the time before the log counts as rested, not as awake.
    """
    episodes, at = case
    used = sorted((e for e in episodes if e.start < at and e.end > at - timedelta(days=14)), key=lambda e: e.start)
    assume(used)
    bounds = [(a.end, b.start) for a, b in zip(used, used[1:], strict=False)] + [(used[-1].end, at)]
    gaps = [(lo, hi) for lo, hi in bounds if hi - lo >= timedelta(seconds=2)]
    assume(gaps)
    lo, hi = data.draw(st.sampled_from(gaps))
    span = int((hi - lo).total_seconds())
    offset = data.draw(st.integers(0, span - 1))
    length = data.draw(st.integers(1, span - offset))
    extra = SleepEpisode(lo + timedelta(seconds=offset), lo + timedelta(seconds=offset + length))
    before = estimate_fatigue(episodes, at)
    after = estimate_fatigue([*episodes, extra], at)
    assert after.effectiveness >= before.effectiveness - 1e-9


@settings(max_examples=150, deadline=None)
@given(histories())
def test_kss_always_within_1_and_9(case):
    """(b)"""
    est = estimate_fatigue(*case)
    if est.kss is not None:
        assert 1.0 <= est.kss <= 9.0
        assert 1.0 <= est.kss_with_inertia <= 9.0
    else:
        assert est.level == "unknown"


@settings(max_examples=60, deadline=None)
@given(st.lists(histories(), min_size=1, max_size=6), st.integers(-12 * 60, 14 * 60))
def test_roster_equals_single(cases, offset_minutes):
    """(c) Same `at` for everyone (the first case's); histories re-anchored to it."""
    at = cases[0][1]
    tz = timezone(timedelta(minutes=offset_minutes))
    rosters = [[SleepEpisode(e.start + (at - a), e.end + (at - a)) for e in eps] for eps, a in cases]
    got = estimate_roster(rosters, at, tz)
    for episodes, est in zip(rosters, got, strict=True):
        assert _equal(est, estimate_fatigue(episodes, at, tz)), (episodes, est)
        assert _equal(est, reference_estimate(episodes, at, tz)), (episodes, est)


@settings(max_examples=100, deadline=None)
@given(histories(), st.integers(0, 5 * 86400), st.integers(1, 20 * 3600))
def test_episode_after_departure_changes_nothing(case, delay, length):
    """(d)"""
    episodes, at = case
    last = max((e.end for e in episodes), default=at)
    start = max(at, last) + timedelta(seconds=delay)
    later = SleepEpisode(start, start + timedelta(seconds=length))
    assert estimate_fatigue([*episodes, later], at) == estimate_fatigue(episodes, at)


@settings(max_examples=100, deadline=None)
@given(histories(), st.integers(-3 * 1440, 3 * 1440), st.integers(-12 * 60, 14 * 60))
def test_shifting_times_and_zone_together_changes_nothing(case, shift_minutes, offset_minutes):
    """(e) Move every instant by d and the zone's offset by -d: local clock times are unchanged."""
    new_offset = offset_minutes - shift_minutes
    assume(-24 * 60 < new_offset < 24 * 60)
    episodes, at = case
    d = timedelta(minutes=shift_minutes)
    tz, tz_shifted = timezone(timedelta(minutes=offset_minutes)), timezone(timedelta(minutes=new_offset))
    moved = [SleepEpisode(e.start + d, e.end + d) for e in episodes]
    assert estimate_fatigue(moved, at + d, tz_shifted) == estimate_fatigue(episodes, at, tz)
    assert estimate_roster([moved], at + d, tz_shifted) == estimate_roster([episodes], at, tz)


def test_roster_matches_single_on_awkward_schedules():
    """Day sleeps, evening naps with little debt, lie-ins, a 30-hour sleep: every SAFTE regime."""
    at = at_day(9, 18, 30)
    schedules = [
        [sleep(d, 23, 0, 8) for d in range(8)] + [sleep(9, 17, 0, 1)],  # evening nap, low debt
        [sleep(d, 9, 0, 7) for d in range(9)],  # night worker
        [sleep(d, 21, 0, 14) for d in range(0, 9, 2)],  # long lie-ins
        [sleep(3, 12, 0, 30), sleep(8, 19, 45, 0.25), sleep(9, 14, 0, 0.5)],
        [sleep(d, h, 0, 1.5) for d in range(9) for h in (2, 8, 14, 20)],  # polyphasic
        [sleep(9, 18, 20, 2)],  # in progress at departure
    ]
    roster = estimate_roster(schedules, at)
    for episodes, est in zip(schedules, roster, strict=True):
        assert _equal(est, estimate_fatigue(episodes, at)), episodes
        assert _equal(est, reference_estimate(episodes, at)), episodes


@pytest.mark.parametrize("dense_minutes", [0, 10**9], ids=["bisection", "every-minute"])
def test_both_ways_of_finding_a_crossing_agree_with_the_reference(monkeypatch, dense_minutes):
    """The core finds where D falls below theta in a rising piece by bisection (many sleeps, a roster) or by
    evaluating every minute (a few, one shinobi's): both ways, on the awkward schedules, against the stepper."""
    from missiondesk.domain.fatigue import vectorised

    crossings = []
    real = vectorised._rising_crossing
    monkeypatch.setattr(vectorised, "_DENSE_MINUTES", dense_minutes)
    monkeypatch.setattr(vectorised, "_rising_crossing", lambda *a: crossings.append(a[1].size) or real(*a))
    at = at_day(6, 20)
    schedules = [  # well rested, then a long sleep into the evening: D relaxes onto a rising theta
        [*baseline(4), sleep(4, 9, 30, 14)],
        [*baseline(5), sleep(5, 23, 0, 16)],  # a lie-in to 15:00
        [sleep(1, 12, 0, 15.75), sleep(3, 11, 30, 3.2), sleep(4, 11, 0, 2), sleep(5, 11, 45, 15.3)],
        [sleep(d, 23, 0, 8) for d in range(5)] + [sleep(6, 17, 0, 1)],  # and no crossing
    ]
    for episodes, est in zip(schedules, estimate_roster(schedules, at), strict=True):
        assert _equal(est, reference_estimate(episodes, at)), episodes
        assert _equal(estimate_fatigue(episodes, at), reference_estimate(episodes, at)), episodes
    assert len(crossings) >= 3  # the schedules do reach a crossing, through the roster and one by one


# ------------------------------------------------------------------ the forecast: one vectorised pass
BAND_EDGES_KSS = (7.0, 8.0)
BAND_EDGES_E = (90.0, 77.5)


def _agrees(got: FatigueEstimate, ref: FatigueEstimate) -> bool:
    """_equal, except that the level may differ where the reference sits within its tolerance of a band edge."""
    if _equal(got, ref):
        return True
    if got.level == ref.level or ref.kss is None or not _equal(replace(got, level=ref.level), ref):
        return False
    return any(ref.kss == pytest.approx(edge, rel=1e-6, abs=1e-9) for edge in BAND_EDGES_KSS) or any(
        ref.effectiveness == pytest.approx(edge, rel=1e-6, abs=1e-9) for edge in BAND_EDGES_E
    )


@pytest.mark.parametrize(("episodes", "at", "kss_w", "kss", "e_i"), VECTORS)
def test_vectors_through_predict_series(episodes, at, kss_w, kss, e_i):
    """Each vector as the last point of a 6-hour series and as the first of a 12-hour one."""
    for est in (predict_series(episodes, at - timedelta(hours=6), 6, 30)[-1][1],
                predict_series(episodes, at, 12, 45)[0][1]):
        assert est.kss == pytest.approx(min(kss, 9.0), abs=KSS_TOL)
        assert est.kss_with_inertia == pytest.approx(min(kss_w, 9.0), abs=KSS_TOL)
        assert est.effectiveness_with_inertia == pytest.approx(e_i, abs=E_TOL)


@settings(max_examples=60, deadline=None)
@given(histories(), st.integers(0, 59), st.integers(0, 48), st.integers(10, 240), st.integers(-12 * 60, 14 * 60))
def test_predict_series_is_the_reference_at_every_point(case, seconds, hours, step_minutes, offset_minutes):
    """predict_series (one vectorised pass) against the minute stepper (tests/fatigue_reference.py) at each point:
    episodes in progress at some points and after others, starts off the minute, any fixed zone."""
    episodes, at = case
    start = at + timedelta(seconds=seconds)
    tz = timezone(timedelta(minutes=offset_minutes))
    series = predict_series(episodes, start, hours, step_minutes, tz)
    assert [t for t, _ in series] == [start + k * timedelta(minutes=step_minutes)
                                      for k in range(hours * 60 // step_minutes + 1)]
    for t, est in series:
        assert _agrees(est, reference_estimate(episodes, t, tz)), (t, est)


def test_predict_series_across_a_dst_change_takes_each_points_offset():
    """Europe/Berlin springs forward on 31 March 2024 at 01:00 UTC: points before and after it use their own
    offset for the clock hour, as estimate_fatigue does at each of them."""
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no tz database")
    night = datetime(2024, 3, 20, 22, 0, tzinfo=UTC)
    episodes = [SleepEpisode(night + timedelta(days=d), night + timedelta(days=d, hours=8)) for d in range(12)]
    start = datetime(2024, 3, 30, 12, 0, 30, tzinfo=UTC)
    series = predict_series(episodes, start, 48, 30, berlin)
    assert {t.astimezone(berlin).utcoffset() for t, _ in series} == {timedelta(hours=1), timedelta(hours=2)}
    for t, est in series:
        assert _equal(est, estimate_fatigue(episodes, t, berlin)), t
        assert _equal(est, reference_estimate(episodes, t, berlin)), t


def test_predict_series_refuses_overlapping_sleep_it_uses():
    with pytest.raises(ValueError, match="overlap"):
        predict_series([*baseline(3), sleep(2, 6, 0, 2)], at_day(3, 12), 4, 30)
