"""Whole-board planning (`missiondesk.domain.planning`): solve_plan against its own bound, the greedy
baseline and the full CP-SAT model (both in tests/planning_support.py), on generated villages, all in
one run.

Villages (seeded, `make_village`): missions of rank D/C/B/A/S (35/30/20/11/4 %) with team sizes
1-6 (6/24/32/24/9/5 %: most 2-4); shinobi of five skill levels. A pair's value, per member, is
"reward × success probability − casualty cost": the reward grows with the rank (lognormal
spread), the success probability is a logistic of skill minus difficulty (with per-pair noise),
the death probability grows with the rank and falls with the margin, and a death costs the
shinobi's worth (higher for higher ranks). About 30 % of the values are negative; a few S-rank
missions have fewer positive candidates than members. Each mission sees 30-60 % of the shinobi as
eligible (about 9 M pairs at 2,000 × 10,000).

Targets (each measured in its own child process; the times are the planning call alone, the
village is generated before the clock starts):

* plentiful, 2,000 missions × 10,000 shinobi: solve_plan ≥ 0.999 of its bound in under 3 s;
* scarce, 2,000 missions × 4,000 shinobi: ≥ 0.995 of the bound in under 10 s;
* peak memory of the 2,000 × 10,000 plan under 2 GB: the peak RSS (the high-water mark of
  resident memory, Python and native code alike) of the child process that generates the
  village and plans it — that is what the target checks: the larger of `resource.getrusage`
  ru_maxrss by the end of the generation and the kernel's VmHWM during the planning call (reset
  through /proc/self/clear_refs after the generation; it includes the resident input arrays).
  Both are printed.

Baselines on the same instances: `greedy_plan` (most valuable mission first, best free team)
and `cpsat_full_plan` (a Boolean per eligible pair, 30 s, all cores, no hint). Their ratios are
to solve_plan's bound. If the full model cannot be built in memory (the child is limited to 70 %
of the machine's RAM), it is run on the largest half-size instance that builds, with solve_plan
run again there for a like-for-like line, and the table says so.

First, in its own process, `bench/recommend.py`: one mission at 10,000 shinobi (see there).

Then the board plan as the desk asks for it, `services.plans.plan_board` end to end (reads, the
fitness rules for every mission, the pairs, the planner, the teams' estimates), in its own process,
on `bench/village.py`'s village (10,000 shinobi in SQLite, with their sleep, gate trips, restrictions
and missions; 200 open) and 100 more open missions (a harder mix: 40 % A and S, teams of 2-8), 300
open in all. Two departures, each planned twice (once with --quick; the planner is imported first, as
the web app does when it starts, the first call reads a cold database cache): an hour
after dawn, when every mission can be staffed, and 17 hours after (late evening), when nearly every
jonin is past the fatigue limit of A and S missions and about 30 of them have fewer eligible than
places: those are left out, listed, and out of the bound. Target: the whole call — `plan_board` and
building its API response (`PlanRead`, as JSON) — within its limit (5 s) plus the documented overrun,
the larger of 5 % of the limit and 0.2 s (services/plans.py). Printed: where the time went, the teams,
the missions left empty and left out, the gap. (Before the limit was the call's: 10-15 s for 5 s.)
The same target holds the solve_plan cases above: their seconds, the whole call, against its limit.

`--quick` (CI, about 90 s): 1,000 × 5,000 and 1,000 × 2,000, solve_plan limited to 1.5 s and 2 s,
the full model to 2 s, the service's plan as above (10,000 shinobi, 300 open missions: the village takes
about 20 s to write); the same ratio and time targets. (Smaller boards are not a fair test of the
ratio: a risky mission or two that the relaxation half-staffs weigh more in a small board's bound;
at 400 × 2,000 the all-or-nothing optimum itself is below 0.995 of the flow bound.)
Exit 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import queue
import resource
import subprocess  # nosec B404 - runs this folder's own script
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# the package, the baselines in tests/planning_support.py, and bench/village.py
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "bench")]

RANK_P = np.array([0.35, 0.30, 0.20, 0.11, 0.04])  # D C B A S
REWARD = np.array([5.0, 20.0, 60.0, 150.0, 400.0])  # per member, thousand ryo
DEATH = np.array([0.002, 0.015, 0.06, 0.18, 0.45])  # chance of death against an even match
SIZE_P = np.array([0.06, 0.24, 0.32, 0.24, 0.09, 0.05])  # team sizes 1..6
SKILL = np.array([0.5, 1.5, 2.5, 3.2, 4.5])  # genin, chunin, special jonin, jonin, elite
SKILL_P = np.array([0.40, 0.32, 0.12, 0.14, 0.02])

PLENTIFUL_RATIO, PLENTIFUL_SECONDS = 0.999, 3.0
SCARCE_RATIO, SCARCE_SECONDS = 0.995, 10.0
PEAK_MB = 2048.0
SERVICE_LIMIT = 5.0  # seconds, the API's default
SERVICE_DEPARTURES = (1.0, 17.0)  # hours after bench/village.py's dawn
PHASES = ("relaxation", "candidates", "dive", "local", "cpsat")


def overrun(limit: float) -> float:
    """What the whole call may take past its limit: building the response (services/plans.py)."""
    return max(0.05 * limit, 0.2)


def make_village(n_missions: int, n_shinobi: int, seed: int, *, chunk: int = 64):
    """Sizes and the eligible pairs (mission index, shinobi index, value) of a generated village."""
    rng = np.random.default_rng(seed)
    rank = rng.choice(5, n_missions, p=RANK_P)
    size = rng.choice(6, n_missions, p=SIZE_P) + 1
    reward = REWARD[rank] * rng.lognormal(0, 0.35, n_missions)
    difficulty = rank + rng.normal(0, 0.35, n_missions)
    death = DEATH[rank] * rng.lognormal(0, 0.6, n_missions)
    eligible = rng.uniform(0.3, 0.6, n_missions)
    level = rng.choice(5, n_shinobi, p=SKILL_P)
    skill = SKILL[level] + rng.normal(0, 0.4, n_shinobi)
    worth = 300.0 * (1 + 0.5 * level) * rng.lognormal(0, 0.2, n_shinobi)  # the cost of a death
    pms, pss, pvs = [], [], []
    for a in range(0, n_missions, chunk):
        b = min(n_missions, a + chunk)
        mi, si = np.nonzero(rng.random((b - a, n_shinobi)) < eligible[a:b, None])
        mi += a
        edge = skill[si] - difficulty[mi] + rng.normal(0, 0.5, len(mi))
        p_success = 1 / (1 + np.exp(-(1.6 * edge + 1.0)))
        p_death = death[mi] * 2 / (1 + np.exp(1.5 * edge))
        pms.append(mi.astype(np.int32))
        pss.append(si.astype(np.int32))
        pvs.append(reward[mi] * p_success - worth[si] * p_death)
    return size, np.concatenate(pms), np.concatenate(pss), np.concatenate(pvs)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _reset_hwm() -> bool:
    """Reset the kernel's resident high-water mark (VmHWM) of this process, if the kernel lets us."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _hwm_mb() -> float:
    with open("/proc/self/status") as f:
        for row in f:
            if row.startswith("VmHWM:"):
                return int(row.split()[1]) / 1024
    return float("nan")


def _job(kind: str, n_m: int, n_s: int, seed: int, limit: float, out) -> None:
    from tests.planning_support import cpsat_full_plan, greedy_plan

    from missiondesk.domain.planning import solve_plan

    if kind == "full":  # keep the full model from taking the machine down
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        resource.setrlimit(resource.RLIMIT_AS, (int(0.7 * ram), int(0.7 * ram)))
    size, pm, ps, pv = make_village(n_m, n_s, seed)
    generated = _peak_mb()
    reset = _reset_hwm()
    args = (range(n_m), size, range(n_s), pm, ps, pv)
    t0 = time.perf_counter()
    if kind == "plan":
        r = solve_plan(*args, time_limit=limit, clock=time.perf_counter)
    elif kind == "greedy":
        r = greedy_plan(*args)
    else:
        r = cpsat_full_plan(*args, time_limit=limit, clock=time.perf_counter)
    seconds = time.perf_counter() - t0
    call_peak = _hwm_mb() if reset else float("nan")  # (the reset also restarts ru_maxrss on Linux)
    peak = max(generated, _peak_mb(), call_peak if reset else 0.0)
    out.put({"value": r.value, "bound": r.upper_bound, "seconds": seconds, "peak_mb": peak,
             "generated_mb": generated, "call_peak_mb": call_peak,
             "pairs": len(pv), "staffed": len(r.assignment), "stats": r.stats})


def _more_missions(url: str, seed: int, open_in_all: int = 300) -> int:
    """Open missions added to bench/village.py's board up to `open_in_all`: a harder mix than its own (40 %
    A and S, often secret, teams of 2-8). Returns how many are open."""
    import random

    from sqlalchemy import create_engine, func, insert, select
    from village import NOW

    from missiondesk.adapters.db.tables import MissionRow

    rnd = random.Random(seed)
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            already = c.execute(select(func.count()).select_from(MissionRow)
                                .where(MissionRow.status == "open")).scalar()
            last = c.execute(select(func.max(MissionRow.id))).scalar() or 0
            kinds = sorted(k for (k,) in c.execute(select(MissionRow.kind).distinct())) or ["chores"]
            rows = []
            for j in range(max(0, open_in_all - already)):
                rank = rnd.choice("DCBAS")
                weights = {"D": [6, 3, 1, 0], "C": [5, 3, 2, 0], "B": [3, 3, 3, 1], "A": [1, 2, 4, 3],
                           "S": [0, 1, 4, 5]}[rank]
                classification = rnd.choices(["public", "confidential", "secret", "top_secret"], weights)[0]
                threat, count = {"D": ("none", 0), "C": ("bandits", rnd.randint(2, 10)),
                                 "B": ("chunin", rnd.randint(1, 4)), "A": ("jonin", rnd.randint(1, 3)),
                                 "S": ("kage", 1)}[rank]
                reward = {"D": 30_000, "C": 100_000, "B": 300_000, "A": 1_000_000, "S": 3_000_000}[rank]
                kind = rnd.choice(kinds)
                rows.append({"id": last + 1 + j, "title": f"{rank}-rank {kind} #{j}", "rank": rank, "kind": kind,
                             "classification": classification, "reward_ryo": int(reward * rnd.uniform(0.7, 1.5)),
                             "min_team_size": rnd.randint(1, 4) if rank in "DC" else rnd.randint(2, 8),
                             "status": "open", "posted_at": NOW, "description": None, "created_by": "hokage",
                             "threat": threat, "threat_count": count})
            if rows:
                c.execute(insert(MissionRow), rows)
            return already + len(rows)
    finally:
        engine.dispose()


def _service_job(seed: int, limit: float, attempts: int, out) -> None:
    """bench/village.py's village and more open missions in a fresh SQLite file, then plan_board and its API
    response, timed whole, for each departure, `attempts` times (the first on a cold database cache)."""
    import tempfile
    from datetime import timedelta

    import village

    from missiondesk.adapters.web.plan_schemas import PlanRead  # (and the planner, as the web app does)
    from missiondesk.config import Settings
    from missiondesk.runtime import start
    from missiondesk.services import auth, plans

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/village.db"
        t0 = time.perf_counter()
        village.build(url, 10_000, seed, audit_entries=1_000, out=lambda *_: None)
        open_missions = _more_missions(url, seed)
        out.put({"built": time.perf_counter() - t0, "open": open_missions})
        rt = start(Settings(database_url=url), migrate_schema=False, bootstrap=False)
        try:
            hokage = auth.caller_for_username(rt.uow, "hokage")
            for hours in SERVICE_DEPARTURES:
                for attempt in range(1, attempts + 1):
                    t0 = time.perf_counter()
                    p = plans.plan_board(rt.uow, hokage, departs_at=village.NOW + timedelta(hours=hours),
                                         policy=rt.policy, time_limit=limit)
                    call = time.perf_counter() - t0
                    body = PlanRead.of(p).model_dump_json()
                    whole = time.perf_counter() - t0
                    out.put({"hours": hours, "attempt": attempt, "call": call, "whole": whole, "bytes": len(body),
                             "teams": len(p.teams), "left_empty": len(p.left_empty), "left_out": len(p.left_out),
                             "reasons": [x.reason for x in p.left_out[:3]], "gap": p.gap,
                             "pairs": p.eligible_pairs, "stats": p.stats})
        finally:
            rt.close()
    out.put(None)


def run_service(seed: int, limit: float, attempts: int, timeout: float) -> list[dict] | None:
    """The service's plan in a fresh process; its measurements, or None when the child fails."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    child = ctx.Process(target=_service_job, args=(seed, limit, attempts, out))
    child.start()
    got: list[dict] = []
    try:
        while (item := out.get(timeout=timeout)) is not None:
            got.append(item)
    except queue.Empty:
        got = []
    child.join(timeout=30)
    if child.is_alive():
        child.kill()
        child.join()
    return got if child.exitcode == 0 and got else None


def service(seed: int, attempts: int, missed: list[str]) -> None:
    limit = SERVICE_LIMIT
    print(f"\n== the board plan through the service: plan_board and its response, limit {limit:g}s "
          f"(+{overrun(limit):g}s for the response) ==", flush=True)
    got = run_service(seed, limit, attempts, timeout=600)
    if got is None:
        print("the service's plan failed")
        missed.append("the service's plan failed")
        return
    built = got.pop(0)
    print(f"bench/village.py's village, 10,000 shinobi, {built['open']} open missions: written in "
          f"{built['built']:.0f}s")
    print(f"{'departure':<14}{'call':>6}{'whole':>8}{'reads':>8}{'pairs':>7}{'planner':>9}{'response':>10}"
          f"{'teams':>7}{'empty':>7}{'out':>5}{'gap':>9}")
    for r in got:
        st = r["stats"]
        print(f"{'dawn + ' + format(r['hours'], 'g') + ' h':<12}#{r['attempt']}{r['call']:>6.2f}s{r['whole']:>7.2f}s"
              f"{st['time_reads']:>7.2f}s{st['time_pairs']:>6.2f}s{st.get('time_total', 0.0):>8.2f}s"
              f"{r['whole'] - r['call']:>9.3f}s{r['teams']:>7}{r['left_empty']:>7}{r['left_out']:>5}{r['gap']:>9.5f}")
        if r["whole"] > limit + overrun(limit):
            missed.append(f"service plan, dawn + {r['hours']:g} h (call {r['attempt']}): the whole call took "
                          f"{r['whole']:.2f}s (limit {limit:g}s + {overrun(limit):g}s)")
        print(f"{'':<14}planner: " + ", ".join(f"{k[5:]} {v:.2f}s" for k, v in st.items()
                                                 if k.startswith("time_") and k[5:] in PHASES)
              + f"; of a budget of {st.get('time_budget', float('nan')):.2f}s")
    out = [r for r in got if r["left_out"]]
    if out:
        print(f"left out, e.g.: {'; '.join(out[0]['reasons'])} (of {out[0]['left_out']} at dawn + "
              f"{out[0]['hours']:g} h)")


def run(kind: str, n_m: int, n_s: int, seed: int, limit: float, timeout: float) -> dict | None:
    """One measurement in a fresh process (clean peak RSS); None when the child fails."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    child = ctx.Process(target=_job, args=(kind, n_m, n_s, seed, limit, out))
    child.start()
    try:
        result = out.get(timeout=timeout)
    except queue.Empty:
        result = None
    child.join(timeout=30)
    if child.is_alive():
        child.kill()
        child.join()
    return result if child.exitcode == 0 else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small villages, a few seconds (CI)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-full", action="store_true", help="skip the full CP-SAT model")
    ap.add_argument("--no-recommend", action="store_true", help="skip bench/recommend.py (one mission, 10,000)")
    ap.add_argument("--no-service", action="store_true", help="skip the service's plan (10,000 shinobi, 300 open)")
    args = ap.parse_args()
    recommend_failed = False
    if not args.no_recommend:  # the one-mission recommendation first, in its own process
        print("== one mission: bench/recommend.py ==", flush=True)
        here = os.path.dirname(os.path.abspath(__file__))
        recommend_failed = subprocess.run([sys.executable, os.path.join(here, "recommend.py"),
                                           *(["--quick"] if args.quick else []), "--seed", str(args.seed)],
                                          check=False).returncode != 0
        print("\n== the whole board ==")
    if args.quick:
        cases = [("plentiful", 1000, 5000, 1.5, PLENTIFUL_RATIO, PLENTIFUL_SECONDS),
                 ("scarce", 1000, 2000, 2.0, SCARCE_RATIO, SCARCE_SECONDS)]
        full_limit = 2.0
    else:
        cases = [("plentiful", 2000, 10000, 2.5, PLENTIFUL_RATIO, PLENTIFUL_SECONDS),
                 ("scarce", 2000, 4000, 9.0, SCARCE_RATIO, SCARCE_SECONDS)]
        full_limit = 30.0
    print(f"{'board':<22}{'method':<26}{'pairs':>10}{'value':>13}{'/ bound':>9}{'seconds':>9}"
          f"{'peak RSS':>10}{'staffed':>9}")
    missed: list[str] = ["one-mission recommendation (bench/recommend.py, above)"] if recommend_failed else []

    def line(board: str, method: str, r: dict | None, bound: float) -> None:
        if r is None:
            print(f"{board:<22}{method:<26}  failed (out of memory or time)")
            return
        print(f"{board:<22}{method:<26}{r['pairs']:>10,}{r['value']:>13,.1f}{r['value'] / bound:>9.5f}"
              f"{r['seconds']:>8.2f}s{r['peak_mb']:>8.0f}MB{r['staffed']:>9}")

    for name, n_m, n_s, limit, target_ratio, target_seconds in cases:
        board = f"{name} {n_m}x{n_s}"
        plan = run("plan", n_m, n_s, args.seed, limit, timeout=600)
        if plan is None:
            print(f"{board:<22}solve_plan failed")
            missed.append(f"{board}: solve_plan failed")
            continue
        bound = plan["bound"]
        line(board, f"solve_plan (limit {limit:g}s)", plan, bound)
        st = plan["stats"]
        print(f"{'':<22}  bound {bound:,.1f} (flow {st['flow_value'] / bound:.6f} of it, {st['relax_rounds']:.0f} "
              f"rounds); dive {st['dive_value'] / bound:.5f}, CP-SAT +{st['lns_gain']:.1f} in "
              f"{st['lns_solves']:.0f} models; {st['left_out']:.0f} left out (too few eligible)")
        print(f"{'':<22}  peak RSS {plan['peak_mb']:.0f}MB: {plan['generated_mb']:.0f}MB by the end of the "
              f"generation, {plan['call_peak_mb']:.0f}MB during the planning call (VmHWM reset after generation, "
              f"input arrays included)")
        line(board, "greedy", run("greedy", n_m, n_s, args.seed, 0.0, timeout=600), bound)
        ratio, seconds = plan["value"] / bound, plan["seconds"]
        if ratio < target_ratio or seconds >= target_seconds:
            missed.append(f"{board}: {ratio:.5f} of the bound in {seconds:.2f}s "
                          f"(target >= {target_ratio} in < {target_seconds:g}s)")
        if seconds > limit + overrun(limit):
            missed.append(f"{board}: the call took {seconds:.2f}s (limit {limit:g}s + {overrun(limit):g}s)")
        if name == "plentiful" and plan["peak_mb"] >= PEAK_MB:
            missed.append(f"{board}: peak RSS {plan['peak_mb']:.0f}MB (target < {PEAK_MB:.0f}MB)")
        if args.no_full:
            continue
        full = run("full", n_m, n_s, args.seed, full_limit, timeout=full_limit + 900)
        if full is not None:
            line(board, f"full CP-SAT ({full_limit:g}s)", full, bound)
            build = full["stats"].get("time_build", float("nan"))
            found = "found a plan" if full["stats"].get("found") else "found no plan (the empty plan is shown)"
            print(f"{'':<22}  full CP-SAT: model built in {build:.1f}s, {found} in {full_limit:g}s "
                  f"(CP-SAT wall {full['stats'].get('cpsat_wall', float('nan')):.1f}s)")
            continue
        half_m, half_s = n_m // 2, n_s // 2
        print(f"{board:<22}{'full CP-SAT':<26}  could not be built or run in memory; "
              f"trying {half_m}x{half_s}")
        small = f"{name} {half_m}x{half_s}"
        plan2 = run("plan", half_m, half_s, args.seed, limit, timeout=600)
        full = run("full", half_m, half_s, args.seed, full_limit, timeout=full_limit + 900)
        if plan2 is not None:
            line(small, f"solve_plan (limit {limit:g}s)", plan2, plan2["bound"])
            line(small, f"full CP-SAT ({full_limit:g}s)", full, plan2["bound"])
    if not args.no_service:
        service(args.seed, 1 if args.quick else 2, missed)
    print()
    print(f"targets: plentiful >= {PLENTIFUL_RATIO} of the bound in < {PLENTIFUL_SECONDS:g}s and peak RSS < "
          f"{PEAK_MB:.0f}MB; scarce >= {SCARCE_RATIO} in < {SCARCE_SECONDS:g}s; every call within its limit "
          f"(+ max(5 %, 0.2 s)), the service's plan (300 open missions, 10,000 shinobi) too")
    for m in missed:
        print("MISSED:", m)
    print("all targets met" if not missed else f"{len(missed)} target(s) missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
