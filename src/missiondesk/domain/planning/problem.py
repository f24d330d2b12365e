"""The problem as arrays (the eligible pairs, checked), the missions no plan can staff (left out), slices
over every pair, the k best pairs of every group and the removal of repeated pairs."""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

Progress = Callable[[str, float], None]
Clock = Callable[[], float]

COST_RESOLUTION = 1_000_000  # the largest |v| becomes this many integer cost units
MAX_VALUE = 1e15  # larger |v| are refused (sums must stay far from overflow)
_CHUNK = 1 << 20  # pairs per slice in the passes over every pair (small temporaries, reused memory)
_EPS = 1e-9


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


@dataclass(frozen=True)
class LeftOut:
    """A mission no plan can staff: fewer eligible shinobi than the places on its team. It is left out
    before the relaxation, so neither the plan nor the bound counts it."""

    mission_id: int
    eligible: int  # distinct eligible shinobi
    needed: int  # the team's size
    reason: str  # in words: "3 eligible for 4 places"

    @classmethod
    def of(cls, mission_id: int, eligible: int, needed: int) -> LeftOut:
        return cls(mission_id, eligible, needed,
                   f"{eligible} eligible for {needed} place{'' if needed == 1 else 's'}")


def _eligible_counts(prob: _Problem) -> np.ndarray:
    """The distinct eligible shinobi of every mission. One pass checks that the pairs come in strictly
    increasing (mission, shinobi) order, as callers build them: then no pair repeats and the count is a
    bincount; otherwise the repeated pairs are found by sorting (np.unique)."""
    m, n, n_pairs = prob.n_missions, prob.n_shinobi, len(prob.pv)
    counts = np.bincount(prob.pm, minlength=m)
    previous = -1
    for a, b in _chunks(n_pairs):
        key = prob.pm[a:b].astype(np.int64) * n + prob.ps[a:b]
        if key[0] <= previous or (b - a > 1 and not bool((key[1:] > key[:-1]).all())):
            distinct = np.unique(prob.pm.astype(np.int64) * n + prob.ps)
            return np.bincount(distinct // n, minlength=m)
        previous = int(key[-1])
    return counts


def _staffable(prob: _Problem) -> tuple[_Problem, tuple[LeftOut, ...]]:
    """The problem without the missions that have fewer distinct eligible shinobi than places (their
    pairs dropped, the other missions renumbered), and those missions. Exact: such a mission is in no
    plan; and cheap: a bincount and one pass over the pairs, a copy of them only when one is left out."""
    eligible = _eligible_counts(prob)
    short = eligible < prob.size
    if not short.any():
        return prob, ()
    left_out = tuple(LeftOut.of(prob.mission_ids[i], int(eligible[i]), int(prob.size[i]))
                     for i in np.flatnonzero(short).tolist())
    keep = ~short
    renumber = (np.cumsum(keep) - 1).astype(prob.pm.dtype)
    n_kept = int(np.bincount(prob.pm, minlength=prob.n_missions)[keep].sum())
    pm = np.empty(n_kept, dtype=prob.pm.dtype)
    ps = np.empty(n_kept, dtype=prob.ps.dtype)
    pv = np.empty(n_kept, dtype=np.float64)
    at = 0
    for a, b in _chunks(len(prob.pv)):
        sel = np.flatnonzero(keep[prob.pm[a:b]]) + a
        pm[at:at + len(sel)] = renumber[prob.pm[sel]]
        ps[at:at + len(sel)] = prob.ps[sel]
        pv[at:at + len(sel)] = prob.pv[sel]
        at += len(sel)
    mission_ids = [mid for mid, k in zip(prob.mission_ids, keep.tolist(), strict=True) if k]
    return _Problem(mission_ids, prob.shinobi_ids, prob.size[keep], pm, ps, pv), left_out


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
