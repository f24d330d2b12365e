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
0. *Left out.* A mission with fewer distinct eligible shinobi than places is in no plan: it is
   removed before anything else and reported (``PlanResult.left_out``: its eligible count and
   size). Everything below, the bound and the gap included, is over the staffable missions (the
   bound stays valid for every plan of the whole board: no plan has a left-out mission). Kept in
   the bound, such a mission is worth its few eligible members to the relaxation and no plan can
   have that: a gap that cannot close, and CP-SAT spending its whole budget on it.

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

Where each part lives: ``problem`` (the input, checked; slices over every pair; the k best pairs
of every group; repeated pairs), ``relaxation`` (steps 1-2), ``rounding`` (steps 3-4),
``neighbourhoods`` (step 5), ``phases`` (timings and the budget) and ``solve`` (``solve_plan``
and its result). The yardsticks a plan is measured against (the greedy baseline, the whole
problem as one CP-SAT model) and the checker of a plan's invariants are not production code:
they live with the tests, in ``tests/planning_support.py``, which ``bench/plan.py`` imports too.

Everything here is pure: no clock is read. Pass ``clock`` (e.g. ``time.monotonic``) to get
phase timings in ``stats`` and a budget: ``time_limit`` seconds from the call, or until
``deadline``, a time on that clock (the service passes the deadline of its whole use case, so
that its reads count too); without a clock only the CP-SAT solves' own wall time is counted
against ``time_limit`` (the phases before are bounded by work: about 1.5-2 s at 2,000 × 10,000
with 9 M pairs, on a 2-core machine). With a clock every phase is budgeted against it: the
column generation begins no round that would end (with the board built after it, about as
long: twice the last round) past ``RELAX_SHARE`` of the budget (the bound stays valid, only
looser); the second dive rule runs only while ``DIVE_SHARE`` of it is left; a dive stops after
its third round once ``DIVE_STOP`` of it is spent, and after any round when its next flow
(predicted as long as its last) would leave less than ``DIVE_LEFT`` (its half-staffed missions
left empty); the first local search stops with ``LOCAL_LEFT`` of it left; a CP-SAT model is
built only when what is left covers building it and CP-SAT's start (loading and presolve, which
CP-SAT does not time: both per pair, guessed for the first model and then measured), and CP-SAT
gets what is left once it is built; the last local search is reserved time for (and skipped
when nothing changed since the first) and stops at the deadline. What cannot be cut short:
checking the input, the relaxation's first round (the sample economy and one flow), building the
board and the dive's first round (no flow): about 1 s at 300 missions × 10,000 shinobi and
1.2 M pairs on a loaded 2-core machine; with less than that left, the call takes that long.
CP-SAT runs without symmetry detection: on these models, carrying the hint through it in presolve
ran for minutes past the time limit (OR-Tools 9.15). The figures against the targets are in
``bench/plan.py``.
"""
from __future__ import annotations

from .problem import Clock, LeftOut, Progress
from .solve import PlanResult, solve_plan

__all__ = ["Clock", "LeftOut", "PlanResult", "Progress", "solve_plan"]
