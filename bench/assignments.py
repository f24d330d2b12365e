"""POST /missions/{id}/assignments for a team of four, against a trivial authenticated GET.

Starts `missiondesk serve` on a fresh SQLite file (or, with --database, a fresh database on that
PostgreSQL server), seeds four shinobi with seven days of sleep each, then alternates over loopback:
GET /auth/me (the baseline) and POST an assignment of the four to a fresh D mission (timed), then
reports it to free the team (not timed). Prints the medians and their ratio; target: ratio ≤ 5.
Exit 1 when missed.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from race import PASSWORD, database, start_server  # noqa: E402

TARGET = 5.0


def measure(base: str, rounds: int) -> tuple[list[float], list[float]]:
    token = httpx.post(base + "/auth/token", json={"username": "hokage", "password": PASSWORD}).json()
    c = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=30)
    # the server runs on the real clock: the team leaves this minute and is back (reported) at once
    depart = datetime.now(UTC).replace(second=0, microsecond=0)
    team = []
    for i in range(4):
        sid = c.post("/shinobi", json={"name": f"Bench {i}", "rank": "jonin"}).json()["id"]
        for d in range(7):  # a week of nights, the last ending two hours before the departure
            start = depart - timedelta(days=d, hours=10)
            c.post(f"/shinobi/{sid}/sleep", json={"start": start.isoformat(),
                                                  "end": (start + timedelta(hours=8)).isoformat()})
        team.append(sid)
    posted = (depart - timedelta(days=1)).isoformat()
    missions = [c.post("/missions", json={"title": f"M{i}", "rank": "D", "kind": "chores", "min_team_size": 4,
                                          "posted_at": posted}).json()["id"] for i in range(rounds)]
    for _ in range(20):  # warm up
        c.get("/auth/me")
    get_times, post_times = [], []
    for m in missions:
        t0 = time.perf_counter()
        r = c.get("/auth/me")
        get_times.append(time.perf_counter() - t0)
        assert r.status_code == 200, r.text
        t0 = time.perf_counter()
        r = c.post(f"/missions/{m}/assignments", json={"shinobi_ids": team, "departs_at": depart.isoformat()})
        post_times.append(time.perf_counter() - t0)
        assert r.status_code == 201, r.text
        r = c.post(f"/missions/{m}/report", json={"outcome": "success", "at": datetime.now(UTC).isoformat()})
        assert r.status_code == 201, r.text
    return get_times, post_times


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--database", help="a PostgreSQL server URL (default: a fresh SQLite file)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="md-bench-"))
    with database(args.database, tmp) as (_url, _dsn):
        proc, base = start_server(_url, tmp)
        try:
            get_times, post_times = measure(base, args.rounds)
        finally:
            proc.terminate()
            proc.wait(10)
    g, p = statistics.median(get_times), statistics.median(post_times)
    ratio = p / g
    print(f"engine: {'postgresql' if args.database else 'sqlite'}   rounds: {args.rounds}")
    print(f"GET /auth/me (baseline)            median {g * 1000:7.2f} ms   p95 "
          f"{statistics.quantiles(get_times, n=20)[-1] * 1000:7.2f} ms")
    print(f"POST assignments (team of four)     median {p * 1000:7.2f} ms   p95 "
          f"{statistics.quantiles(post_times, n=20)[-1] * 1000:7.2f} ms")
    print(f"ratio POST/GET: {ratio:.2f}  (target ≤ {TARGET:.0f})  {'OK' if ratio <= TARGET else 'MISSED'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
