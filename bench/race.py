"""Race: two `missiondesk serve` processes on one database, many client processes assigning teams at once.

Each round posts 20 D missions; N client processes (16 on PostgreSQL, 8 on SQLite by default), started
together at a barrier, each make A assignment attempts of random teams of 1–3 of 50 shinobi to random
missions, spread over both servers. Then, from the database itself: zero shinobi on two active
missions, zero missions with two teams, the number of 201 answers equal to the assignment rows the
round wrote, and zero 5xx. The round's missions are then reported, freeing everyone. Exit 1 on any
violation.

  python bench/race.py --database postgresql://127.0.0.1:5432/test      # 16 clients x 200, 10 rounds
  python bench/race.py                                                  # SQLite, 8 clients
  python bench/race.py --quick                                          # CI-sized
"""
from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import random
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx

PASSWORD = "race-bench-password-1"
SHINOBI, MISSIONS = 50, 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def database(server_url: str | None, tmp: Path):
    if not server_url:
        yield f"sqlite:///{tmp / 'race.db'}", None
        return
    import psycopg

    name = f"md_race_{secrets.token_hex(5)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = server_url.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}", f"{base}/{name}"
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server(url: str, tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    exe = shutil.which("missiondesk") or str(Path(sys.executable).parent / "missiondesk")
    env = {**os.environ, "MISSIONDESK_DATABASE_URL": url, "MISSIONDESK_BOOTSTRAP_PASSWORD": PASSWORD}
    proc = subprocess.Popen([exe, "serve", "--port", str(port)], cwd=tmp, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/v1"
    for _ in range(300):
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def client(args: tuple) -> Counter:
    bases, token, missions, people, attempts, seed, barrier = args
    rnd = random.Random(seed)
    statuses: Counter = Counter()
    clients = [httpx.Client(base_url=b, headers={"Authorization": f"Bearer {token}"}, timeout=60) for b in bases]
    barrier.wait()
    for i in range(attempts):
        c = clients[i % len(clients)]
        team = rnd.sample(people, rnd.randint(1, 3))
        try:
            r = c.post(f"/missions/{rnd.choice(missions)}/assignments", json={"shinobi_ids": team})
            statuses[r.status_code] += 1
        except httpx.HTTPError:
            statuses["error"] += 1
    return statuses


def query(url: str, dsn: str | None, sql: str) -> list:
    if dsn is None:
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            return db.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(dsn) as db:
        return db.execute(sql).fetchall()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", help="a PostgreSQL server URL (default: SQLite)")
    ap.add_argument("--clients", type=int)
    ap.add_argument("--attempts", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="CI-sized: 3 rounds of 60 attempts")
    args = ap.parse_args()
    clients_n = args.clients or (16 if args.database else 8)
    if args.quick:
        args.rounds, args.attempts = 3, 60
    tmp = Path(tempfile.mkdtemp(prefix="md-race-"))
    failures: list[str] = []
    totals: Counter = Counter()
    t0 = time.perf_counter()
    with database(args.database, tmp) as (url, dsn):
        servers = [start_server(url, tmp)]
        servers.append(start_server(url, tmp))  # the second finds the schema migrated and the hokage there
        bases = [b for _, b in servers]
        try:
            token = httpx.post(bases[0] + "/auth/token", json={"username": "hokage", "password": PASSWORD}
                               ).json()["access_token"]
            h = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=bases[0], headers=h, timeout=60) as c:
                people = [c.post("/shinobi", json={"name": f"Racer {i}", "rank": "jonin"}).json()["id"]
                          for i in range(SHINOBI)]
                ctx = mp.get_context("spawn")
                with ctx.Pool(clients_n) as pool:
                    for rnd in range(args.rounds):
                        missions = [c.post("/missions", json={"title": f"R{rnd}-M{i}", "rank": "D", "kind": "chores",
                                                              "min_team_size": 1}).json()["id"]
                                    for i in range(MISSIONS)]
                        barrier = ctx.Manager().Barrier(clients_n)
                        jobs = [(bases, token, missions, people, args.attempts, args.seed * 1000 + rnd * 100 + k,
                                 barrier) for k in range(clients_n)]
                        statuses = sum(pool.map(client, jobs), Counter())
                        totals += statuses
                        ids = ",".join(map(str, missions))
                        rows = query(url, dsn, f"SELECT count(*) FROM assignment WHERE mission_id IN ({ids})")[0][0]  # noqa: S608
                        twice = query(url, dsn, "SELECT shinobi_id FROM assignment_member WHERE active "
                                                "GROUP BY shinobi_id HAVING count(*) > 1")
                        teams = query(url, dsn, "SELECT mission_id FROM assignment GROUP BY mission_id "
                                                "HAVING count(*) > 1")
                        five = sum(v for k, v in statuses.items() if isinstance(k, int) and k >= 500)
                        ok = statuses[201] == rows and not twice and not teams and five == 0 and not statuses["error"]
                        print(f"round {rnd + 1:2d}: {sum(statuses.values())} attempts, "
                              f"201×{statuses[201]} = {rows} rows, "
                              f"409×{statuses[409]}, 5xx×{five}, errors×{statuses['error']}, "
                              f"shinobi on two missions: {len(twice)}, missions with two teams: {len(teams)}  "
                              f"{'ok' if ok else 'VIOLATION'}")
                        if not ok:
                            failures.append(f"round {rnd + 1}")
                        back = datetime.now(UTC).isoformat()  # the servers run on the real clock
                        for m in missions:  # free everyone for the next round
                            r = c.post(f"/missions/{m}/report", json={"outcome": "success", "at": back})
                            if r.status_code not in (201, 409):
                                failures.append(f"report {m}: {r.status_code}")
                verify = c.get("/audit/verify").json()
            if not verify["ok"]:
                failures.append(f"audit chain broken at {verify['first_bad_seq']}")
        finally:
            for proc, _ in servers:
                proc.terminate()
                proc.wait(10)
    shutil.rmtree(tmp, ignore_errors=True)
    engine = "postgresql" if args.database else "sqlite"
    print(f"{engine}: 2 servers, {clients_n} clients × {args.attempts} attempts × {args.rounds} rounds = "
          f"{sum(totals.values())} requests in {time.perf_counter() - t0:.1f} s; 201×{totals[201]}, 409×{totals[409]}, "
          f"5xx×{sum(v for k, v in totals.items() if isinstance(k, int) and k >= 500)}; audit chain "
          f"{'ok' if verify['ok'] else 'BROKEN'} ({verify['entries']} entries)")
    print("RESULT: " + ("ok" if not failures else "FAILED " + ", ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
