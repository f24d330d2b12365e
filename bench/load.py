"""Load over loopback: requests per second and p50/p99 latency, each engine, in a bounded loop.

One `missiondesk serve` on a fresh database (SQLite, or --database for a PostgreSQL server), a
village of 200 shinobi and 300 missions; then three phases of equal length (total at most
--seconds, default 60), each with C client threads: a trivial authenticated GET (/auth/me, the
baseline), reading the board (GET /missions), and assigning teams of four (each followed, untimed,
by the report that frees the team again). Prints one line per phase and the ratios to the baseline.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from servers import Server, fresh_database  # noqa: E402

PASSWORD = "load-bench-password-1"  # noqa: S105 - the bootstrap hokage of a throwaway database


def phase(name: str, seconds: float, threads: int, work) -> dict:
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def run(k: int) -> None:
        rnd = random.Random(k)
        mine = []
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            ok = work(k, rnd)
            mine.append(time.perf_counter() - t0)
            if not ok:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    ts = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    t0 = time.perf_counter()
    [t.start() for t in ts]
    [t.join() for t in ts]
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    return {"name": name, "n": len(latencies), "rps": len(latencies) / wall, "p50": q[49] * 1000,
            "p99": q[98] * 1000, "errors": errors[0]}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", help="a PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--seconds", type=float, default=60, help="total, at most 60")
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    seconds = min(args.seconds, 60) / 3
    tmp = Path(tempfile.mkdtemp(prefix="md-load-"))
    with fresh_database(args.database, tmp) as url, Server(url, tmp, bootstrap_password=PASSWORD) as server:
        h = {"Authorization": f"Bearer {server.token('hokage', PASSWORD)}"}
        with httpx.Client(base_url=server.api, headers=h, timeout=60) as seed:
            people = [seed.post("/shinobi", json={"name": f"S{i}", "rank": "jonin"}).json()["id"] for i in range(200)]
            missions = [seed.post("/missions", json={"title": f"M{i}", "rank": "D", "kind": "chores",
                                                     "min_team_size": 4}).json()["id"] for i in range(300)]
        clients = [httpx.Client(base_url=server.api, headers=h, timeout=60) for _ in range(args.threads)]
        teams = [people[i * 4:(i + 1) * 4] for i in range(len(people) // 4)]  # disjoint teams, one per thread slot

        def trivial(k, _rnd):
            return clients[k].get("/auth/me").status_code == 200

        def board(k, _rnd):
            return clients[k].get("/missions").status_code == 200

        per_thread = len(missions) // args.threads

        def assign(k, rnd):
            m = missions[k * per_thread + rnd.randrange(per_thread)]
            team = teams[k]
            r = clients[k].post(f"/missions/{m}/assignments", json={"shinobi_ids": team})
            if r.status_code == 201:
                # the server runs on the real clock: a report is not dated after now
                clients[k].post(f"/missions/{m}/report", json={"outcome": "success",
                                                               "at": datetime.now(UTC).isoformat()})
                return True
            return r.status_code == 409  # the mission was taken earlier in the run: a refusal, not an error

        try:
            results = [phase("GET /auth/me (baseline)", seconds, args.threads, trivial),
                       phase("GET /missions (the board, 300 missions)", seconds, args.threads, board),
                       phase("POST assignments (team of four)", seconds, args.threads, assign)]
        finally:
            for c in clients:
                c.close()
    shutil.rmtree(tmp, ignore_errors=True)
    base_line = results[0]
    engine = "postgresql" if args.database else "sqlite"
    print(f"engine: {engine}, {args.threads} client threads, {seconds:.0f} s per phase")
    for r in results:
        print(f"  {r['name']:<42} {r['rps']:8.1f} req/s   p50 {r['p50']:7.2f} ms   p99 {r['p99']:7.2f} ms   "
              f"({r['n']} requests, {r['errors']} errors; p50 {r['p50'] / base_line['p50']:.1f}x baseline)")
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
