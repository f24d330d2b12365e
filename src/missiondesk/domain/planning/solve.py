"""The plan of the whole board (`solve_plan`, the method in the package's docstring) and its result."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .neighbourhoods import _lns
from .phases import _Phases
from .problem import Clock, LeftOut, Progress, _chunks, _dedupe, _Problem, _problem, _staffable, _top_k_per_group
from .relaxation import PER_MISSION_EXTRA, _relax
from .rounding import _Board, _dive, _local_search

RELAX_SHARE = 0.9  # with a clock, no column generation round that would end past this share of the budget
DIVE_SHARE = 0.25  # ... and the second dive rule runs only while this share of it is left
DIVE_STOP = 0.5  # ... and a dive stops (after its third round) once this share of it is spent
DIVE_LEFT = 0.05  # ... or (after any round) when its next flow would leave less than this share of it
LOCAL_LEFT = 0.03  # ... and the first local search stops with this share of it left (at most 0.1 s)
SLACK = 0.05  # the second dive rule runs when the relaxation leaves at least this share of shinobi free
EXACT_PAIRS = 20_000  # up to this many pairs, every pair is a candidate of the rounding and CP-SAT


@dataclass(frozen=True)
class PlanResult:
    """A plan: only fully staffed missions appear in ``assignment`` (mission id → shinobi ids); the
    missions with fewer eligible shinobi than places are in ``left_out``, and outside the bound."""

    assignment: dict[int, tuple[int, ...]]
    value: float  # Σ v over the plan's pairs (true values)
    upper_bound: float  # the flow relaxation's bound (valid for every plan), NaN when not computed
    gap: float  # (upper_bound − value) / max(|upper_bound|, 1e-9)
    stats: dict[str, float] = field(default_factory=dict)
    left_out: tuple[LeftOut, ...] = ()  # in the order of the missions given


def _result(prob: _Problem, teams: Mapping[int, Sequence[int]], value: float, ub: float,
            stats: dict[str, float], left_out: tuple[LeftOut, ...] = ()) -> PlanResult:
    assignment = {prob.mission_ids[m]: tuple(sorted(prob.shinobi_ids[s] for s in t)) for m, t in sorted(teams.items())}
    gap = math.nan if math.isnan(ub) else (ub - value) / max(abs(ub), 1e-9)
    stats = dict(stats)
    stats["missions_staffed"] = float(len(assignment))
    stats["shinobi_assigned"] = float(sum(len(t) for t in assignment.values()))
    stats["left_out"] = float(len(left_out))
    return PlanResult(assignment, value, ub, gap, stats, left_out)


def solve_plan(mission_ids: Sequence[int], sizes: Sequence[int], shinobi_ids: Sequence[int],
               pair_mission: np.ndarray, pair_shinobi: np.ndarray, pair_value: np.ndarray, *,
               time_limit: float = 5.0, progress: Progress | None = None, clock: Clock | None = None,
               deadline: float | None = None, gap_limit: float = 1e-4, neighbourhood: int = 600, workers: int = 1,
               seed: int = 0) -> PlanResult:
    """Plan the whole board (see the module docstring).

    `pair_*` are parallel 1-d arrays of the eligible pairs, as indexes into `mission_ids` and
    `shinobi_ids`. A mission with fewer distinct eligible shinobi than its size is left out first
    (``left_out``, with the counts): the relaxation, the bound and the gap are over the others.
    `time_limit` (seconds): with a `clock`, the budget of the whole call (the
    CP-SAT phase gets what the earlier phases left, less a small reserve for the last local
    search); without one, the CP-SAT solves' own wall time is counted against it. `deadline`: a
    time on `clock` (which it needs) by which the call returns, instead of `time_limit`: the
    caller's own work before (reads) is then counted, and every phase is budgeted against it (see
    the package's docstring for what cannot be cut short). CP-SAT stops
    early once the gap is at most `gap_limit`. `neighbourhood`: missions per CP-SAT model, at
    most; `workers`: CP-SAT threads per model. `progress(phase, fraction of the whole call)`.

    `stats`: ``flow_value`` (the relaxation's own value), ``relax_rounds``, ``sample_bound`` (UB
    at the sampled prices, large boards only), ``candidates``, ``half_staffed`` (missions the flow
    left half-staffed), ``dive_value`` (and per dive rule), ``local_value``, ``lns_solves``,
    ``lns_improved``, ``lns_gain``, ``cpsat_wall``, ``missions_staffed``, ``shinobi_assigned``,
    ``left_out``, ``pairs`` (as given); with a clock, ``time_budget``, ``time_<phase>`` and
    ``time_total`` in seconds."""
    ph = _Phases(clock, progress, time_limit, deadline)
    time_limit = ph.limit  # (with a deadline: what is left until it)
    prob = _problem(mission_ids, sizes, shinobi_ids, pair_mission, pair_shinobi, pair_value)
    given = float(len(prob.pv))
    prob, left_out = _staffable(prob)
    if len(prob.pv) == 0:
        ph.finish()
        return _result(prob, {}, 0.0, 0.0, {"pairs": given, "candidates": 0.0, "flow_value": 0.0, **ph.stats},
                       left_out)
    # 1-3. relaxation, candidates, bound
    # with a clock, the column generation begins no round that would end, the board built after it (about
    # as long), past RELAX_SHARE of the budget: a round is predicted to take as long as the last one
    round_began = [0.0, 0.0]  # (when the last round began, how long it took)

    def relax_tick(fraction: float) -> None:
        round_began[0] = ph.elapsed()
        if progress:
            progress("relaxation", 0.4 * fraction)

    def relax_stop() -> bool:
        round_began[1] = ph.elapsed() - round_began[0]
        return ph.past(RELAX_SHARE, 2 * round_began[1])

    relax = _relax(prob, seed=seed, tick=relax_tick if clock or progress else None,
                   stop=relax_stop if clock else None)
    last_round = ph.elapsed() - round_began[0]  # (its flow is on about as many pairs as a dive's)
    ph.done("relaxation", 0.4)
    flow_count = np.bincount(prob.pm[relax.owner_pair[relax.owner_pair >= 0]], minlength=prob.n_missions)
    unsettled = flow_count < prob.size
    cand = relax.cand
    if len(prob.pv) <= EXACT_PAIRS:  # a small board: every pair is a candidate
        cand = _dedupe(prob, np.arange(len(prob.pv)))
    elif unsettled.any():  # those missions may need more pairs, negative ones included: their best
        # by value less the shinobi's price (what completing a team really costs), and by value
        sub = np.concatenate([a + np.flatnonzero(unsettled[prob.pm[a:b]]) for a, b in _chunks(len(prob.pv))])
        g, v = prob.pm[sub], prob.pv[sub]
        by_net = sub[_top_k_per_group(g, v - relax.price_s[prob.ps[sub]], prob.n_missions,
                                      2 * prob.size + PER_MISSION_EXTRA)]
        by_value = sub[_top_k_per_group(g, v, prob.n_missions, prob.size + 2)]
        cand = _dedupe(prob, np.concatenate([cand, by_net, by_value]))
    board = _Board(prob, cand, relax.price_s)
    ph.done("candidates", 0.45)
    # 4. rounding: dive, then local search
    start = relax.owner_pair[relax.owner_pair >= 0]
    # the "value" rule pays off when shinobi are plentiful; when nearly all are used it forces too much
    rules: tuple[str, ...] = ("value", "fill") if len(start) <= (1 - SLACK) * prob.n_shinobi else ("fill",)
    dives: list[tuple[dict[int, list[int]], dict[str, float]]] = []
    flow_seconds = [last_round]  # a dive's next flow takes about as long as its last (or the relaxation's)
    flow_began = [ph.elapsed()]

    def dive_stop(rounds: int) -> bool:  # after a round that leaves some mission half-staffed
        now = ph.elapsed()
        if rounds > 1 or start is None:
            flow_seconds[0] = now - flow_began[0]
        flow_began[0] = now
        return (rounds >= 3 and ph.past(DIVE_STOP)) or ph.past(1 - DIVE_LEFT, flow_seconds[0])

    for rule in rules:  # (with a clock, the second rule only while DIVE_SHARE of the budget is left)
        if dives and clock and ph.elapsed() > (1 - DIVE_SHARE) * time_limit:
            rules = rules[:len(dives)]
            break
        flow_began[0] = ph.elapsed()
        dives.append(_dive(prob, board, cand, relax.price_s, start=start, rule=rule,
                           stop=dive_stop if clock else None))
    teams, stats = max(dives, key=lambda d: d[1]["dive_value"])
    for m, t in teams.items():
        board.staff(m, t)
    stats.update({f"dive_value_{rule}": d[1]["dive_value"] for rule, d in zip(rules, dives, strict=True)})
    dive_value = board.value()
    ph.done("dive", 0.55)
    local_start = ph.elapsed()
    local_left = min(0.1, LOCAL_LEFT * time_limit)
    moves, settled = _local_search(board, stop=(lambda: ph.left() <= local_left) if clock else None)
    local_seconds = ph.elapsed() - local_start
    local_value = board.value()
    ph.done("local", 0.6)
    # 5. CP-SAT around the missions the flow left half-staffed and those the rounding changed
    half = np.flatnonzero((flow_count > 0) & unsettled).tolist()
    flow_full = set(np.flatnonzero(flow_count == prob.size).tolist())
    changed = [m for m in range(prob.n_missions) if (m in board.team) != (m in flow_full)]
    reserve = max(min(0.1, 0.03 * time_limit), local_seconds)  # (the last local search)

    def budget(cpsat_wall: float) -> float:
        return time_limit - reserve - ph.elapsed() if clock else time_limit - cpsat_wall

    def cpsat_progress(phase: str, fraction: float) -> None:
        if progress:
            progress(phase, 0.6 + 0.35 * fraction)

    stats.update(_lns(board, half + changed, budget, relax.upper_bound, gap_limit=gap_limit,
                      neighbourhood=neighbourhood, workers=workers, seed=seed, progress=cpsat_progress,
                      timed=clock is not None))
    ph.done("cpsat", 0.95)
    if stats["lns_improved"] or not settled:  # (else the board is as the first local search left it)
        moves += _local_search(board, stop=(lambda: ph.left() <= 0) if clock else None)[0]
    ph.done("local", 0.99)
    value = board.value()
    ph.finish()
    stats.update(ph.stats)
    stats.update(relax.stats)
    stats.update(pairs=given, candidates=float(len(cand)), dive_value=dive_value,
                 local_value=local_value, local_moves=float(moves), half_staffed=float(len(half)))
    return _result(prob, board.team, value, relax.upper_bound, stats, left_out)
