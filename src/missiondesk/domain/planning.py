"""The whole mission board as one plan: who goes where, with an upper bound and the gap.

The problem
-----------
Open missions m need teams of exactly ``size[m]`` members; a shinobi s goes on at most one
mission; only *eligible* pairs (m, s) may be used (the caller has applied every fitness rule) and
each has a value ``v[m, s]`` (a float, possibly negative). A mission is fully staffed or left
empty. Maximise the total value of the assigned pairs. (A pair given twice counts with its
highest value.)

The method (``solve_plan``)
---------------------------
1. *Relaxation.* Drop the all-or-nothing rule and the pairs of value ≤ 0 (they never help it):
   what remains is a transportation problem, solved as a min-cost flow with OR-Tools'
   ``SimpleMinCostFlow``: source → shinobi (capacity 1), shinobi → mission (capacity 1, cost
   −round(v·scale)), mission → sink (capacity ``size[m]``), and a zero-cost source → sink arc so
   that no flow is forced. ``scale`` makes the largest |v| equal to 10⁶ cost units. At 2,000 ×
   10,000 there are millions of pairs, too many for the flow in a few seconds, so it runs on
   *candidate* pairs, chosen and completed by pricing:

   a. prices from a sample economy: every q-th shinobi (q = #positive pairs / 125,000, rounded
      up) with capacity q stands for q shinobi; the flow on their pairs gives mission prices p̂;
   b. candidates at p̂: for every mission the 2·size + 4 positive pairs that lose least against
      the shinobi's best use (u[s] − (v − p̂[m]), see below), and about 3 closest pairs per
      shinobi; found with per-mission histograms, without sorting all pairs;
   c. column generation: flow on the candidates → the least optimal mission duals p (by
      Bellman-Ford over the missions, on the rounded costs) → price **every** eligible pair
      with the true values → add, per shinobi, its 6 best pairs whose reduced value v − p[m]
      beats its price in the flow by more than the rounding; repeat until the bound below is
      within 5·10⁻⁵ of the flow's value, or no pair is missing, or after 12 rounds.

2. *The bound.* For any mission prices p ≥ 0, every plan — indeed every fractional solution of
   the relaxation on the **full, unpruned** pair set — satisfies::

       Σ v·x = Σ_(m,s) x·(v − p[m]) + Σ_m p[m]·Σ_s x[m,s]
             ≤ Σ_s max(0, max_{m eligible for s} (v[m,s] − p[m])) + Σ_m size[m]·p[m]  =: UB(p)

   (x ≥ 0, every shinobi at most once, every mission at most size[m]). ``upper_bound`` is the
   smallest UB(p) computed (at p̂ and at each round's p), evaluated over all eligible pairs with
   the true, unrounded values, summed with ``math.fsum`` and raised by 10⁻¹² relative against
   floating-point error (every term is ≥ 0 and carries at most one rounding). So it is a valid
   upper bound of the unpruned problem whatever the pruning, the sampling and the integer
   rounding of the costs did: they can only make it looser. How loose: the flow's value on the
   candidates is at most the relaxation's optimum on all pairs, which is at most UB, and the loop
   stops when UB − flow ≤ 5·10⁻⁵·UB; if it stops because no pair is missing, UB exceeds the
   relaxation's optimum on all pairs by at most the cost rounding (3·10⁻⁶·max|v| per shinobi).
   ``stats["flow_value"]`` is the flow's value, ``stats["relax_rounds"]`` the rounds. The
   all-or-nothing rule is what the bound ignores: a mission the relaxation half-staffs adds to
   the bound what no plan can have. On scarce boards that leaves a gap of a few tenths of a
   percent; on plentiful ones a risky mission with fewer good candidates than members can cost
   a tenth of a percent (such a mission is worth its few good members to the relaxation, and
   less than nothing when completed).

3. *Rounding (greedy dives).* The missions the flow does not staff fully get more candidates,
   negative pairs included (they may complete a team): their best pairs by value less the
   shinobi's price u[s] (what completing a team really costs), and by value. Then the flow is
   solved again and again, each time *forcing* some half-staffed missions (a bonus on their sink
   arc larger than any augmenting path can cost, so the flow fills them if it can at all) and
   striking the others out; a forced mission that still cannot be filled is struck out. It ends
   when no mission is half-staffed: a feasible plan, every member placed by an exact flow given
   the staffed missions. The dive forces the missions at least half full. When the relaxation
   leaves at least 5 % of the shinobi free, a dive that forces instead those whose members
   plus best completion (each added shinobi counted at value less price) are worth more than
   nothing runs first, and the better plan is kept (with shinobi scarce that rule forces far too
   much).

4. *Local search*: a better free candidate replaces a member, two teams swap members, a team
   worth ≤ 0 is dropped, a mission that can be staffed from free shinobi at a profit is staffed.

5. *CP-SAT on neighbourhoods.* A reduced model — missions grown breadth-first around the
   missions the flow left half-staffed and those the rounding changed (first all of them
   together, then one seed at a time, then random missions), the shinobi that are free or
   theirs, every other mission keeping its team — is solved by CP-SAT (a Boolean per candidate
   pair and per mission, Σ x = size·y, at most one mission per shinobi) with the current plan
   as the hint, one worker with linearization level 2 (on these models the LP-heavy worker
   closes gaps that the default portfolio of one or two workers does not touch), at most 1 s per
   model. A neighbourhood starts at 100 missions, doubles up to ``neighbourhood`` (600) after a
   model proved optimal in under a quarter of its time and shrinks after one that was not. A
   better solution replaces the neighbourhood's teams. This runs until the time budget is spent,
   the gap is at most ``gap_limit``, 30 models in a row bring nothing, or the whole board is
   proved optimal over the candidates; then local search once more.

Small boards (at most 20,000 pairs) skip the pruning: every pair is a candidate, and CP-SAT on
the whole board, once proved optimal, makes the plan optimal.

Everything here is pure: no clock is read. Pass ``clock`` (e.g. ``time.perf_counter``) to get
phase timings in ``stats`` and to make ``time_limit`` the budget of the whole call; without it
only the CP-SAT solves' own wall time is counted against ``time_limit`` (the phases before are
bounded by work: about 1.5-2 s at 2,000 × 10,000 with 9 M pairs, on a 2-core machine). With a
clock the earlier phases also watch it: the column generation stops after a round once
``RELAX_SHARE`` of the budget is spent (the bound stays valid, only looser), the second dive rule
runs only while ``DIVE_SHARE`` of it is left, a dive stops after its third round once
``DIVE_STOP`` of it is spent (its half-staffed missions left empty), and the last local search
is reserved time for (and skipped when nothing changed since the first). The figures against
the targets are in ``bench/plan.py``.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

__all__ = ["PlanResult", "check_plan", "cpsat_full_plan", "greedy_plan", "solve_plan"]

Progress = Callable[[str, float], None]
Clock = Callable[[], float]

COST_RESOLUTION = 1_000_000  # the largest |v| becomes this many integer cost units
MAX_VALUE = 1e15  # larger |v| are refused (sums must stay far from overflow)
SAMPLE_ARCS = 125_000  # the price-finding sample flow has about this many arcs
PER_SHINOBI = 3  # candidates per shinobi (closest to its best use)
PER_ROUND = 6  # pairs added per shinobi and round of the column generation
PER_MISSION_EXTRA = 4  # candidates per mission: 2·size + this many
SUB_TIME = 1.0  # seconds at most per CP-SAT neighbourhood model
RELAX_SHARE = 0.9  # with a clock, the relaxation's column generation stops after this share of time_limit
DIVE_SHARE = 0.25  # ... and the second dive rule runs only while this share of it is left
DIVE_STOP = 0.5  # ... and a dive stops (after its third round) once this share of it is spent
SLACK = 0.05  # the second dive rule runs when the relaxation leaves at least this share of shinobi free
EXACT_PAIRS = 20_000  # up to this many pairs, every pair is a candidate of the rounding and CP-SAT
PROBE_RANK = 4  # the per-mission cut of the candidate search: about this largest key on the probe
_CHUNK = 1 << 20  # pairs per slice in the passes over every pair (small temporaries, reused memory)
_EPS = 1e-9


@dataclass(frozen=True)
class PlanResult:
    """A plan: only fully staffed missions appear in ``assignment`` (mission id → shinobi ids)."""

    assignment: dict[int, tuple[int, ...]]
    value: float  # Σ v over the plan's pairs (true values)
    upper_bound: float  # the flow relaxation's bound (valid for every plan), NaN when not computed
    gap: float  # (upper_bound − value) / max(|upper_bound|, 1e-9)
    stats: dict[str, float] = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------
# Input


@dataclass
class _Problem:
    mission_ids: list[int]
    shinobi_ids: list[int]
    size: np.ndarray  # int64, one per mission
    pm: np.ndarray  # pair -> mission index
    ps: np.ndarray  # pair -> shinobi index
    pv: np.ndarray  # pair -> value (float64)

    @property
    def n_missions(self) -> int:
        return len(self.mission_ids)

    @property
    def n_shinobi(self) -> int:
        return len(self.shinobi_ids)


def _problem(mission_ids, sizes, shinobi_ids, pair_mission, pair_shinobi, pair_value) -> _Problem:
    mids, sids = list(mission_ids), list(shinobi_ids)
    if len(set(mids)) != len(mids) or len(set(sids)) != len(sids):
        raise ValueError("mission and shinobi ids must be unique")
    size = np.asarray(sizes, dtype=np.int64).reshape(-1)
    if size.shape != (len(mids),):
        raise ValueError("one size per mission")
    if len(size) and size.min() < 1:
        raise ValueError("mission sizes must be at least 1")
    pm, ps = np.asarray(pair_mission), np.asarray(pair_shinobi)
    pv = np.asarray(pair_value, dtype=np.float64)
    if pm.ndim != 1 or ps.ndim != 1 or pv.ndim != 1 or not (len(pm) == len(ps) == len(pv)):
        raise ValueError("pair_mission, pair_shinobi and pair_value must be 1-d and of one length")
    if len(pm) == 0:
        pm, ps = pm.astype(np.int64), ps.astype(np.int64)
    if not (np.issubdtype(pm.dtype, np.integer) and np.issubdtype(ps.dtype, np.integer)):
        raise ValueError("pair_mission and pair_shinobi must be integer indexes")
    if len(pm):
        if pm.min() < 0 or pm.max() >= len(mids) or ps.min() < 0 or ps.max() >= len(sids):
            raise ValueError("a pair index is out of range")
        lo, hi = float(pv.min()), float(pv.max())  # NaN propagates
        if not (math.isfinite(lo) and math.isfinite(hi) and max(hi, -lo) <= MAX_VALUE):
            raise ValueError(f"pair values must be finite and at most {MAX_VALUE:g} in magnitude")
    return _Problem(mids, sids, size, pm, ps, pv)


class _Phases:
    """Phase timings (only with a clock) and progress reports."""

    def __init__(self, clock: Clock | None, progress: Progress | None):
        self.clock, self.progress = clock, progress
        self.start = self.last = clock() if clock else 0.0
        self.stats: dict[str, float] = {}

    def done(self, phase: str, fraction: float) -> None:
        if self.clock:
            now = self.clock()
            self.stats[f"time_{phase}"] = self.stats.get(f"time_{phase}", 0.0) + now - self.last
            self.last = now
        if self.progress:
            self.progress(phase, fraction)

    def elapsed(self) -> float:
        return self.clock() - self.start if self.clock else 0.0

    def finish(self) -> None:
        if self.progress:
            self.progress("done", 1.0)
        if self.clock:
            self.stats["time_total"] = self.clock() - self.start


def _chunks(n: int) -> Iterator[tuple[int, int]]:
    for a in range(0, n, _CHUNK):
        yield a, min(n, a + _CHUNK)


def _cost_scale(pv: np.ndarray) -> float:
    vmax = max(float(pv.max()), -float(pv.min())) if len(pv) else 0.0
    return COST_RESOLUTION / vmax if vmax > 1e-250 else 1.0  # (values that small round to 0)


# ----------------------------------------------------------------------------------------------
# Candidates: the k best pairs of every group, without sorting everything


def _top_k_per_group(group: np.ndarray, value: np.ndarray, n_groups: int, k: np.ndarray, *,
                     bins: int = 64, rounds: int = 8) -> np.ndarray:
    """Indexes of the k[g] largest values of each group g (all of a group's pairs if it has fewer).

    Each round buckets the values of every group between its minimum and maximum and keeps the
    buckets from the top down until they hold k values; groups that still keep too many are
    re-bucketed inside the kept range. The survivors (a superset of the answer: a dropped value
    is smaller than every kept one of its group) are sorted exactly at the end.
    """
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    k = np.asarray(k, dtype=np.int64)
    lo = np.full(n_groups, np.inf)
    hi = np.full(n_groups, -np.inf)
    np.minimum.at(lo, group, value)
    np.maximum.at(hi, group, value)
    idx: np.ndarray | None = None
    g, v = group, value
    key_type = np.int32 if n_groups * bins < 2**31 else np.int64
    for _ in range(rounds):
        width = hi - lo
        ok = np.isfinite(width) & (width > 0)
        scale = np.where(ok, (bins - 1e-6) / np.where(ok, width, 1.0), 0.0)
        b = ((v - lo[g]) * scale[g]).astype(key_type)
        np.clip(b, 0, bins - 1, out=b)
        counts = np.bincount(g.astype(key_type) * bins + b, minlength=n_groups * bins).reshape(n_groups, bins)
        cum = np.cumsum(counts[:, ::-1], axis=1)
        enough = cum >= k[:, None]
        j = np.where(enough[:, -1], enough.argmax(axis=1), bins - 1)
        thr = bins - 1 - j
        kept = cum[np.arange(n_groups), j]
        sel = np.flatnonzero(b >= thr[g])
        idx = sel if idx is None else idx[sel]
        g, v = g[sel], v[sel]
        over = (kept > 2 * k + 8) & ok
        if not over.any():
            break
        lo = np.where(over, lo + thr / np.where(ok, scale, 1.0), lo)
    order = np.lexsort((-v, g))
    gs = g[order]
    starts = np.searchsorted(gs, np.arange(n_groups))
    rank = np.arange(len(gs)) - starts[gs]
    assert idx is not None
    return idx[order[rank < k[gs]]]


def _dedupe(prob: _Problem, idx: np.ndarray) -> np.ndarray:
    """The pair indexes idx without repeated (mission, shinobi): the highest value stays."""
    if len(idx) == 0:
        return idx
    key = prob.pm[idx].astype(np.int64) * prob.n_shinobi + prob.ps[idx]
    order = np.argsort(-prob.pv[idx], kind="stable")
    _, first = np.unique(key[order], return_index=True)
    return np.sort(idx[order[first]])


# ----------------------------------------------------------------------------------------------
# The relaxation: min-cost flow, mission prices, the bound over every pair


@dataclass
class _Relaxation:
    upper_bound: float
    flow_value: float
    price_m: np.ndarray  # p[m] ≥ 0 (true units) of the reported bound
    price_s: np.ndarray  # u[s] = max(0, max_m v − p[m]) over every eligible pair
    owner_pair: np.ndarray  # per shinobi: the pair the flow gives it, or -1
    cand: np.ndarray  # candidate pair indexes (after column generation)
    stats: dict[str, float]


def _flow(n_shinobi: int, n_missions: int, pm: np.ndarray, ps: np.ndarray, cost: np.ndarray, cap_s: int,
          size: np.ndarray, bonus: np.ndarray | None = None) -> np.ndarray:
    """Max-value flow: source → shinobi (capacity cap_s) → mission (value `cost` per unit) → sink
    (capacity size, value `bonus` per unit if given), with a free source → sink arc so that no
    flow is forced. Returns the flow on each pair."""
    n, m = n_shinobi, n_missions
    source, sink = 0, n + m + 1
    f = min_cost_flow.SimpleMinCostFlow()
    zeros_n = np.zeros(n, dtype=np.int64)
    f.add_arcs_with_capacity_and_unit_cost(zeros_n, np.arange(1, n + 1, dtype=np.int64),
                                           np.full(n, cap_s, dtype=np.int64), zeros_n)
    first = f.num_arcs()
    f.add_arcs_with_capacity_and_unit_cost(1 + ps.astype(np.int64), 1 + n + pm.astype(np.int64),
                                           np.full(len(pm), cap_s, dtype=np.int64), -cost)
    sink_cost = np.zeros(m, dtype=np.int64) if bonus is None else -bonus.astype(np.int64)
    f.add_arcs_with_capacity_and_unit_cost(np.arange(1 + n, 1 + n + m, dtype=np.int64),
                                           np.full(m, sink, dtype=np.int64), size.astype(np.int64), sink_cost)
    f.add_arc_with_capacity_and_unit_cost(source, sink, n * cap_s, 0)
    f.set_node_supply(source, n * cap_s)
    f.set_node_supply(sink, -n * cap_s)
    status = f.solve()
    if status != f.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: status {status}")
    return np.asarray(f.flows(np.arange(first, first + len(pm), dtype=np.int64)))


def _least_prices(n_shinobi: int, n_missions: int, pm: np.ndarray, ps: np.ndarray, cost: np.ndarray,
                  x: np.ndarray, cap_s: int) -> np.ndarray:
    """The least optimal mission duals p ≥ 0 of the flow problem, given an optimal flow x.

    Shinobi duals follow from p: u[s] = 0 for a shinobi with spare capacity, else
    c[m', s] − p[m'] for any mission m' it sends flow to. Dual feasibility on every pair and
    complementary slackness then read p[m] ≥ c[m, s] (s with spare capacity),
    p[m] ≥ p[m'] + c[m, s] − c[m', s] and, between the missions s sends flow to, the same both
    ways: a longest-path problem over the missions, solved by Bellman-Ford (vectorised).
    """
    pm = pm.astype(np.int64)
    ps = ps.astype(np.int64)
    load = np.bincount(ps, weights=x, minlength=n_shinobi)
    sat = load >= cap_s
    supp = x > 0
    rep = np.full(n_shinobi, -1, dtype=np.int64)
    rep_c = np.zeros(n_shinobi, dtype=np.int64)
    rep[ps[supp]] = pm[supp]
    rep_c[ps[supp]] = cost[supp]
    p = np.zeros(n_missions, dtype=np.int64)
    spare = ~sat[ps]
    np.maximum.at(p, pm[spare], cost[spare])
    e = sat[ps] & (pm != rep[ps])
    es = e & supp
    src = np.concatenate([rep[ps[e]], pm[es]])
    dst = np.concatenate([pm[e], rep[ps[es]]])
    w = np.concatenate([cost[e] - rep_c[ps[e]], rep_c[ps[es]] - cost[es]])
    for _ in range(n_missions + 2):  # a longest path has fewer than n_missions arcs
        new = p.copy()
        np.maximum.at(new, dst, p[src] + w)
        if np.array_equal(new, p):
            break
        p = new
    return p


def _price(prob: _Problem, p: np.ndarray, thr: np.ndarray | None = None
           ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """One pass over every eligible pair at mission prices p (true values): UB(p), the shinobi
    prices u[s] = max(0, max_m v − p[m]) and, when `thr` is given, the pairs whose reduced value
    v − p[m] exceeds thr[s] (indexes, reduced values)."""
    u = np.zeros(prob.n_shinobi)  # u starts at 0
    found_i, found_r = [], []
    for a, b in _chunks(len(prob.pv)):
        ps = prob.ps[a:b]
        r = prob.pv[a:b] - p[prob.pm[a:b]]
        np.maximum.at(u, ps, r)
        if thr is not None:
            hit = np.flatnonzero(r > thr[ps])
            found_i.append(hit + a)
            found_r.append(r[hit])
    ub = math.fsum((prob.size * p).tolist()) + math.fsum(u.tolist())
    ub += 1e-12 * ub  # every term is ≥ 0: this covers the rounding of v − p, size·p and the sum
    idx = np.concatenate(found_i) if found_i else np.zeros(0, dtype=np.int64)
    red = np.concatenate(found_r) if found_r else np.zeros(0)
    return ub, u, idx, red


def _price_above(prob: _Problem, p: np.ndarray, u_flow: np.ndarray, tol: float
                 ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """`_price(prob, p, u_flow + tol)` in one cheaper pass, for prices p ≥ 0 and u_flow[s] the
    reduced value v − p[m] of a pair of s (computed the same way) or 0: then
    u[s] = max(0, u_flow[s], the reduced values of s's pairs above u_flow[s]) exactly, so only the
    pairs above u_flow are kept (no scatter over every pair)."""
    hit_i, hit_r = [], []
    for a, b in _chunks(len(prob.pv)):
        r = prob.pv[a:b] - p[prob.pm[a:b]]
        hit = np.flatnonzero(r > u_flow[prob.ps[a:b]])
        hit_i.append(hit + a)
        hit_r.append(r[hit])
    idx = np.concatenate(hit_i) if hit_i else np.zeros(0, dtype=np.int64)
    red = np.concatenate(hit_r) if hit_r else np.zeros(0)
    s_hit = prob.ps[idx]
    u = np.maximum(u_flow, 0.0)
    np.maximum.at(u, s_hit, red)
    ub = math.fsum((prob.size * p).tolist()) + math.fsum(u.tolist())
    ub += 1e-12 * ub  # as in _price
    keep = red > u_flow[s_hit] + tol
    return ub, u, idx[keep], red[keep]


def _mission_top(prob: _Problem, key: Callable[[slice], np.ndarray], k: np.ndarray, *,
                 above: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For every mission the pairs with the k[m] largest `key` (computed slice by slice; −inf:
    never), and the pairs whose key is at least `above`. One pass keeps, per mission, the pairs at
    or above a cut: its PROBE_RANK-th largest key on a probe of about 100,000 pairs (or `above` if
    lower; every pair of a mission with fewer probe keys); a mission left with fewer than k[m] such
    pairs is looked at again over all its pairs."""
    m, n_pairs = prob.n_missions, len(prob.pv)
    step = max(1, n_pairs // 100_000)
    probe = key(slice(0, n_pairs, step))
    p_m = prob.pm[0:n_pairs:step]
    ok = np.isfinite(probe)
    probe, p_m = probe[ok], p_m[ok]
    cut = np.full(m, -np.finfo(np.float64).max)  # (−inf keys stay out)
    if len(probe):
        order = np.lexsort((-probe, p_m))
        gs = p_m[order]
        rank = np.arange(len(gs)) - np.searchsorted(gs, np.arange(m))[gs]
        at = rank == PROBE_RANK - 1 + k[gs] // step  # (about PROBE_RANK·step pairs, and k, above it)
        cut[gs[at]] = probe[order[at]]
    if above is not None:
        np.minimum(cut, above, out=cut)
    idx_l, key_l = [], []
    for a, b in _chunks(n_pairs):
        kv = key(slice(a, b))
        hit = np.flatnonzero(kv >= cut[prob.pm[a:b]])
        idx_l.append(hit + a)
        key_l.append(kv[hit])
    idx, kv = np.concatenate(idx_l), np.concatenate(key_l)
    top = [idx[_top_k_per_group(prob.pm[idx], kv, m, k)]]
    short = (np.bincount(prob.pm[idx], minlength=m) < k) & (cut > -np.finfo(np.float64).max)
    if short.any():  # missions with few pairs above their cut: look at all their pairs
        idx_l, key_l = [], []
        for a, b in _chunks(n_pairs):
            g = prob.pm[a:b]
            more = key(slice(a, b))
            hit = np.flatnonzero(short[g] & (more < cut[g]) & np.isfinite(more))
            idx_l.append(hit + a)
            key_l.append(more[hit])
        more_idx, more_key = np.concatenate(idx_l), np.concatenate(key_l)
        top.append(more_idx[_top_k_per_group(prob.pm[more_idx], more_key, m, k)])
    return np.concatenate(top), (idx[kv >= above] if above is not None else idx[:0])


def _initial_candidates(prob: _Problem, p: np.ndarray, u: np.ndarray, n_pos: int) -> np.ndarray:
    """At prices (p, u), a positive pair (m, s) loses u[s] − (v − p[m]) ≥ 0 against the shinobi's
    best use. Candidates: for every mission the 2·size + 4 pairs that lose least, and the pairs
    that lose least overall (about PER_SHINOBI per shinobi)."""

    def gain(sl) -> np.ndarray:  # −loss
        out = prob.pv[sl] - p[prob.pm[sl]] - u[prob.ps[sl]]
        out[prob.pv[sl] <= 0] = -np.inf
        return out

    probe = gain(slice(0, len(prob.pv), max(1, len(prob.pv) // 100_000)))
    probe = probe[np.isfinite(probe)]
    if len(probe) == 0:
        return np.zeros(0, dtype=np.int64)
    near = float(np.quantile(probe, max(0.0, 1.0 - PER_SHINOBI * prob.n_shinobi / n_pos)))
    top, close = _mission_top(prob, gain, 2 * prob.size + PER_MISSION_EXTRA, above=near)
    return _dedupe(prob, np.concatenate([top, close]))


def _relax(prob: _Problem, *, seed: int, tolerance: float = 5e-5, max_rounds: int = 12,
           tick: Callable[[float], None] | None = None, stop: Callable[[], bool] | None = None) -> _Relaxation:
    """Step 1 of the module docstring. `stop()` true after a round ends the column generation
    (a time budget): the bound stays valid, only looser."""
    scale = _cost_scale(prob.pv)
    n, m = prob.n_shinobi, prob.n_missions
    tol = 2.0 / scale  # a pair's rounded cost is within 0.5/scale of its value
    stats: dict[str, float] = {}
    n_pos = int(np.count_nonzero(prob.pv > 0))
    best: tuple[float, np.ndarray, np.ndarray] | None = None  # the lowest UB(p) over every pair, with p, u
    if n_pos <= SAMPLE_ARCS:
        cand = _dedupe(prob, np.flatnonzero(prob.pv > 0))
    else:
        # 1. prices from a sample economy: every q-th shinobi, standing for q
        q = math.ceil(n_pos / SAMPLE_ARCS)
        offset = seed % q
        in_sample = np.arange(n) % q == offset
        sample = np.concatenate([a + np.flatnonzero((prob.pv[a:b] > 0) & in_sample[prob.ps[a:b]])
                                 for a, b in _chunks(len(prob.pv))])
        s_pm, s_ps = prob.pm[sample], prob.ps[sample] // q
        n_sample = (n - offset + q - 1) // q
        s_cost = np.rint(prob.pv[sample] * scale).astype(np.int64)
        x = _flow(n_sample, m, s_pm, s_ps, s_cost, q, prob.size)
        p_hat = _least_prices(n_sample, m, s_pm, s_ps, s_cost, x, q) / scale
        ub, u, _, _ = _price(prob, p_hat)
        best = (ub, p_hat, u)
        stats.update(sample_shinobi=float(n_sample), sample_bound=ub)
        # 2. candidates at these prices
        cand = _initial_candidates(prob, p_hat, u, n_pos)
    # 3. flow on the candidates, exact duals, every pair priced, the missing pairs added
    rounds, used, flow_value = 0, cand[:0], 0.0
    while True:
        rounds += 1
        if tick:
            tick(1.0 - 0.5 ** rounds)
        cost = np.rint(prob.pv[cand] * scale).astype(np.int64)
        x = _flow(n, m, prob.pm[cand], prob.ps[cand], cost, 1, prob.size)
        p = _least_prices(n, m, prob.pm[cand], prob.ps[cand], cost, x, 1) / scale
        used = cand[x > 0]
        flow_value = math.fsum(prob.pv[used].tolist())
        u_flow = np.zeros(n)
        u_flow[prob.ps[used]] = prob.pv[used] - p[prob.pm[used]]
        ub, u, missing, red = _price_above(prob, p, u_flow, tol)
        if best is None or ub < best[0]:
            best = (ub, p, u)
        if best[0] - flow_value <= tolerance * max(1.0, abs(best[0])) or rounds >= max_rounds or len(missing) == 0:
            break
        if stop is not None and stop():
            break
        missing = missing[_top_k_per_group(prob.ps[missing], red, n, np.full(n, PER_ROUND))]
        cand = _dedupe(prob, np.concatenate([cand, missing]))
    assert best is not None
    ub, p, u = best
    owner_pair = np.full(n, -1, dtype=np.int64)
    owner_pair[prob.ps[used]] = used
    stats.update(relax_rounds=float(rounds), candidates=float(len(cand)), flow_value=flow_value)
    return _Relaxation(ub, flow_value, p, u, owner_pair, cand, stats)


# ----------------------------------------------------------------------------------------------
# The integer plan: the board, the dive, local search, CP-SAT on neighbourhoods


class _Board:
    """Teams under construction, with each mission's candidates (best value first)."""

    def __init__(self, prob: _Problem, cand: np.ndarray, price_s: np.ndarray):
        self.size = prob.size.tolist()
        cm, cs, cv = prob.pm[cand], prob.ps[cand], prob.pv[cand]
        order = np.lexsort((-cv, cm))
        cm, cs, cv = cm[order], cs[order], cv[order]
        loss = price_s[cs] - cv  # what a shinobi gives up (at the relaxation's prices) by going there
        starts = np.searchsorted(cm, np.arange(prob.n_missions + 1)).tolist()
        cs_l, cv_l = cs.tolist(), cv.tolist()
        spans = list(zip(starts[:-1], starts[1:], strict=True))
        self.cand_s: list[list[int]] = [cs_l[a:b] for a, b in spans]
        self.cand_v: list[list[float]] = [cv_l[a:b] for a, b in spans]
        self.val: list[dict[int, float]] = [dict(zip(cs_l[a:b], cv_l[a:b], strict=True)) for a, b in spans]
        # each mission's candidates, least loss first (ties: lower shinobi first), for growing neighbourhoods
        by_loss = cs[np.lexsort((cs, loss, cm))].tolist()
        self.by_loss: list[list[int]] = [by_loss[a:b] for a, b in spans]
        self.missions_of: list[list[int]] = [[] for _ in range(prob.n_shinobi)]
        for m, ss in enumerate(self.cand_s):
            for s in ss:
                self.missions_of[s].append(m)
        self.owner = [-1] * prob.n_shinobi
        self.team: dict[int, list[int]] = {}

    def staff(self, m: int, members: list[int]) -> None:
        assert m not in self.team and len(members) == self.size[m] == len(set(members))
        for s in members:
            assert self.owner[s] < 0 and s in self.val[m]
            self.owner[s] = m
        self.team[m] = list(members)

    def release(self, m: int) -> None:
        for s in self.team.pop(m):
            self.owner[s] = -1

    def replace(self, m: int, old: int, new: int) -> None:
        t = self.team[m]
        t[t.index(old)] = new
        self.owner[old] = -1
        self.owner[new] = m

    def team_value(self, m: int) -> float:
        vm = self.val[m]
        return math.fsum(vm[s] for s in self.team[m])

    def value(self) -> float:
        return math.fsum(self.val[m][s] for m, t in self.team.items() for s in t)

    def best_free_team(self, m: int) -> tuple[list[int], float] | None:
        """m's best free candidates, or None when it has too few."""
        need, owner, members = self.size[m], self.owner, []
        for s in self.cand_s[m]:
            if owner[s] < 0:
                members.append(s)
                if len(members) == need:
                    vm = self.val[m]
                    return members, math.fsum(vm[s] for s in members)
        return None


def _completion_estimate(board: _Board, m: int, members: list[int], price_s: np.ndarray) -> float:
    """The value of m's members plus its best completion, each added shinobi counted at its value
    there less its price in the relaxation (what it is worth elsewhere)."""
    vm = board.val[m]
    have = set(members)
    extra = sorted((vm[s] - float(price_s[s]) for s in board.cand_s[m] if s not in have), reverse=True)
    need = board.size[m] - len(members)
    if len(extra) < need:
        return -math.inf
    return math.fsum(vm[s] for s in members) + math.fsum(extra[:need])


def _dive(prob: _Problem, board: _Board, cand: np.ndarray, price_s: np.ndarray, *, rule: str,
          start: np.ndarray | None = None, max_rounds: int = 60, stop: Callable[[], bool] | None = None
          ) -> tuple[dict[int, list[int]], dict[str, float]]:
    """Round the relaxation by diving: solve the flow on the candidates (negative pairs included:
    they may complete a team), force some half-staffed missions full (a bonus on their sink arc
    that outweighs any augmenting path) and strike the others out, solve again, until no mission
    is half-staffed; a forced mission that still cannot be filled is struck out. Rule "fill"
    forces the missions at least half full, rule "value" those whose completion estimate is
    positive. `start`: the first flow (pair indexes). `stop()` true after the third round ends the
    dive early (a time budget): the half-staffed missions are then left empty. Returns the teams
    and some statistics."""
    n, m = prob.n_shinobi, prob.n_missions
    cm, cs = prob.pm[cand].astype(np.int64), prob.ps[cand].astype(np.int64)
    scale = _cost_scale(prob.pv[cand])
    cost = np.rint(prob.pv[cand] * scale).astype(np.int64)
    bonus = (int(np.abs(cost).max()) + 1) * (2 * m + 2)  # more than any augmenting path can cost
    forced = np.zeros(m, dtype=bool)
    struck = np.zeros(m, dtype=bool)
    size = prob.size
    rounds, used = 0, cand[:0]
    for rounds in range(1, max_rounds + 1):  # noqa: B007 - reported
        if rounds == 1 and start is not None:
            used = start
        else:
            live = np.flatnonzero(~struck[cm])
            x = _flow(n, m, cm[live], cs[live], cost[live], 1, size, np.where(forced, bonus, 0))
            used = cand[live[x > 0]]
        count = np.bincount(prob.pm[used], minlength=m)
        half = np.flatnonzero((count > 0) & (count < size))
        if len(half) == 0 or (rounds >= 3 and stop is not None and stop()):
            break
        used_by: dict[int, list[int]] = {}
        for i in used[np.isin(prob.pm[used], half)].tolist():
            used_by.setdefault(int(prob.pm[i]), []).append(int(prob.ps[i]))
        fail = forced[half]
        struck[half[fail]] = True
        forced[half[fail]] = False
        rest = half[~fail]
        if rule == "fill":
            keep = 2 * count[rest] >= size[rest]
        else:
            keep = np.array([_completion_estimate(board, int(mm), used_by.get(int(mm), []), price_s) > 0
                             for mm in rest], dtype=bool)
        forced[rest[keep]] = True
        struck[rest[~keep]] = True
    teams: dict[int, list[int]] = {}
    for i in used.tolist():
        teams.setdefault(int(prob.pm[i]), []).append(int(prob.ps[i]))
    teams = {mm: t for mm, t in teams.items() if len(t) == board.size[mm]}
    value = math.fsum(board.val[mm][sh] for mm, t in teams.items() for sh in t)
    return teams, {"dive_rounds": float(rounds), "dive_forced": float(forced.sum()),
                   "dive_struck": float(struck.sum()), "dive_value": value}


def _local_search(board: _Board, *, max_passes: int = 8) -> tuple[int, bool]:
    """First-improvement moves until none applies: a better free member, a swap of members between
    two teams, dropping a team worth nothing, staffing a mission from the free shinobi. Returns
    the moves and whether none applies any more (else `max_passes` ended it)."""
    moves = 0
    owner = board.owner
    for _ in range(max_passes):
        before = moves
        for m in list(board.team):
            vm, t = board.val[m], board.team[m]
            worst = min(t, key=vm.__getitem__)
            for s in board.cand_s[m]:
                if vm[s] <= vm[worst] + _EPS:
                    break
                if owner[s] < 0:
                    board.replace(m, worst, s)
                    moves += 1
                    worst = min(t, key=vm.__getitem__)
        top_v = [c[0] if c else 0.0 for c in board.cand_v]  # each mission's best candidate value
        for m in list(board.team):
            vm, t = board.val[m], board.team[m]
            low = min(vm[s] for s in t)
            for s2 in board.cand_s[m]:
                m2 = owner[s2]
                if m2 < 0 or m2 == m:
                    continue
                v2 = board.val[m2]
                here, there = vm[s2], v2[s2]
                if here + top_v[m2] <= low + there + _EPS:  # (no member of m can gain: v2[s] ≤ top, vm[s] ≥ low)
                    continue
                for s in t:
                    back = v2.get(s)
                    if back is not None and here + back > vm[s] + there + _EPS:
                        t2 = board.team[m2]
                        t[t.index(s)] = s2
                        t2[t2.index(s2)] = s
                        owner[s2], owner[s] = m, m2
                        moves += 1
                        low = min(vm[x] for x in t)
                        break
        for m in list(board.team):
            if board.team_value(m) <= _EPS:
                board.release(m)
                moves += 1
        options = []
        for m in range(len(board.size)):
            if m not in board.team:
                got = board.best_free_team(m)
                if got is not None and got[1] > _EPS:
                    options.append((-got[1], m))
        for _, m in sorted(options):
            got = board.best_free_team(m)
            if got is not None and got[1] > _EPS:
                board.staff(m, got[0])
                moves += 1
        if moves == before:
            return moves, True
    return moves, False


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
               per_mission: int | None = None) -> tuple[float, float, bool]:
    """Re-plan `missions` with CP-SAT over the shinobi that are free or theirs, hinted with their
    current teams; the other missions keep theirs. Returns (gain, CP-SAT wall time, proved optimal)."""
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
        return 0.0, 0.0, True
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
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.max_time_in_seconds = max(0.01, time_limit)
    prm.num_workers = workers
    prm.random_seed = seed
    prm.linearization_level = 2
    status = solver.solve(model)
    wall = solver.wall_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return 0.0, wall, False
    x = list(solver.response_proto.solution)[:nx]
    new_teams: dict[int, list[int]] = {}
    for i in range(nx):
        if x[i]:
            new_teams.setdefault(var_m[i], []).append(var_s[i])
    in_model = [m for m, _, _ in rows]
    old_value = math.fsum(board.team_value(m) for m in in_model if m in team)
    new_value = math.fsum(board.val[m][s] for m, t in new_teams.items() for s in t)
    if new_value <= old_value + _EPS:
        return 0.0, wall, status == cp_model.OPTIMAL
    for m in in_model:
        if m in team:
            board.release(m)
    for m, t in new_teams.items():
        board.staff(m, t)
    return new_value - old_value, wall, status == cp_model.OPTIMAL


def _lns(board: _Board, first_seeds: list[int], budget: Callable[[float], float], upper_bound: float, *,
         gap_limit: float, neighbourhood: int, workers: int, seed: int, progress: Progress | None
         ) -> dict[str, float]:
    """CP-SAT on neighbourhoods while `budget(CP-SAT seconds so far)` leaves time, the gap is above
    `gap_limit` and one of the last 30 models improved: first around all of `first_seeds` (the
    missions the rounding touched) together, then around each of them, then around random
    missions. A neighbourhood starts at 100 missions, doubles (up to `neighbourhood`) after a model
    CP-SAT proved optimal within a quarter of its time, and shrinks by a third after one it did not."""
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
        g, w, optimal = _solve_sub(board, missions, limit, workers=workers, seed=seed + solves)
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


# ----------------------------------------------------------------------------------------------
# Public entry points


def _result(prob: _Problem, teams: Mapping[int, Sequence[int]], value: float, ub: float,
            stats: dict[str, float]) -> PlanResult:
    assignment = {prob.mission_ids[m]: tuple(sorted(prob.shinobi_ids[s] for s in t)) for m, t in sorted(teams.items())}
    gap = math.nan if math.isnan(ub) else (ub - value) / max(abs(ub), 1e-9)
    stats = dict(stats)
    stats["missions_staffed"] = float(len(assignment))
    stats["shinobi_assigned"] = float(sum(len(t) for t in assignment.values()))
    return PlanResult(assignment, value, ub, gap, stats)


def solve_plan(mission_ids: Sequence[int], sizes: Sequence[int], shinobi_ids: Sequence[int],
               pair_mission: np.ndarray, pair_shinobi: np.ndarray, pair_value: np.ndarray, *,
               time_limit: float = 5.0, progress: Progress | None = None, clock: Clock | None = None,
               gap_limit: float = 1e-4, neighbourhood: int = 600, workers: int = 1, seed: int = 0) -> PlanResult:
    """Plan the whole board (see the module docstring).

    `pair_*` are parallel 1-d arrays of the eligible pairs, as indexes into `mission_ids` and
    `shinobi_ids`. `time_limit` (seconds): with a `clock`, the budget of the whole call (the
    CP-SAT phase gets what the earlier phases left, less a small reserve for the last local
    search); without one, the CP-SAT solves' own wall time is counted against it. CP-SAT stops
    early once the gap is at most `gap_limit`. `neighbourhood`: missions per CP-SAT model, at
    most; `workers`: CP-SAT threads per model. `progress(phase, fraction of the whole call)`.

    `stats`: ``flow_value`` (the relaxation's own value), ``relax_rounds``, ``sample_bound`` (UB
    at the sampled prices, large boards only), ``candidates``, ``half_staffed`` (missions the flow
    left half-staffed), ``dive_value`` (and per dive rule), ``local_value``, ``lns_solves``,
    ``lns_improved``, ``lns_gain``, ``cpsat_wall``, ``missions_staffed``, ``shinobi_assigned``,
    ``pairs``; with a clock, ``time_<phase>`` and ``time_total`` in seconds."""
    prob = _problem(mission_ids, sizes, shinobi_ids, pair_mission, pair_shinobi, pair_value)
    ph = _Phases(clock, progress)
    if len(prob.pv) == 0:
        ph.finish()
        return _result(prob, {}, 0.0, 0.0, {"pairs": 0.0, "candidates": 0.0, "flow_value": 0.0, **ph.stats})
    # 1-3. relaxation, candidates, bound
    # with a clock, the column generation stops once RELAX_SHARE of the budget is spent
    stop = (lambda: ph.elapsed() > RELAX_SHARE * time_limit) if clock else None
    relax = _relax(prob, seed=seed, tick=(lambda f: progress("relaxation", 0.4 * f)) if progress else None,
                   stop=stop)
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
    rules = ("value", "fill") if len(start) <= (1 - SLACK) * prob.n_shinobi else ("fill",)
    dives = []
    for rule in rules:  # (with a clock, the second rule only while DIVE_SHARE of the budget is left)
        if dives and clock and ph.elapsed() > (1 - DIVE_SHARE) * time_limit:
            rules = rules[:len(dives)]
            break
        dives.append(_dive(prob, board, cand, relax.price_s, start=start, rule=rule,
                           stop=(lambda: ph.elapsed() > DIVE_STOP * time_limit) if clock else None))
    teams, stats = max(dives, key=lambda d: d[1]["dive_value"])
    for m, t in teams.items():
        board.staff(m, t)
    stats.update({f"dive_value_{rule}": d[1]["dive_value"] for rule, d in zip(rules, dives, strict=True)})
    dive_value = board.value()
    ph.done("dive", 0.55)
    local_start = ph.elapsed()
    moves, settled = _local_search(board)
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
                      neighbourhood=neighbourhood, workers=workers, seed=seed, progress=cpsat_progress))
    ph.done("cpsat", 0.95)
    if stats["lns_improved"] or not settled:  # (else the board is as the first local search left it)
        moves += _local_search(board)[0]
    ph.done("local", 0.99)
    value = board.value()
    ph.finish()
    stats.update(ph.stats)
    stats.update(relax.stats)
    stats.update(pairs=float(len(prob.pv)), candidates=float(len(cand)), dive_value=dive_value,
                 local_value=local_value, local_moves=float(moves), half_staffed=float(len(half)))
    return _result(prob, board.team, value, relax.upper_bound, stats)


def greedy_plan(mission_ids: Sequence[int], sizes: Sequence[int], shinobi_ids: Sequence[int],
                pair_mission: np.ndarray, pair_shinobi: np.ndarray, pair_value: np.ndarray, *,
                compute_bound: bool = False, progress: Progress | None = None,
                clock: Clock | None = None) -> PlanResult:
    """The baseline a clerk would follow: missions by the value of their best possible team,
    most valuable first; each takes its best still-free eligible shinobi when that team is worth
    more than nothing. `upper_bound` is the flow bound when `compute_bound`, else NaN."""
    prob = _problem(mission_ids, sizes, shinobi_ids, pair_mission, pair_shinobi, pair_value)
    ph = _Phases(clock, progress)
    m_count = prob.n_missions
    if len(prob.pv) == 0:
        ph.finish()
        return _result(prob, {}, 0.0, 0.0 if compute_bound else math.nan, ph.stats)
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
        ub = _relax(prob, seed=0).upper_bound
        ph.done("bound", 0.99)
    ph.finish()
    return _result(prob, teams, math.fsum(total), ub, ph.stats)


def cpsat_full_plan(mission_ids: Sequence[int], sizes: Sequence[int], shinobi_ids: Sequence[int],
                    pair_mission: np.ndarray, pair_shinobi: np.ndarray, pair_value: np.ndarray, *,
                    time_limit: float = 30.0, workers: int = 0, seed: int = 0,
                    progress: Progress | None = None, clock: Clock | None = None) -> PlanResult:
    """The baseline: the whole problem as one CP-SAT model (a Boolean per eligible pair, one per
    mission), no hint. `upper_bound` is CP-SAT's own bound, widened by the rounding of the
    objective to integers; the plan is empty when CP-SAT finds nothing in time."""
    prob = _problem(mission_ids, sizes, shinobi_ids, pair_mission, pair_shinobi, pair_value)
    ph = _Phases(clock, progress)
    n_pairs, m_count = len(prob.pv), prob.n_missions
    if n_pairs == 0:
        ph.finish()
        return _result(prob, {}, 0.0, 0.0, {"cpsat_status": float(cp_model.OPTIMAL), "pairs": 0.0, "found": 1.0,
                                            **ph.stats})
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
    return _result(prob, teams, value, ub, stats)


# ----------------------------------------------------------------------------------------------
# Checking a plan


def check_plan(result: PlanResult, sizes_by_mission: Mapping[int, int], eligible: set[tuple[int, int]],
               values: Mapping[tuple[int, int], float] | None = None, *, tol: float = 1e-6) -> None:
    """Raise AssertionError when the plan breaks an invariant: a mission not fully staffed, a
    shinobi twice, an ineligible pair, a value that is not the sum of its pairs (when `values`
    are given) or above the bound, a gap that does not match."""
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
