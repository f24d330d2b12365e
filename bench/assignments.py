"""POST /missions/{id}/assignments for a team of four, against a trivial authenticated GET.

Starts `missiondesk serve` on a fresh SQLite file (or --database URL), seeds four shinobi with
seven days of sleep each, then alternates, over loopback: GET /auth/me (the baseline) and
POST an assignment of the four to a fresh D mission (timed), then reports it to free the team
(not timed). Prints the medians and their ratio; target: ratio ≤ 5. Exit 1 when missed.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

PASSWORD = "bench-password-1"
TARGET = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="md-bench-")
    url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
    port = free_port()
    exe = shutil.which("missiondesk") or str(Path(sys.executable).parent / "missiondesk")
    env = {**os.environ, "MISSIONDESK_DATABASE_URL": url, "MISSIONDESK_BOOTSTRAP_PASSWORD": PASSWORD}
    proc = subprocess.Popen([exe, "serve", "--port", str(port)], cwd=tmp, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        token = httpx.post(base + "/auth/token", json={"username": "hokage", "password": PASSWORD}).json()
        c = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=30)
        depart = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        team = []
        for i in range(4):
            sid = c.post("/shinobi", json={"name": f"Bench {i}", "rank": "jonin"}).json()["id"]
            for d in range(1, 8):
                start = depart - timedelta(days=d, hours=10)
                c.post(f"/shinobi/{sid}/sleep", json={"start": start.isoformat(),
                                                      "end": (start + timedelta(hours=8)).isoformat()})
            team.append(sid)
        missions = [c.post("/missions", json={"title": f"M{i}", "rank": "D", "kind": "chores", "min_team_size": 4}
                           ).json()["id"] for i in range(args.rounds)]
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
            c.post(f"/missions/{m}/report", json={"outcome": "success", "at": depart.isoformat()})
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    g, p = statistics.median(get_times), statistics.median(post_times)
    ratio = p / g
    print(f"engine: {url.split(':', 1)[0]}   rounds: {args.rounds}")
    print(f"GET /auth/me (baseline)            median {g * 1000:7.2f} ms   p95 "
          f"{statistics.quantiles(get_times, n=20)[-1] * 1000:7.2f} ms")
    print(f"POST assignments (team of four)     median {p * 1000:7.2f} ms   p95 "
          f"{statistics.quantiles(post_times, n=20)[-1] * 1000:7.2f} ms")
    print(f"ratio POST/GET: {ratio:.2f}  (target ≤ {TARGET:.0f})  {'OK' if ratio <= TARGET else 'MISSED'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
