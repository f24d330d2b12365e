"""Whole-board planning (the package domain/planning): invariants on random villages, optimality and the
bound against brute force and the full CP-SAT model, the pruned path, edge cases."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from missiondesk.domain.planning import LeftOut, PlanResult, problem, relaxation, rounding, solve, solve_plan

from ..planning_support import check_plan, cpsat_full_plan, greedy_plan

# ------------------------------------------------------------------ villages


class Village:
    """A board with its own ids (not 0..n-1) and pairs as lists and as arrays."""

    def __init__(self, sizes, n_shinobi, pairs):
        self.mission_ids = [100 + 7 * i for i in range(len(sizes))]
        self.shinobi_ids = [5000 + 3 * j for j in range(n_shinobi)]
        self.sizes = list(sizes)
        self.pairs = list(pairs)  # (mission index, shinobi index, value)

    def __repr__(self):
        return f"Village(sizes={self.sizes}, n_shinobi={len(self.shinobi_ids)}, pairs={self.pairs})"

    def arrays(self, dtype=np.int64):
        pm = np.array([p[0] for p in self.pairs], dtype=dtype)
        ps = np.array([p[1] for p in self.pairs], dtype=dtype)
        pv = np.array([p[2] for p in self.pairs], dtype=np.float64)
        return self.mission_ids, self.sizes, self.shinobi_ids, pm, ps, pv

    @property
    def eligible(self):
        return {(self.mission_ids[m], self.shinobi_ids[s]) for m, s, _ in self.pairs}

    @property
    def values(self):
        best = {}
        for m, s, v in self.pairs:
            key = (self.mission_ids[m], self.shinobi_ids[s])
            best[key] = max(v, best.get(key, -math.inf))
        return best

    @property
    def sizes_by_mission(self):
        return dict(zip(self.mission_ids, self.sizes, strict=True))

    def check(self, result: PlanResult) -> None:
        check_plan(result, self.sizes_by_mission, self.eligible, self.values)

    def brute_force(self) -> float:
        """The optimum, by trying every team of every mission."""
        val = {}
        for m, s, v in self.pairs:
            val[(m, s)] = max(v, val.get((m, s), -math.inf))
        options = [[s for s in range(len(self.shinobi_ids)) if (m, s) in val] for m in range(len(self.sizes))]
        best = 0.0

        def walk(m, used, acc):
            nonlocal best
            if m == len(self.sizes):
                best = max(best, acc)
                return
            walk(m + 1, used, acc)
            free = [s for s in options[m] if s not in used]
            for team in itertools.combinations(free, self.sizes[m]):
                walk(m + 1, used | set(team), acc + math.fsum(val[(m, s)] for s in team))

        walk(0, frozenset(), 0.0)
        return best


values_st = st.one_of(st.floats(-20, 20, allow_nan=False), st.integers(-5, 5).map(float))


@st.composite
def villages(draw, max_missions=5, max_shinobi=24, max_size=6):
    n_m = draw(st.integers(1, max_missions))
    n_s = draw(st.integers(1, max_shinobi))
    sizes = draw(st.lists(st.integers(1, max_size), min_size=n_m, max_size=n_m))
    density = draw(st.floats(0.1, 0.9))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    shift = draw(st.floats(-8, 8))
    pairs = [(m, s, float(np.round(rng.normal(shift, 6), 3)))
             for m in range(n_m) for s in range(n_s) if rng.random() < density]
    if pairs and draw(st.booleans()):  # a few exact ties
        tie = draw(values_st)
        pairs = [(m, s, tie) if rng.random() < 0.3 else (m, s, v) for m, s, v in pairs]
    return Village(sizes, n_s, pairs)


def tol(result: PlanResult) -> float:
    return 1e-6 * max(1.0, abs(result.upper_bound))


@pytest.fixture
def pruned(monkeypatch):
    """The large-board path on small boards: sampled prices, candidates, slices of a few pairs."""
    monkeypatch.setattr(relaxation, "SAMPLE_ARCS", 4)
    monkeypatch.setattr(problem, "_CHUNK", 5)
    monkeypatch.setattr(solve, "EXACT_PAIRS", 0)


# ------------------------------------------------------------------ invariants


@settings(max_examples=200, deadline=None)
@given(villages())
def test_every_plan_keeps_the_rules_and_stays_under_its_bound(village):
    result = solve_plan(*village.arrays(), time_limit=2.0)
    village.check(result)  # full teams, eligible, nobody twice, value = Σ pairs, value ≤ bound
    assert result.value >= 0.0  # the empty plan is always possible
    assert set(result.stats) >= {"missions_staffed", "flow_value", "pairs"}
    # unpruned, the bound is the relaxation's optimum (the flow's value) up to the cost rounding
    flow = result.stats["flow_value"]
    vmax = max((abs(v) for *_, v in village.pairs), default=0.0)
    slack = 3e-6 * vmax * (len(village.shinobi_ids) + sum(village.sizes)) + 1e-9
    assert flow - 1e-9 <= result.upper_bound <= flow + slack


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(villages())
def test_the_pruned_path_keeps_the_rules_and_its_bound_is_still_valid(pruned, village):
    result = solve_plan(*village.arrays(np.int32), time_limit=2.0, seed=3)
    village.check(result)
    if len(village.sizes) <= 4 and len(village.shinobi_ids) <= 10:
        assert village.brute_force() <= result.upper_bound + tol(result)


@settings(max_examples=200, deadline=None)
@given(villages(max_missions=4, max_shinobi=9, max_size=3))
def test_tiny_boards_are_solved_to_the_optimum_and_the_bound_holds(village):
    best = village.brute_force()
    result = solve_plan(*village.arrays(), time_limit=2.0)
    village.check(result)
    assert best <= result.upper_bound + tol(result)
    # optimal, or stopped by the gap limit (1e-4 of the bound), never worse
    assert result.value >= best - 1e-4 * max(abs(result.upper_bound), 1e-9) - 1e-9
    assert result.value <= best + 1e-9


@settings(max_examples=40, deadline=None)
@given(villages(max_missions=6, max_shinobi=20, max_size=4))
def test_small_boards_match_the_full_cpsat_optimum(village):
    full = cpsat_full_plan(*village.arrays(), time_limit=10.0, workers=1)
    assert full.stats["cpsat_status"] == 4.0  # OPTIMAL
    village.check(full)
    result = solve_plan(*village.arrays(), time_limit=2.0)
    village.check(result)
    assert full.value <= result.upper_bound + tol(result)
    assert result.value >= full.value - 1e-4 * max(abs(result.upper_bound), 1e-9) - 1e-6


@settings(max_examples=60, deadline=None)
@given(villages())
def test_the_greedy_baseline_is_a_plan_and_shares_the_bound(village):
    result = greedy_plan(*village.arrays(), compute_bound=True)
    village.check(result)
    assert math.isnan(greedy_plan(*village.arrays()).upper_bound)
    assert result.upper_bound == pytest.approx(solve_plan(*village.arrays(), time_limit=0.5).upper_bound)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.integers(1, 400), st.integers(0, 5), st.integers(0, 2**31))
def test_top_k_per_group_is_the_k_largest_of_each_group(n_groups, n, k_max, seed):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, n_groups, n)
    value = np.round(rng.normal(0, 3, n), 1)  # ties on purpose
    k = rng.integers(0, k_max + 1, n_groups)
    got = problem._top_k_per_group(group, value, n_groups, k, bins=4)
    assert len(set(got.tolist())) == len(got)
    for g in range(n_groups):
        mine = np.sort(value[got[group[got] == g]])[::-1]
        want = np.sort(value[group == g])[::-1][: k[g]]
        assert np.array_equal(mine, want)


# ------------------------------------------------------------------ a larger board, pruned


def test_a_larger_board_through_the_pruned_path(pruned):
    rng = np.random.default_rng(11)
    n_m, n_s = 40, 90
    sizes = rng.integers(1, 7, n_m).tolist()
    mask = rng.random((n_m, n_s)) < 0.5
    pm, ps = np.nonzero(mask)
    pv = rng.normal(2, 6, len(pm))
    village = Village(sizes, n_s, list(zip(pm.tolist(), ps.tolist(), pv.tolist(), strict=True)))
    full = cpsat_full_plan(*village.arrays(), time_limit=20.0, workers=2)
    result = solve_plan(*village.arrays(), time_limit=3.0)
    village.check(result)
    village.check(full)
    assert full.value <= result.upper_bound + tol(result)
    assert result.stats["relax_rounds"] >= 1 and "sample_bound" in result.stats
    assert result.upper_bound <= result.stats["sample_bound"] + 1e-9
    assert result.value >= 0.97 * full.value


# ------------------------------------------------------------------ edge cases


def test_no_eligible_pairs_gives_the_empty_plan():
    village = Village([2, 3], 5, [])
    for plan in (solve_plan, greedy_plan, cpsat_full_plan):
        result = plan(*village.arrays())
        village.check(result)
        assert result.assignment == {} and result.value == 0.0
    assert solve_plan(*village.arrays()).upper_bound == 0.0


def test_more_missions_than_shinobi():
    pairs = [(m, s, 1.0 + m + s) for m in range(6) for s in range(3)]
    village = Village([1, 1, 2, 1, 3, 1], 3, pairs)
    result = solve_plan(*village.arrays())
    village.check(result)
    assert result.value == pytest.approx(village.brute_force())
    assert sum(len(t) for t in result.assignment.values()) <= 3


def test_all_values_negative_gives_the_empty_plan_and_a_zero_bound():
    pairs = [(m, s, -1.0 - m - s) for m in range(3) for s in range(6)]
    village = Village([1, 2, 3], 6, pairs)
    result = solve_plan(*village.arrays())
    village.check(result)
    assert result.assignment == {} and result.value == 0.0
    assert result.upper_bound == pytest.approx(0.0, abs=1e-9) and result.gap == pytest.approx(0.0, abs=1e-6)


def test_a_team_may_carry_a_negative_member_when_the_team_is_worth_it():
    # mission 0 needs 3; only two shinobi are worth anything there
    pairs = [(0, 0, 10.0), (0, 1, 9.0), (0, 2, -4.0), (0, 3, -6.0)]
    village = Village([3], 4, pairs)
    result = solve_plan(*village.arrays())
    village.check(result)
    assert result.value == pytest.approx(15.0)
    assert result.upper_bound == pytest.approx(19.0, rel=1e-6)  # the flow drops the negative member
    assert result.gap == pytest.approx(4 / 19, rel=1e-5)


def test_a_mission_with_too_few_eligible_shinobi_is_left_out_and_out_of_the_bound():
    village = Village([4, 1], 5, [(0, 0, 50.0), (0, 1, 50.0), (0, 2, 50.0), (1, 3, 1.0)])
    result = solve_plan(*village.arrays())
    village.check(result)
    assert list(result.assignment) == [village.mission_ids[1]] and result.value == 1.0
    assert result.left_out == (LeftOut(village.mission_ids[0], 3, 4, "3 eligible for 4 places"),)
    # kept in, the relaxation would half-staff mission 0 (a bound of 151 that no plan reaches)
    assert result.upper_bound == pytest.approx(1.0) and result.gap == pytest.approx(0.0, abs=1e-6)
    assert result.stats["left_out"] == 1.0 and result.stats["pairs"] == 4.0


def test_left_out_counts_distinct_shinobi_whatever_the_order_of_the_pairs():
    # mission 0: shinobi 0 three times and 1 (2 distinct for 3 places); mission 1: 1 place, none eligible;
    # mission 2: two places, two shinobi, pairs out of order
    pairs = [(2, 4, 3.0), (0, 0, 5.0), (0, 1, 5.0), (0, 0, 6.0), (2, 3, 2.0), (0, 0, 7.0)]
    village = Village([3, 1, 2], 5, pairs)
    for sort in (False, True):
        result = solve_plan(*Village(village.sizes, 5, sorted(pairs) if sort else pairs).arrays())
        village.check(result)
        assert [(x.mission_id, x.eligible, x.needed, x.reason) for x in result.left_out] == [
            (village.mission_ids[0], 2, 3, "2 eligible for 3 places"),
            (village.mission_ids[1], 0, 1, "0 eligible for 1 place")]
        assert result.assignment == {village.mission_ids[2]: (village.shinobi_ids[3], village.shinobi_ids[4])}
        assert result.upper_bound == pytest.approx(5.0)


def test_left_out_on_the_pruned_path(pruned):
    # repeated pairs spread over slices of 5 (the pruned fixture), a short mission among staffable ones
    rng = np.random.default_rng(5)
    pairs = [(m, s, float(rng.normal(4, 3))) for m in range(6) for s in range(20) if m != 3 and rng.random() < 0.7]
    pairs += [(3, 7, 9.0), (3, 8, 9.0), (3, 7, 9.5)] + pairs[:4]
    village = Village([2, 3, 1, 5, 2, 4], 20, pairs)
    result = solve_plan(*village.arrays(np.int32), time_limit=2.0)
    village.check(result)
    assert [(x.mission_id, x.eligible, x.needed) for x in result.left_out] == [(village.mission_ids[3], 2, 5)]


def test_a_repeated_pair_counts_with_its_highest_value():
    village = Village([1], 1, [(0, 0, 1.0), (0, 0, 5.0), (0, 0, 2.0)])
    for plan in (solve_plan, greedy_plan):
        result = plan(*village.arrays())
        village.check(result)
        assert result.value == 5.0


def test_progress_and_clock():
    rng = np.random.default_rng(2)
    pairs = [(m, s, float(rng.normal(3, 4))) for m in range(5) for s in range(12) if rng.random() < 0.6]
    village = Village([2, 3, 1, 2, 4], 12, pairs)
    seen = []
    ticks = iter(range(10_000))
    result = solve_plan(*village.arrays(), progress=lambda phase, f: seen.append((phase, f)),
                        clock=lambda: float(next(ticks)) * 1e-3, time_limit=5.0)
    village.check(result)
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and fractions[0] >= 0.0
    assert {"relaxation", "dive", "local"} <= {phase for phase, _ in seen}
    assert result.stats["time_total"] > 0 and "time_relaxation" in result.stats
    assert "time_total" not in solve_plan(*village.arrays()).stats  # no clock, no timings


class Ticker:
    """A fake clock: each reading is `step` seconds after the last."""

    def __init__(self, step: float, at: float = 100.0):
        self.now, self.step = at, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def a_board(seed: int, n_m: int = 40, n_s: int = 60) -> Village:
    """Scarce by default: teams of 1-5 from 60 shinobi for 40 missions (dives of several rounds)."""
    rng = np.random.default_rng(seed)
    pairs = [(m, s, float(rng.normal(2, 4))) for m in range(n_m) for s in range(n_s) if rng.random() < 0.5]
    return Village(rng.integers(1, 6, n_m).tolist(), n_s, pairs)


@pytest.fixture
def slow_machine(monkeypatch):
    """A slow machine on a fake clock, the same on every run: each reading of the clock takes 2 ms, each
    min-cost flow 50 ms, and CP-SAT runs to its limit and 50 ms past it (its start, which it does not
    time)."""
    clock = Ticker(0.002)
    real_flow = relaxation._flow

    def flow(*args, **kw):
        clock.now += 0.05
        return real_flow(*args, **kw)

    real_solve = cp_model.CpSolver.solve

    def cpsat(self, model, *args, **kw):
        status = real_solve(self, model, *args, **kw)
        clock.now += self.parameters.max_time_in_seconds + 0.05
        return status

    monkeypatch.setattr(relaxation, "_flow", flow)
    monkeypatch.setattr(rounding, "_flow", flow)
    monkeypatch.setattr(cp_model.CpSolver, "solve", cpsat)
    return clock


@pytest.mark.parametrize(("path", "budget"), [("exact", 0.3), ("exact", 1.0), ("exact", 3.0), ("pruned", 0.3),
                                              ("pruned", 0.6), ("pruned", 1.0)])
def test_a_deadline_bounds_the_call_on_its_clock(request, slow_machine, path, budget):
    """Every phase is budgeted against the deadline, read on the injected clock: the relaxation's rounds,
    the dives' flows, local search, CP-SAT (its start included once seen); the call ends within a few
    readings of it, whatever the board (the exact path, the pruned one with CP-SAT on neighbourhoods),
    and the plan keeps every rule."""
    if path == "pruned":
        request.getfixturevalue("pruned")
    village = a_board(2)
    clock = slow_machine
    deadline = clock.now + budget
    result = solve_plan(*village.arrays(), clock=clock, deadline=deadline, time_limit=99.0)
    village.check(result)
    assert result.stats["time_budget"] == pytest.approx(budget - 0.002)  # (the first reading starts the call)
    # CP-SAT's start, unknown until a first model has run, may pass the deadline once, by less than 50 ms
    assert clock.now <= deadline + 0.05 + 10 * clock.step, result.stats  # (+ the final bookkeeping)


def test_a_deadline_already_past_still_gives_a_plan_at_once(slow_machine):
    village = a_board(8)
    clock = slow_machine
    result = solve_plan(*village.arrays(), clock=clock, deadline=clock.now - 1.0)
    village.check(result)
    assert result.stats["lns_solves"] == 0.0 and result.stats["relax_rounds"] == 1.0
    assert clock.now <= 100.0 + 0.05 + 30 * clock.step, result.stats  # one flow (the relaxation's), a few readings


def test_a_deadline_needs_a_clock():
    village = a_board(9, 3, 5)
    with pytest.raises(ValueError, match="clock"):
        solve_plan(*village.arrays(), deadline=5.0)


def test_local_search_stops_when_told_and_the_board_stays_a_plan():
    from missiondesk.domain.planning.rounding import _Board, _local_search

    village = a_board(10, 12, 40)
    prob = problem._problem(*village.arrays())
    board = _Board(prob, np.arange(len(prob.pv)), np.zeros(prob.n_shinobi))
    assert _local_search(board, stop=lambda: True) == (0, False) and board.team == {}
    moves, settled = _local_search(board)
    assert moves > 0 and settled and board.value() > 0


@pytest.mark.parametrize("bad", [
    dict(sizes=[0]),
    dict(pm=[1]),
    dict(ps=[-1]),
    dict(pv=[math.nan]),
    dict(pm=[0.0]),
    dict(pm=[0, 0]),
])
def test_bad_input_is_refused(bad):
    args = dict(mission_ids=[1], sizes=[1], shinobi_ids=[7], pm=[0], ps=[0], pv=[1.0])
    args.update(bad)
    with pytest.raises(ValueError):
        solve_plan(args["mission_ids"], args["sizes"], args["shinobi_ids"], np.asarray(args["pm"]),
                   np.asarray(args["ps"]), np.asarray(args["pv"]))


def test_check_plan_catches_each_broken_rule():
    village = Village([2, 1], 3, [(0, 0, 1.0), (0, 1, 1.0), (1, 1, 1.0), (1, 2, 1.0)])
    m0, m1 = village.mission_ids
    s0, s1, s2 = village.shinobi_ids
    good = PlanResult({m0: (s0, s1), m1: (s2,)}, 3.0, 3.0, 0.0)
    village.check(good)
    broken = [
        PlanResult({m0: (s0,), m1: (s2,)}, 2.0, 3.0, 1 / 3),  # half-staffed
        PlanResult({m0: (s0, s1), m1: (s1,)}, 3.0, 3.0, 0.0),  # s1 twice
        PlanResult({m0: (s0, s2), m1: (s1,)}, 3.0, 3.0, 0.0),  # (m0, s2) not eligible
        PlanResult({m0: (s0, s1), m1: (s2,)}, 2.5, 3.0, 1 / 6),  # value is not the sum
        PlanResult({m0: (s0, s1), m1: (s2,)}, 3.0, 2.0, -0.5),  # above the bound
        PlanResult({m0: (s0, s1), m1: (s2,)}, 3.0, 3.0, 0.2),  # wrong gap
    ]
    for result in broken:
        with pytest.raises(AssertionError):
            village.check(result)
