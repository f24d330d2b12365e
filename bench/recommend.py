"""One-mission recommendation at 10,000 shinobi (`missiondesk.services.risk.choose`), in process.

Run: python bench/recommend.py [--quick] [--shinobi N] [--seed N]   (bench/plan.py runs it first)

A generated village (seeded): 10,000 shinobi of every rank with a realistic spread of what keeps
people home (3 % under a rest order, 2 % on light duty, 2 % on a welfare hold, 8 % on an unreported
mission, 1 % fallen or missing), clearances, specialties (medics, sensors, the missions' kinds), and
7 days of sleep each (a night, sometimes a nap: about 9 episodes, 80,000 in all) but for 10 % who log
nothing. Half the village has been through the gate in the last ten days (a trip of 4 hours to 8 days,
some not back yet): the rest period and the duty limit judge them, and where no sleep is logged the
estimate from the gate log stands in for it. The missions: one per rank D..S, each against an
opposition, classification and team size.

What is timed, median of repeated runs per mission, the village's facts already read (as columns,
the form `RosterFacts` holds them in):

* recommend: everything the desk computes after reading the records — the fatigue model for all
  10,000, every individual fitness rule for all 10,000, each one's strength for the mission, and
  the selection. Target < 50 ms.
* selection: `select_team` alone, once the eligible and their strengths are known. Target < 1 ms.

Printed beside them, from the same run: a trivial numpy call (the floor), building the columns from
per-shinobi facts objects (`RosterFacts.of`, what the service adds after its queries), and the
per-shinobi baseline: `assess` for each shinobi (its fatigue from its own history, logged or
estimated) and a Python sort of the eligible (how the desk did it before), with the ratio. The fast
path's eligible set is checked against that baseline's, shinobi by shinobi, and the team against its
strongest members.

Exit 1 when a target is missed. --quick (CI): fewer repetitions; the village stays at 10,000. This
machine's speed drifts (the same code measured 26 ms and 44 ms an hour apart, the per-shinobi path
moving with it), so in --quick the 50 ms is printed but what fails the run is the ratio measured in
the same run: recommend at least 20x faster than the per-shinobi path (about 75x seen), and the
selection under 1 ms as always. A full run holds the 50 ms itself.

--service [--database URL]: the same village written to a database (SQLite in a temporary folder, or
the URL given; its shinobi and sleep log, bulk-inserted) and `services.risk.recommend` timed end to
end, reads included: printed, with no target (the issue's targets are for the computation above).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
from fatigue import median_time  # noqa: E402 - bench/fatigue.py's timer

from missiondesk.domain import risk  # noqa: E402
from missiondesk.domain.fatigue import SleepEpisode  # noqa: E402
from missiondesk.domain.fitness import FitnessPolicy, RosterFacts, ShinobiFacts, assess, fatigue_of  # noqa: E402
from missiondesk.domain.gate import Direction, GateEvent  # noqa: E402
from missiondesk.domain.medical import Restriction, RestrictionKind, RestrictionStatus, WelfareHold  # noqa: E402
from missiondesk.domain.missions import Mission  # noqa: E402
from missiondesk.domain.ranks import (  # noqa: E402
    Classification,
    MissionRank,
    MissionStatus,
    ShinobiRank,
    ShinobiStatus,
)
from missiondesk.domain.roster import (
    RosterPeople,  # noqa: E402
    Shinobi,  # noqa: E402
)
from missiondesk.services.fitness import mission_facts  # noqa: E402
from missiondesk.services.risk import Village, choose  # noqa: E402

DEPARTS = datetime(2026, 3, 14, 6, 30, tzinfo=UTC)
RECOMMEND_TARGET_MS = 50.0
SELECTION_TARGET_MS = 1.0
QUICK_RATIO = 20.0  # recommend against the per-shinobi path, same run (issue 12: at least 20x)
KINDS = ("escort", "recon", "assassination", "retrieval", "chores")
RANKS = [(ShinobiRank.GENIN, 0.35), (ShinobiRank.CHUNIN, 0.35), (ShinobiRank.SPECIAL_JONIN, 0.1),
         (ShinobiRank.JONIN, 0.19), (ShinobiRank.ACADEMY, 0.01)]
CLEARANCES = [(Classification.PUBLIC, 0.5), (Classification.CONFIDENTIAL, 0.3), (Classification.SECRET, 0.15),
              (Classification.TOP_SECRET, 0.05)]
MISSIONS = [  # rank, kind, classification, team size, threat, count
    (MissionRank.D, "chores", Classification.PUBLIC, 1, risk.Threat.NONE, 0),
    (MissionRank.C, "escort", Classification.PUBLIC, 3, risk.Threat.BANDITS, 8),
    (MissionRank.B, "recon", Classification.CONFIDENTIAL, 3, risk.Threat.CHUNIN, 3),
    (MissionRank.A, "retrieval", Classification.SECRET, 4, risk.Threat.JONIN, 2),
    (MissionRank.S, "assassination", Classification.SECRET, 4, risk.Threat.KAGE, 1),
]


def weighted(rnd: random.Random, pairs):
    return rnd.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def make_village(n: int, seed: int) -> tuple[list[Shinobi], list[ShinobiFacts]]:
    rnd = random.Random(seed)
    people, facts = [], []
    day0 = DEPARTS.replace(hour=0, minute=0) - timedelta(days=7)
    for i in range(n):
        sid = i + 1
        rank, clearance = weighted(rnd, RANKS), weighted(rnd, CLEARANCES)
        specialties = tuple(rnd.sample(["medical-ninjutsu", "sensor", *KINDS], rnd.choice([0, 0, 1, 1, 2])))
        u = rnd.random()
        status = ShinobiStatus.KIA if u < 0.007 else ShinobiStatus.MIA if u < 0.01 else ShinobiStatus.ACTIVE
        restrictions, holds = [], []
        u = rnd.random()
        if u < 0.05:
            kind = RestrictionKind.REST if u < 0.03 else RestrictionKind.LIGHT_DUTY
            restrictions.append(Restriction(id=sid, shinobi_id=sid, kind=kind, status=RestrictionStatus.RECOMMENDED,
                                            reason="injury", starts_at=DEPARTS - timedelta(days=2)))
        if rnd.random() < 0.02:
            holds.append(WelfareHold(id=sid, shinobi_id=sid, reason="squad lost", since=DEPARTS - timedelta(days=30)))
        gate: tuple[GateEvent, ...] = ()
        if rnd.random() < 0.5:  # through the gate in the last ten days; some not back yet
            out = DEPARTS - timedelta(hours=rnd.uniform(6, 240))
            back = out + timedelta(hours=rnd.uniform(4, 200))
            gate = (GateEvent(2 * sid, Direction.OUT, out),)
            if back < DEPARTS:
                gate += (GateEvent(2 * sid + 1, Direction.IN, back),)
        sleep = []
        for d in range(7 if rnd.random() >= 0.1 else 0):
            night = day0 + timedelta(days=d, hours=22 + rnd.uniform(-1.5, 2.0))
            sleep.append(SleepEpisode(night, night + timedelta(hours=rnd.uniform(3.5, 9.0))))
            if rnd.random() < 0.3:
                nap = day0 + timedelta(days=d + 1, hours=rnd.uniform(12, 16))
                sleep.append(SleepEpisode(nap, nap + timedelta(minutes=rnd.uniform(15, 90))))
        people.append(Shinobi(id=sid, name=f"Shinobi {sid}", rank=rank, clearance=clearance, status=status,
                              specialties=specialties))
        facts.append(ShinobiFacts(id=sid, name=f"Shinobi {sid}", rank=rank, clearance=clearance, status=status,
                                  on_assignment=rnd.random() < 0.08,
                                  last_gate_direction=gate[-1].direction.value if gate else None,
                                  restrictions=tuple(restrictions), holds=tuple(holds), sleep=tuple(sleep),
                                  gate=gate))
    return people, facts


def missions() -> list[Mission]:
    return [Mission(id=j + 1, title=f"{r.value}-rank {k}", rank=r, kind=k, classification=c,
                    reward_ryo={"D": 20_000, "C": 80_000, "B": 150_000, "A": 600_000, "S": 2_000_000}[r.value],
                    min_team_size=size, status=MissionStatus.OPEN, posted_at=DEPARTS, threat=t, threat_count=n)
            for j, (r, k, c, size, t, n) in enumerate(MISSIONS)]


def median_ms(fn, runs: int) -> float:
    return median_time(fn, runs) * 1000


def baseline(people: list[Shinobi], facts: list[ShinobiFacts], m: Mission, policy: FitnessPolicy):
    """The per-shinobi path: `assess` one by one (fatigue from each one's history, logged or estimated), a
    Python sort of the eligible."""
    mf = mission_facts(m)
    eligible = []
    for s, f in zip(people, facts, strict=True):
        e = fatigue_of(f, DEPARTS, policy)
        if not assess(f, mf, DEPARTS, policy, e).reasons:
            member = risk.Member(s.id, s.rank, s.specialties, e.effectiveness)
            eligible.append((risk.strength(member, m.kind), s.id))
    eligible.sort(key=lambda c: (-c[0], c[1]))
    return eligible


def service(people: list[Shinobi], facts: list[ShinobiFacts], database: str | None, runs: int) -> None:
    """`services.risk.recommend` end to end on a database holding this village."""
    import tempfile

    from sqlalchemy import insert

    from missiondesk.adapters.db import sleep_digest
    from missiondesk.adapters.db.tables import ShinobiRow, SleepEpisodeRow
    from missiondesk.config import Settings
    from missiondesk.runtime import start
    from missiondesk.services import auth
    from missiondesk.services import missions as mission_service
    from missiondesk.services import risk as risk_service

    with tempfile.TemporaryDirectory() as folder:
        url = database or f"sqlite:///{folder}/village.db"
        rt = start(Settings(database_url=url, bootstrap_user="hokage", bootstrap_password="bench-only-password-1"))
        try:
            offset = 1000  # past the hokage's row
            with rt.uow.begin(write=True) as tx:
                tx.session.execute(insert(ShinobiRow), [
                    {"id": offset + p.id, "name": p.name, "rank": p.rank.value, "clearance": p.clearance.value,
                     "status": p.status.value, "divisions": [], "specialties": list(p.specialties),
                     "created_at": DEPARTS} for p in people])
                tx.session.execute(insert(SleepEpisodeRow), [
                    {"shinobi_id": offset + f.id, "start_at": e.start, "end_at": e.end, "logged_by": None,
                     "logged_at": DEPARTS} for f in facts for e in f.sleep])
                sleep_digest.rebuild(tx.session.connection())  # what logging each episode keeps
                tx.commit()
            hokage = auth.caller_for_username(rt.uow, "hokage")
            print(f"\nservice, end to end on {url.split(':')[0]} ({len(people):,} shinobi and their sleep log "
                  "written; no restrictions, holds, gate events or assignments in the tables):")
            for m in missions():
                post = mission_service.PostMission(title=m.title, rank=m.rank, kind=m.kind,
                                                   classification=m.classification, reward_ryo=m.reward_ryo,
                                                   min_team_size=m.min_team_size, threat=m.threat,
                                                   threat_count=m.threat_count)
                mid = mission_service.post_mission(rt.uow, hokage, post, DEPARTS).mission.id
                ms = median_ms(lambda mid=mid: risk_service.recommend(rt.uow, hokage, mid, departs_at=DEPARTS,
                                                                      policy=rt.policy), runs)
                print(f"  {m.title:<24} recommend {ms:>7.0f} ms")
        finally:
            rt.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (CI)")
    ap.add_argument("--shinobi", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--service", action="store_true", help="also time the service end to end on a database")
    ap.add_argument("--database", help="for --service: a database URL (default: SQLite in a temporary folder)")
    args = ap.parse_args()
    # the per-shinobi baseline takes seconds a run: once in --quick (CI), whose ratio target leaves a wide margin
    runs, base_runs = (7, 1) if args.quick else (31, 5)
    policy = FitnessPolicy()
    t0 = time.perf_counter()
    people, facts = make_village(args.shinobi, args.seed)
    episodes = sum(len(f.sleep) for f in facts)
    travelled = sum(1 for f in facts if f.gate)
    print(f"village: {len(people):,} shinobi, {episodes:,} sleep episodes, {travelled:,} through the gate in ten "
          f"days, {sum(1 for f in facts if not f.sleep):,} with no sleep logged (generated in "
          f"{time.perf_counter() - t0:.1f}s)")
    build_ms = median_ms(lambda: RosterFacts.of(facts, DEPARTS), max(3, runs // 4))
    roster = RosterFacts.of(facts, DEPARTS)
    floor_ms = median_ms(lambda: np.flatnonzero(roster.unavailable), runs)
    print(f"floor (one numpy call over the roster): {floor_ms:.3f} ms; building the columns from "
          f"per-shinobi facts (RosterFacts.of): {build_ms:.1f} ms, not in the figures below")
    print()
    print(f"{'mission':<24}{'eligible':>9}{'recommend':>11}{'selection':>11}{'per-shinobi':>13}{'ratio':>7}  team")
    missed = []
    model = risk.PRIOR
    folk = RosterPeople.of(people)  # read as columns, as the service reads them (adapters/db/roster.py)
    for m in missions():
        def full(m=m):
            return choose(Village.of(folk, roster, policy), m, model, policy)

        verdict, strength, chosen = full()
        v = Village.of(folk, roster, policy)
        select_ms = median_ms(lambda m=m, v=v, verdict=verdict, strength=strength: risk.select_team(
            m, model, roster.ids, strength, v.medic, v.sensor, verdict.eligible, risk.casualty_cost(m.rank)),
            runs * 10)
        full_ms = median_ms(full, runs)
        judged: list = []  # the baseline's answer, from the timed runs: it is not run again for the check
        base_ms = median_ms(lambda m=m, judged=judged: judged.append(baseline(people, facts, m, policy)), base_runs)
        # the fast path judges exactly as the per-shinobi rules; the team is eligible and among the strongest
        slow = judged[-1]
        fast_ids = set(roster.ids[verdict.eligible].tolist())
        if fast_ids != {sid for _, sid in slow}:
            missed.append(f"{m.title}: the eligible set differs from assess'")
        team = [int(roster.ids[i]) for i in chosen.team] if chosen else []
        if chosen is not None and not set(team) <= fast_ids:
            missed.append(f"{m.title}: a team member is not eligible")
        label = f"{m.title} (x{m.min_team_size})"
        print(f"{label:<24}{len(fast_ids):>9,}{full_ms:>9.1f}ms{select_ms:>9.3f}ms{base_ms:>11.0f}ms"
              f"{base_ms / full_ms:>6.1f}x  {team}"
              + (f"  P(success) {chosen.estimate.success:.2f}, P(casualty) {chosen.estimate.casualty:.2f}"
                 if chosen else "  (no team)"))
        if full_ms >= RECOMMEND_TARGET_MS:
            miss = f"{m.title}: recommend {full_ms:.1f} ms (target < {RECOMMEND_TARGET_MS:g} ms)"
            if args.quick:
                print(f"  over {RECOMMEND_TARGET_MS:g} ms in a quick run (the machine's pace; a full run decides): "
                      + miss)
            else:
                missed.append(miss)
        if base_ms / full_ms < QUICK_RATIO:
            missed.append(f"{m.title}: recommend only {base_ms / full_ms:.1f}x the per-shinobi path "
                          f"(target >= {QUICK_RATIO:g}x)")
        if select_ms >= SELECTION_TARGET_MS:
            missed.append(f"{m.title}: selection {select_ms:.3f} ms (target < {SELECTION_TARGET_MS:g} ms)")
    if args.service:
        service(people, facts, args.database, max(3, runs // 4))
    print()
    print(f"targets at {args.shinobi:,} shinobi: recommend < {RECOMMEND_TARGET_MS:g} ms including fitness, "
          f"selection < {SELECTION_TARGET_MS:g} ms")
    for m in missed:
        print("MISSED:", m)
    print("all targets met" if not missed else f"{len(missed)} target(s) missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
