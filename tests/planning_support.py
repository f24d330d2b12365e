"""The planner's yardsticks, for the tests and bench/plan.py (not production code): the greedy baseline a
clerk would follow, the whole problem as one CP-SAT model, and the checker of a plan's invariants."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from ortools.sat.python import cp_model

from missiondesk.domain.planning import PlanResult
from missiondesk.domain.planning.phases import _Phases
from missiondesk.domain.planning.problem import (
    _EPS,
    Clock,
    Progress,
    _cost_scale,
    _problem,
    _staffable,
    _top_k_per_group,
)
from missiondesk.domain.planning.relaxation import _relax
from missiondesk.domain.planning.solve import _result

__all__ = ["check_plan", "cpsat_full_plan", "greedy_plan"]


def greedy_plan(mission_ids: Sequence[int], sizes: Sequence[int], shinobi_ids: Sequence[int],
                pair_mission: np.ndarray, pair_shinobi: np.ndarray, pair_value: np.ndarray, *,
                compute_bound: bool = False, progress: Progress | None = None,
                clock: Clock | None = None) -> PlanResult:
    """The baseline a clerk would follow: missions by the value of their best possible team,
    most valuable first; each takes its best still-free eligible shinobi when that team is worth
    more than nothing. `upper_bound` is solve_plan's flow bound (over the missions it does not leave out)
    when `compute_bound`, else NaN."""
    prob = _problem(mission_ids, sizes, shinobi_ids, pair_mission, pair_shinobi, pair_value)
    staffable, left_out = _staffable(prob)  # (reported as solve_plan does; the method sees every mission)
    ph = _Phases(clock, progress)
    m_count = prob.n_missions
    if len(prob.pv) == 0:
        ph.finish()
        return _result(prob, {}, 0.0, 0.0 if compute_bound else math.nan, ph.stats, left_out)
    order = np.argsort(prob.pm, kind="stable")
    starts = np.searchsorted(prob.pm[order], np.arange(m_count + 1))
    top = _top_k_per_group(prob.pm, prob.pv, m_count, prob.size)
    best = np.zeros(m_count)
    np.add.at(best, prob.pm[top], prob.pv[top])
    best[np.bincount(prob.pm[top], minlength=m_count) < prob.size] = -np.inf
    owner = np.full(prob.n_shinobi, -1, dtype=np.int64)
    teams: dict[int, list[int]] = {}
    total = []
    for m in np.argsort(-best, kind="stable").tolist():
        if not best[m] > 0:
            break
        idx = order[starts[m]:starts[m + 1]]
        idx = idx[np.argsort(-prob.pv[idx], kind="stable")]
        idx = idx[owner[prob.ps[idx]] < 0]
        _, first = np.unique(prob.ps[idx], return_index=True)  # a repeated pair counts once
        idx = idx[np.sort(first)][: prob.size[m]]
        if len(idx) < prob.size[m]:
            continue
        value = math.fsum(prob.pv[idx].tolist())
        if value > _EPS:
            owner[prob.ps[idx]] = m
            teams[m] = prob.ps[idx].tolist()
            total.extend(prob.pv[idx].tolist())
    ph.done("greedy", 0.99 if not compute_bound else 0.5)
    ub = math.nan
    if compute_bound:
        ub = _relax(staffable, seed=0).upper_bound
        ph.done("bound", 0.99)
    ph.finish()
    return _result(prob, teams, math.fsum(total), ub, ph.stats, left_out)


def cpsat_full_plan(mission_ids: Sequence[int], sizes: Sequence[int], shinobi_ids: Sequence[int],
                    pair_mission: np.ndarray, pair_shinobi: np.ndarray, pair_value: np.ndarray, *,
                    time_limit: float = 30.0, workers: int = 0, seed: int = 0,
                    progress: Progress | None = None, clock: Clock | None = None) -> PlanResult:
    """The baseline: the whole problem as one CP-SAT model (a Boolean per eligible pair, one per
    mission), no hint. `upper_bound` is CP-SAT's own bound, widened by the rounding of the
    objective to integers; the plan is empty when CP-SAT finds nothing in time."""
    prob = _problem(mission_ids, sizes, shinobi_ids, pair_mission, pair_shinobi, pair_value)
    left_out = _staffable(prob)[1]  # (reported as solve_plan does; the model has every mission)
    ph = _Phases(clock, progress)
    n_pairs, m_count = len(prob.pv), prob.n_missions
    if n_pairs == 0:
        ph.finish()
        return _result(prob, {}, 0.0, 0.0, {"cpsat_status": float(cp_model.OPTIMAL), "pairs": 0.0, "found": 1.0,
                                            **ph.stats}, left_out)
    scale = _cost_scale(prob.pv)
    coef = np.rint(prob.pv * scale).astype(np.int64)
    model = cp_model.CpModel()
    proto = model.proto
    proto.merge_text_format("variables { domain: 0 domain: 1 }\n" * (n_pairs + m_count))
    by_m = np.argsort(prob.pm, kind="stable")
    starts = np.searchsorted(prob.pm[by_m], np.arange(m_count + 1)).tolist()
    for m in range(m_count):
        lin = proto.constraints.add().linear
        members = by_m[starts[m]:starts[m + 1]].tolist()
        lin.vars.extend(members + [n_pairs + m])
        lin.coeffs.extend([1] * len(members) + [-int(prob.size[m])])
        lin.domain.extend((0, 0))
    by_s = np.argsort(prob.ps, kind="stable")
    s_starts = np.searchsorted(prob.ps[by_s], np.arange(prob.n_shinobi + 1)).tolist()
    for s in range(prob.n_shinobi):
        if s_starts[s + 1] - s_starts[s] > 1:
            proto.constraints.add().at_most_one.literals.extend(by_s[s_starts[s]:s_starts[s + 1]].tolist())
    proto.objective.vars.extend(range(n_pairs))
    proto.objective.coeffs.extend((-coef).tolist())
    ph.done("build", 0.1)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    ph.done("cpsat", 0.99)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    stats = {"cpsat_status": float(status), "cpsat_wall": solver.wall_time, "pairs": float(n_pairs),
             "found": float(found)}
    teams: dict[int, list[int]] = {}
    slack = 0.5 / scale * min(prob.n_shinobi, int(prob.size.sum()))  # the objective's rounding
    bound = -solver.best_objective_bound / scale + slack
    if found:
        ub = bound
        x = np.asarray(solver.response_proto.solution, dtype=np.int64)[:n_pairs] > 0
        chosen = np.flatnonzero(x)
        for i in chosen.tolist():
            teams.setdefault(int(prob.pm[i]), []).append(int(prob.ps[i]))
        value = math.fsum(prob.pv[chosen].tolist())
    else:  # no plan found: the empty plan, with CP-SAT's bound if it has one
        ub = bound if math.isfinite(bound) else math.nan
        value = 0.0
    ph.finish()
    stats.update(ph.stats)
    return _result(prob, teams, value, ub, stats, left_out)


def check_plan(result: PlanResult, sizes_by_mission: Mapping[int, int], eligible: set[tuple[int, int]],
               values: Mapping[tuple[int, int], float] | None = None, *, tol: float = 1e-6) -> None:
    """Raise AssertionError when the plan breaks an invariant: a mission not fully staffed, a
    shinobi twice, an ineligible pair, a value that is not the sum of its pairs (when `values`
    are given) or above the bound, a gap that does not match, a mission left out that could be staffed
    or not left out that could not (its distinct eligible shinobi against its size; the counts and the
    words), or a left-out mission in the plan."""
    eligible_of: dict[int, int] = {}
    for m, _ in eligible:
        eligible_of[m] = eligible_of.get(m, 0) + 1
    short = {m: (eligible_of.get(m, 0), size) for m, size in sizes_by_mission.items() if eligible_of.get(m, 0) < size}
    got = {x.mission_id: (x.eligible, x.needed) for x in result.left_out}
    assert got == short, f"left out {got}, expected {short}"
    assert len(got) == len(result.left_out), "a mission is left out twice"
    for x in result.left_out:
        assert x.reason == f"{x.eligible} eligible for {x.needed} place{'' if x.needed == 1 else 's'}", x
    assert not set(short) & set(result.assignment), "a mission with too few eligible shinobi is staffed"
    seen: set[int] = set()
    total = []
    for m, team in result.assignment.items():
        assert m in sizes_by_mission, f"unknown mission {m}"
        assert len(team) == sizes_by_mission[m], f"mission {m}: {len(team)} members, needs {sizes_by_mission[m]}"
        for s in team:
            assert (m, s) in eligible, f"shinobi {s} is not eligible for mission {m}"
            assert s not in seen, f"shinobi {s} is assigned twice"
            seen.add(s)
            if values is not None:
                total.append(values[(m, s)])
    assert math.isfinite(result.value), "the value is not finite"
    if values is not None:
        expected = math.fsum(total)
        assert abs(expected - result.value) <= tol * max(1.0, abs(expected)), (expected, result.value)
    if not math.isnan(result.upper_bound):
        ub = result.upper_bound
        assert result.value <= ub + tol * max(1.0, abs(ub)), f"value {result.value} above the bound {ub}"
        expected_gap = (ub - result.value) / max(abs(ub), 1e-9)
        assert abs(result.gap - expected_gap) <= 1e-9 * max(1.0, abs(expected_gap)), (result.gap, expected_gap)
