"""Steps 3-4 of the method (see the package's docstring): the board of teams under construction, the greedy
dives that round the relaxation, and local search."""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .problem import _EPS, _cost_scale, _Problem
from .relaxation import _flow


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
          start: np.ndarray | None = None, max_rounds: int = 60, stop: Callable[[int], bool] | None = None
          ) -> tuple[dict[int, list[int]], dict[str, float]]:
    """Round the relaxation by diving: solve the flow on the candidates (negative pairs included:
    they may complete a team), force some half-staffed missions full (a bonus on their sink arc
    that outweighs any augmenting path) and strike the others out, solve again, until no mission
    is half-staffed; a forced mission that still cannot be filled is struck out. Rule "fill"
    forces the missions at least half full, rule "value" those whose completion estimate is
    positive. `start`: the first flow (pair indexes). `stop(rounds)`, asked after each round that
    leaves a mission half-staffed, true ends the dive there (a time budget): those missions are
    then left empty. Returns the teams and some statistics."""
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
        if len(half) == 0 or (stop is not None and stop(rounds)):
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


def _never() -> bool:
    return False


def _local_search(board: _Board, *, max_passes: int = 8, stop: Callable[[], bool] | None = None
                  ) -> tuple[int, bool]:
    """First-improvement moves until none applies: a better free member, a swap of members between
    two teams, dropping a team worth nothing, staffing a mission from the free shinobi. Returns
    the moves and whether none applies any more (else `max_passes`, or `stop()` true before a
    mission is looked at, ended it: a time budget; every move is whole, the board stays a plan)."""
    moves = 0
    owner = board.owner
    stop = stop or _never
    for _ in range(max_passes):
        before = moves
        for m in list(board.team):
            if stop():
                return moves, False
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
            if stop():
                return moves, False
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
            if stop():
                return moves, False
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
