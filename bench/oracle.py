"""Timing oracle: can one request tell a hidden mission from an absent one by how long its 404 takes?

Issue 13, item 5: the first release answered both with the same 404, but the hidden one about 5 ms later
(its `authz.denied` audit entry was written on the request path), and one request told them apart 85 % of
the time. Now a denial is written by the security journal, off the request path.

What it does
- Starts `missiondesk serve` on a fresh SQLite file (or --database postgresql://…: a fresh database,
  dropped at the end), signs in as the bootstrap hokage, creates a genin (public clearance) and a
  top-secret mission the genin may not see.
- For each probe (GET a mission, GET its brief, POST a team for it), sends --samples requests for the
  hidden id and as many for an absent id, in a seeded random interleaving, after a warm-up, each timed
  on the client (one keep-alive connection, as an attacker would).
- Reports each probe's median latencies and the accuracy of the best single-request classifier: the
  threshold on the latency (either direction) that labels the most samples right. 50 % is chance.
Target: under 60 % for every probe. Exit 1 when a probe reaches it, or when any answer is not the 404.

Usage:  python bench/oracle.py [--quick] [--samples N] [--seed N] [--database postgresql://…]
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PASSWORD = "oracle-bench-password-7"
TARGET = 0.60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def best_accuracy(hidden: list[float], absent: list[float]) -> float:
    """The best accuracy of `latency > t` (or `<= t`) as "hidden", over every threshold t."""
    samples = sorted([(x, 1) for x in hidden] + [(x, 0) for x in absent])
    n, h_total = len(samples), len(hidden)
    best = max(h_total, n - h_total)  # a threshold below everything
    h_below = a_below = 0
    for i, (_, is_hidden) in enumerate(samples):
        h_below += is_hidden
        a_below += 1 - is_hidden
        if i + 1 < n and samples[i + 1][0] == samples[i][0]:
            continue
        right = a_below + (h_total - h_below)  # below: absent, above: hidden
        best = max(best, right, n - right)
    return best / n


def start(database: str, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    exe = shutil.which("missiondesk") or str(Path(sys.executable).parent / "missiondesk")
    env = {**os.environ, "MISSIONDESK_DATABASE_URL": database, "MISSIONDESK_BOOTSTRAP_PASSWORD": PASSWORD,
           "MISSIONDESK_BOOTSTRAP_USER": "hokage"}
    log = open(workdir / "server.log", "w")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen([exe, "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=workdir, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"the server did not start:\n{(workdir / 'server.log').read_text()[-2000:]}")


def token(http: httpx.Client, username: str, password: str) -> dict[str, str]:
    r = http.post("/api/v1/auth/token", json={"username": username, "password": password})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def run(base: str, samples: int, seed: int) -> bool:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=30) as http:
        hokage = token(http, "hokage", PASSWORD)
        r = http.post("/api/v1/shinobi", headers=hokage, json={
            "name": "Konohamaru", "rank": "genin", "account": {"username": "genin", "password": PASSWORD}})
        r.raise_for_status()
        r = http.post("/api/v1/missions", headers=hokage, json={
            "title": "The Root's ledger", "rank": "S", "kind": "assassination", "classification": "top_secret"})
        r.raise_for_status()
        hidden = r.json()["id"]
        http.post(f"/api/v1/missions/{hidden}/brief", headers=hokage, json={"text": "burn after reading"}
                  ).raise_for_status()
        absent = hidden + 1000
        genin = token(http, "genin", PASSWORD)
        me = http.get("/api/v1/auth/me", headers=genin).json()["shinobi_id"]
        probes = {
            "GET /missions/{id}": lambda i: http.get(f"/api/v1/missions/{i}", headers=genin),
            "GET /missions/{id}/brief": lambda i: http.get(f"/api/v1/missions/{i}/brief", headers=genin),
            "POST /missions/{id}/assignments": lambda i: http.post(
                f"/api/v1/missions/{i}/assignments", headers=genin,
                json={"shinobi_ids": [me], "departs_at": "2026-12-31T06:00:00Z"}),
        }
        ok = True
        print(f"{'probe':34} {'hidden p50':>11} {'absent p50':>11} {'accuracy':>9}")
        for name, probe in probes.items():
            for i in range(30):  # warm-up
                probe(hidden if i % 2 else absent)
            order = [hidden] * samples + [absent] * samples
            rng.shuffle(order)
            times: dict[int, list[float]] = {hidden: [], absent: []}
            for target in order:
                t0 = time.perf_counter()
                r = probe(target)
                times[target].append((time.perf_counter() - t0) * 1000)
                if r.status_code != 404:
                    print(f"  {name}: {r.status_code} {r.text[:200]} for {'hidden' if target == hidden else 'absent'}")
                    ok = False
            acc = best_accuracy(times[hidden], times[absent])
            ok &= acc < TARGET
            print(f"{name:34} {statistics.median(times[hidden]):9.2f}ms {statistics.median(times[absent]):9.2f}ms "
                  f"{acc:8.1%}{'' if acc < TARGET else '  <- reaches the target'}")
        denied, after = 0, 0
        while page := http.get("/api/v1/audit", headers=hokage,
                               params={"action": "authz.denied", "after_seq": after, "limit": 1000}).json():
            denied, after = denied + len(page), page[-1]["seq"]
        wanted = (samples + 15) * len(probes)
        print(f"authz.denied entries on the log: {denied} of {wanted} hidden probes (each is still on the record)")
        ok &= denied == wanted
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="300 samples a side (the issue's figure)")
    ap.add_argument("--samples", type=int, default=None)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--database", default=None, help="postgresql://… (default: a fresh SQLite file)")
    args = ap.parse_args()
    samples = args.samples or (300 if args.quick else 1000)
    with tempfile.TemporaryDirectory(prefix="md-oracle-") as tmp:
        workdir = Path(tmp)
        name = None
        if args.database:
            import psycopg

            name = f"md_oracle_{secrets.token_hex(4)}"
            with psycopg.connect(args.database, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            url = args.database.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name
        else:
            url = f"sqlite:///{workdir / 'oracle.db'}"
        proc, base = start(url, workdir)
        try:
            ok = run(base, samples, args.seed)
        finally:
            proc.terminate()
            proc.wait(15)
            if name:
                import psycopg

                with psycopg.connect(args.database, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print("timing oracle: " + ("ok, every probe under 60 %" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
