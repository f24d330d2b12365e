"""Fitness of one shinobi with 7 days of sleep log, in process (service call, SQLite): target < 5 ms median.

Seeds a fresh SQLite database with a shinobi, seven nights of sleep and a nap, a rest order and a
welfare hold, and an S-rank mission; then times `services.fitness.check_fitness` (the whole use case:
authorisation, the reads, both fatigue models, every rule) against `services.roster.get_shinobi` (a
trivial read through the same unit of work) in the same run. Exit 1 when the target is missed.
--quick (for CI): 100 runs instead of 500.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from missiondesk.config import Settings
from missiondesk.domain.gate import Direction
from missiondesk.domain.medical import RestrictionKind
from missiondesk.domain.ranks import Classification, MissionRank, Role, ShinobiRank
from missiondesk.runtime import start
from missiondesk.services import auth, fitness, gate, medical, missions, roster

TARGET_MS = 5.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=None, help="timed calls (default 500; 100 with --quick)")
    ap.add_argument("--quick", action="store_true", help="fewer runs (CI)")
    args = ap.parse_args()
    runs = args.runs if args.runs is not None else 100 if args.quick else 500
    with tempfile.TemporaryDirectory() as tmp:
        rt = start(Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}", bootstrap_password="bench-pass-1234"))
        now = datetime(2026, 3, 14, 6, 30, tzinfo=UTC)
        hokage = auth.caller_for_username(rt.uow, "hokage")
        cmd = roster.AddShinobi("Sakura", ShinobiRank.JONIN, Classification.TOP_SECRET)
        s = roster.add_shinobi(rt.uow, hokage, cmd, now).id
        for day in range(7, 0, -1):
            start_ = now.replace(hour=23, minute=0) - timedelta(days=day)
            medical.log_sleep(rt.uow, hokage, s, start_, start_ + timedelta(hours=6), now, policy=rt.policy)
        medical.log_sleep(rt.uow, hokage, s, now - timedelta(hours=1, minutes=30), now - timedelta(hours=1), now,
                          policy=rt.policy)
        medical.add_restriction(rt.uow, hokage, s, medical.AddRestriction(RestrictionKind.REST, "shoulder",
                                                                          now - timedelta(hours=3)), now,
                                policy=rt.policy)
        medical.add_hold(rt.uow, hokage, s, "squad lost", now - timedelta(days=100), now, policy=rt.policy)
        for direction, when in ((Direction.OUT, now - timedelta(days=7)), (Direction.IN, now - timedelta(hours=3))):
            gate.log_gate(rt.uow, hokage, gate.GateEntry(direction, when, (s,)), when, policy=rt.policy)
        m = missions.post_mission(rt.uow, hokage, missions.PostMission("Strike", MissionRank.S, "assassination"),
                                  now).mission.id
        # the clerk asks, as at the desk (the hokage's own checks add an audit entry each: see the README)
        roster.add_shinobi(rt.uow, hokage, roster.AddShinobi("Iruka", ShinobiRank.CHUNIN, Classification.TOP_SECRET,
                                                             account=roster.NewAccount("iruka", "chalk-and-scrolls",
                                                                                       (Role.CLERK,))), now)
        clerk = auth.caller_for_username(rt.uow, "iruka")
        verdict = fitness.check_fitness(rt.uow, clerk, s, mission_id=m, at=now, policy=rt.policy)
        assert {r.code.value for r in verdict.reasons} >= {"MEDICAL_REST", "WELFARE_HOLD", "REST_PERIOD",
                                                           "DUTY_LIMIT"}, verdict
        for _ in range(20):
            fitness.check_fitness(rt.uow, clerk, s, mission_id=m, at=now, policy=rt.policy)
            roster.get_shinobi(rt.uow, clerk, s)
        fit_times, base_times = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            roster.get_shinobi(rt.uow, clerk, s)
            base_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            fitness.check_fitness(rt.uow, clerk, s, mission_id=m, at=now, policy=rt.policy)
            fit_times.append(time.perf_counter() - t0)
        rt.close()
    f, b = statistics.median(fit_times) * 1000, statistics.median(base_times) * 1000
    print(f"check_fitness (7 days of sleep, a week's trip, S-rank, every rule)  median {f:6.2f} ms  "
          f"(target < {TARGET_MS} ms)")
    print(f"get_shinobi (trivial read, same unit of work)        median {b:6.2f} ms")
    print(f"ratio: {f / b:.1f}x the trivial read   {'OK' if f < TARGET_MS else 'MISSED'}")
    return 0 if f < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
