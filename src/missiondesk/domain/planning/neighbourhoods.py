"""Step 5 of the method (see the package's docstring): CP-SAT on neighbourhoods of the board."""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from ortools.sat.python import cp_model

from .problem import _EPS, Progress, _cost_scale
from .rounding import _Board

SUB_TIME = 1.0  # seconds at most per CP-SAT neighbourhood model
# With a clock: what a model costs beyond CP-SAT's limit, per candidate pair in it, guessed for the first
# model and then as last measured: building it in Python, and CP-SAT's own start (loading, presolve), which
# it does not check its limit during (measured: 0.1-0.3 s past a limit of 0.02-0.8 s at 55,000 pairs)
BUILD_PER_PAIR = 6e-6
START_PER_PAIR = 4e-6
MIN_SOLVE = 0.05  # seconds: no CP-SAT run with less


def _neighbourhood(board: _Board, seeds: list[int], target: int) -> list[int]:
    """About `target` missions around `seeds` (breadth first): the owners of their most attractive
    candidates, the missions that could use their members, and so on outwards."""
    chosen = list(dict.fromkeys(seeds))[:target]
    seen = set(chosen)
    i = 0
    while i < len(chosen) and len(chosen) < target:
        m = chosen[i]
        i += 1
        near = []
        for s in board.by_loss[m][: 2 * board.size[m] + 2]:
            o = board.owner[s]
            if o >= 0:
                near.append(o)
        for s in board.team.get(m, ()):
            near.extend(board.missions_of[s][:4])
        for o in near:
            if o not in seen:
                seen.add(o)
                chosen.append(o)
                if len(chosen) >= target:
                    break
    return chosen


def _solve_sub(board: _Board, missions: list[int], time_limit: float, *, workers: int, seed: int,
               per_mission: int | None = None, time_left: Callable[[], float] | None = None,
               start_per_pair: float = 0.0) -> tuple[float, float, bool, float]:
    """Re-plan `missions` with CP-SAT over the shinobi that are free or theirs, hinted with their
    current teams; the other missions keep theirs. CP-SAT gets `time_limit` seconds, or, if less,
    what `time_left()` says is left once the model is built, less its start (`start_per_pair` per
    pair in the model); it is not run with less than MIN_SOLVE. Returns (gain, CP-SAT wall time,
    proved optimal, the limit CP-SAT was given: 0 when not run)."""
    owner, team = board.owner, board.team
    mset = set(missions)
    var_m: list[int] = []
    var_s: list[int] = []
    var_v: list[float] = []
    rows: list[tuple[int, int, int]] = []  # (mission, first var, count)
    for m in missions:
        first = len(var_m)
        allowed = None if per_mission is None else set(board.by_loss[m][: board.size[m] + per_mission])
        for s, v in zip(board.cand_s[m], board.cand_v[m], strict=True):
            o = owner[s]
            if (o < 0 or o in mset) and (allowed is None or s in allowed or o == m):
                var_m.append(m)
                var_s.append(s)
                var_v.append(v)
        if len(var_m) - first < board.size[m]:
            del var_m[first:], var_s[first:], var_v[first:]
        else:
            rows.append((m, first, len(var_m) - first))
    nx = len(var_m)
    if nx == 0:
        return 0.0, 0.0, True, 0.0
    scale = _cost_scale(np.asarray(var_v))
    model = cp_model.CpModel()
    proto = model.proto
    proto.merge_text_format("variables { domain: 0 domain: 1 }\n" * (nx + len(rows)))
    for j, (m, first, cnt) in enumerate(rows):
        lin = proto.constraints.add().linear
        lin.vars.extend([*range(first, first + cnt), nx + j])
        lin.coeffs.extend([1] * cnt + [-board.size[m]])
        lin.domain.extend((0, 0))
    by_s: dict[int, list[int]] = {}
    for i, s in enumerate(var_s):
        by_s.setdefault(s, []).append(i)
    for vs in by_s.values():
        if len(vs) > 1:
            proto.constraints.add().at_most_one.literals.extend(vs)
    proto.objective.vars.extend(range(nx))
    proto.objective.coeffs.extend((-np.rint(np.asarray(var_v) * scale).astype(np.int64)).tolist())  # minimised
    proto.solution_hint.vars.extend(range(nx + len(rows)))
    proto.solution_hint.values.extend([int(owner[s] == m) for m, s in zip(var_m, var_s, strict=True)]
                                      + [int(m in team) for m, _, _ in rows])
    if time_left is not None:  # (building the model took some of it)
        time_limit = min(time_limit, time_left() - start_per_pair * nx)
        if time_limit < MIN_SOLVE:
            return 0.0, 0.0, False, 0.0
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.max_time_in_seconds = max(0.01, time_limit)
    prm.num_workers = workers
    prm.random_seed = seed
    prm.linearization_level = 2
    # no symmetry search in presolve: on these models, carrying the hint through it (SolutionCrush and the
    # orbits) ran for minutes without looking at the time limit (OR-Tools 9.15)
    prm.symmetry_level = 0
    status = solver.solve(model)
    wall = solver.wall_time
    given = prm.max_time_in_seconds
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return 0.0, wall, False, given
    x = list(solver.response_proto.solution)[:nx]
    new_teams: dict[int, list[int]] = {}
    for i in range(nx):
        if x[i]:
            new_teams.setdefault(var_m[i], []).append(var_s[i])
    in_model = [m for m, _, _ in rows]
    old_value = math.fsum(board.team_value(m) for m in in_model if m in team)
    new_value = math.fsum(board.val[m][s] for m, t in new_teams.items() for s in t)
    if new_value <= old_value + _EPS:
        return 0.0, wall, status == cp_model.OPTIMAL, given
    for m in in_model:
        if m in team:
            board.release(m)
    for m, t in new_teams.items():
        board.staff(m, t)
    return new_value - old_value, wall, status == cp_model.OPTIMAL, given


def _lns(board: _Board, first_seeds: list[int], budget: Callable[[float], float], upper_bound: float, *,
         gap_limit: float, neighbourhood: int, workers: int, seed: int, progress: Progress | None,
         timed: bool = False) -> dict[str, float]:
    """CP-SAT on neighbourhoods while `budget(CP-SAT seconds so far)` leaves time, the gap is above
    `gap_limit` and one of the last 30 models improved: first around all of `first_seeds` (the
    missions the rounding touched) together, then around each of them, then around random
    missions. A neighbourhood starts at 100 missions, doubles (up to `neighbourhood`) after a model
    CP-SAT proved optimal within a quarter of its time, and shrinks by a third after one it did not.
    `timed`: `budget` reads a clock (the CP-SAT seconds are then not needed); a model is then built
    only when what is left covers building it, CP-SAT's start and MIN_SOLVE, and CP-SAT gets what is
    left after building it, less its start (both per pair, BUILD_PER_PAIR and START_PER_PAIR at first,
    then as last measured)."""
    rng = np.random.default_rng(seed)
    m_count = len(board.size)
    together = list(dict.fromkeys(first_seeds))
    seeds = list(together)
    size = min(100, neighbourhood)
    solves = improved = 0
    wall = gain = 0.0
    stale = 0
    value = board.value()
    total = budget(0.0)
    build_per_pair, start_per_pair = BUILD_PER_PAIR, START_PER_PAIR
    while True:
        left = budget(wall)
        if left <= 0.02 or stale >= 30 or (upper_bound - value) <= gap_limit * max(abs(upper_bound), 1e-9):
            break
        if size >= m_count:
            missions = list(range(m_count))
        elif together:
            missions = _neighbourhood(board, together, size)
        else:
            if not seeds:
                seeds = rng.permutation(m_count).tolist()
            missions = _neighbourhood(board, [seeds.pop(0)], size)
        limit = min(left, SUB_TIME)
        pairs = max(1, sum(len(board.cand_s[m]) for m in missions))  # (at most: those of free or own shinobi)
        if timed:
            left = budget(wall)
            if left < pairs * (build_per_pair + start_per_pair) + MIN_SOLVE:
                break
        g, w, optimal, given = _solve_sub(board, missions, limit, workers=workers, seed=seed + solves,
                                          time_left=(lambda: budget(0.0)) if timed else None,
                                          start_per_pair=start_per_pair)
        if timed:
            took = left - budget(0.0)  # building the model, and CP-SAT's run when it ran
            build_per_pair = max(0.0, took - w) / pairs
            if given > 0:
                start_per_pair = max(0.0, w - given) / pairs
        solves += 1
        wall += w
        if g > 0:
            improved += 1
            gain += g
            value += g
            stale = 0
        else:
            stale += 1
        if optimal and len(missions) == m_count:  # the whole board, proved optimal over the candidates
            break
        grow = optimal and w < 0.25 * limit and size < min(neighbourhood, m_count)
        if together and not grow:
            together = []  # the seeds' own neighbourhood is as large as it gets
        if grow:
            size = min(2 * size, neighbourhood)
        elif not optimal:
            size = max(20, (2 * size) // 3)
        if progress and total > 0:
            progress("cpsat", min(1.0, 1.0 - max(0.0, budget(wall)) / total))
    return {"lns_solves": float(solves), "lns_improved": float(improved), "lns_gain": gain, "cpsat_wall": wall,
            "lns_last_size": float(size)}
