"""Steps 1-2 of the method (see the package's docstring): the min-cost flow relaxation on candidate pairs,
the mission prices, the column generation and the bound over every pair."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from .problem import _chunks, _cost_scale, _dedupe, _Problem, _top_k_per_group

SAMPLE_ARCS = 125_000  # the price-finding sample flow has about this many arcs
PER_SHINOBI = 3  # candidates per shinobi (closest to its best use)
PER_ROUND = 6  # pairs added per shinobi and round of the column generation
PER_MISSION_EXTRA = 4  # candidates per mission: 2·size + this many
PROBE_RANK = 4  # the per-mission cut of the candidate search: about this largest key on the probe


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
