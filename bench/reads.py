"""Every read of the office on a village at scale: p50/p95 of each API list and each page, against targets.

  python bench/reads.py                                                  # SQLite in a temporary folder
  python bench/reads.py --database postgresql://127.0.0.1:5432/test      # a new md_bench_* database, dropped
  python bench/reads.py --quick                                          # 2,000 shinobi, fewer requests
  python bench/reads.py --reuse sqlite:////tmp/village.db                # a village bench/village.py built

Builds the village (bench/village.py: 10,000 shinobi, 2,300 missions, 140,000 sleep episodes, 100,000 audit
entries, ...), starts `missiondesk serve` on it (bench/servers.py) with MISSIONDESK_CLOCK=2026-03-14T06:20:00Z,
the village's dawn, signs in as the sample accounts (bearer tokens for the API, the /login form for the pages)
and times each GET route of adapters/web/routes/ and each GET page of adapters/web/pages/, as the role the
route's code asks for (the hokage where a role sees more): sequential requests from one keep-alive client per
account, after a warm-up, --requests of each (default 200) or as many as fit in --budget seconds (default 12),
whichever comes first (at least 5: a p95 of fewer than 20 requests is their slowest). Printed per route: the
role, the requests, the HTTP statuses, the response size, p50 and p95 in ms, p95 as a multiple of
/api/v1/health's p95 (the baseline, measured first) and whether it meets the targets: p95 < 100 ms and at
most 10x the health check's p95 (the recommendation: < 100 ms end to end). Any answer but 200 is an error,
listed after the table. Exit 1 when a target is missed or a route errs.

Not timed: /events/alerts (a server-sent event stream, open for minutes by design) and / (a redirect to
/board). Some reads write: GET /missions/{id}/brief records the reading, and a medical record read by the
hokage or a medic is noted on the audit log; they are timed as they are.

The server runs with audit checkpoints on (MISSIONDESK_AUDIT_KEY and a folder in MISSIONDESK_AUDIT_CHECKPOINTS),
as an office with 100,000 entries would: timing starts once it has written its first checkpoint on its own, and
/api/v1/audit/verify and the audit page then walk the chain from the newest checkpoint, not from the start.
"""
from __future__ import annotations

import argparse
import math
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).parent))

from servers import Server, fresh_database  # noqa: E402
from sqlalchemy import text  # noqa: E402
from village import CLOCK, PASSWORD, build  # noqa: E402

from missiondesk.adapters.db.session import make_engine  # noqa: E402
from missiondesk.config import normalise_url  # noqa: E402

TARGET_MS = 100.0
HEALTH_RATIO = 10.0
RECOMMENDATION = "/api/v1/missions/{open}/recommendation"
DAY = "2026-03-13"  # the village day before the dawn


@dataclass
class Route:
    path: str  # with {placeholders} filled from the village
    role: str  # the account that asks (anon: nobody signed in)
    page: bool = False
    note: str = ""


@dataclass
class Result:
    route: Route
    url: str
    times: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    size: int = 0
    error: str = ""  # the first non-200 answer, shortened

    def pct(self, q: float) -> float:
        """The nearest-rank percentile in ms (q in 0..1)."""
        if not self.times:
            return float("nan")
        s = sorted(self.times)
        return s[max(0, min(len(s) - 1, math.ceil(q * len(s)) - 1))] * 1000


API = [
    Route("/api/v1/health", "anon", note="the baseline"),
    Route("/api/v1/auth/me", "genin"),
    Route("/api/v1/auth/sessions", "genin"),
    Route("/api/v1/alert-preferences", "genin"),
    Route("/api/v1/missions", "hokage", note="the board, every mission"),
    Route("/api/v1/missions", "genin", note="the board a genin may see"),
    Route("/api/v1/missions?status=open", "clerk"),
    Route("/api/v1/missions/{open}", "hokage"),
    Route(RECOMMENDATION, "clerk", note="target < 100 ms end to end"),
    Route("/api/v1/missions/{closed}/report", "hokage"),
    Route("/api/v1/missions/{briefed}/brief", "council", note="writes brief.read"),
    Route("/api/v1/assignments/{assignment}", "jonin", note="a member's"),
    Route("/api/v1/shinobi", "hokage", note="the roster"),
    Route("/api/v1/shinobi?status=active&rank=jonin", "clerk"),
    Route("/api/v1/shinobi/{shinobi}", "hokage"),
    Route("/api/v1/shinobi/{shinobi}/fitness?mission_id={open}", "clerk"),
    Route("/api/v1/shinobi/{shinobi}/sleep", "medic"),
    Route("/api/v1/shinobi/{shinobi}/restrictions", "medic"),
    Route("/api/v1/shinobi/{shinobi}/welfare-holds", "medic"),
    Route("/api/v1/shinobi/{shinobi}/medical", "medic", note="a sensitive read, noted"),
    Route("/api/v1/alerts", "hokage"),
    Route("/api/v1/alerts?unread=true", "medic"),
    Route("/api/v1/medic-duty", "genin"),
    Route("/api/v1/welfare-reviews", "medic"),
    Route("/api/v1/audit?limit=100", "hokage", note="the oldest page"),
    Route("/api/v1/audit?after_seq={audit_tail}&limit=100", "hokage", note="the newest page"),
    Route("/api/v1/audit", "hokage", note="1,000 entries (the default)"),
    Route("/api/v1/audit?action=mission.reported&limit=100", "hokage"),
    Route("/api/v1/audit?actor=clerk&limit=100", "hokage"),
    Route("/api/v1/audit/verify", "hokage", note="walks the whole chain"),
    Route("/api/v1/custody", "anbu"),
    Route("/api/v1/custody/{detainee}", "anbu"),
    Route("/api/v1/memorial", "genin"),
    Route("/api/v1/gate/present", "genin"),
    Route(f"/api/v1/gate/events?day={DAY}", "clerk"),
    Route("/api/v1/gate/events?shinobi_id={shinobi}", "clerk"),
    Route("/api/v1/gate/events", "clerk", note="no filter: the first 1,000"),
    Route("/api/v1/risk/model", "clerk"),
]
PAGES = [
    Route("/login", "anon", True, note="the page baseline"),
    Route("/board", "hokage", True),
    Route("/board", "genin", True),
    Route("/board?status=open&sort=age", "clerk", True),
    Route("/roster", "hokage", True),
    Route("/shinobi/{shinobi}", "hokage", True),
    Route("/shinobi/{shinobi}", "medic", True),
    Route("/missions/{open}", "hokage", True, note="the team form"),
    Route("/missions/{open}", "clerk", True),
    Route("/missions/{closed}", "hokage", True, note="reported"),
    Route("/desk", "hokage", True),
    Route("/audit", "hokage", True),
    Route("/audit?action=gate.out", "hokage", True),
    Route("/alerts", "hokage", True),
    Route("/alerts/list", "hokage", True),
    Route("/gate", "clerk", True),
    Route("/gate?shinobi_id={shinobi}", "clerk", True),
    Route("/medic-duty", "medic", True),
    Route("/memorial", "genin", True),
    Route("/risk", "hokage", True),
    Route("/account", "genin", True),
    Route("/custody", "anbu", True),
    Route("/custody/{detainee}", "anbu", True),
    Route("/missions/new", "clerk", True),
    Route("/missions/{open}/edit", "clerk", True),
    Route("/shinobi/new", "clerk", True),
    Route("/shinobi/{shinobi}/edit", "clerk", True),
]
ROLES = ("hokage", "clerk", "medic", "council", "anbu", "genin", "jonin")


def discover(url: str) -> dict[str, int]:
    """The ids the routes need, read from the village itself (so that --reuse works on any village)."""
    queries = {
        # an open B-rank mission: the board's typical one (the recommendation, the team form, the fitness)
        "open": "SELECT id FROM mission WHERE status = 'open' AND rank = 'B' ORDER BY id LIMIT 1",
        "closed": "SELECT mission_id FROM report WHERE outcome = 'failure' ORDER BY id DESC LIMIT 1",
        "briefed": "SELECT mission_id FROM brief WHERE destroyed_at IS NULL ORDER BY id LIMIT 1",
        "assignment": "SELECT m.assignment_id FROM assignment_member m JOIN account a ON a.shinobi_id = m.shinobi_id "
                      "WHERE a.username = 'jonin' AND m.active",
        # an active jonin with a full record: injured and treated, through the gate lately, sleep logged
        "shinobi": "SELECT s.id FROM shinobi s WHERE s.status = 'active' AND s.rank = 'jonin' "
                   "AND EXISTS (SELECT 1 FROM treatment t WHERE t.shinobi_id = s.id) "
                   "AND EXISTS (SELECT 1 FROM gate_event g WHERE g.shinobi_id = s.id) ORDER BY s.id LIMIT 1",
        "any_shinobi": "SELECT id FROM shinobi WHERE status = 'active' AND rank = 'jonin' ORDER BY id LIMIT 1 "
                       "OFFSET 100",
        "detainee": "SELECT id FROM detainee WHERE status = 'held' ORDER BY id LIMIT 1",
        "audit_head": "SELECT MAX(seq) FROM audit_entry",
        "shinobi_count": "SELECT COUNT(*) FROM shinobi",
    }
    engine = make_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            found = {k: conn.execute(text(q)).scalar() for k, q in queries.items()}
    finally:
        engine.dispose()
    found["shinobi"] = found["shinobi"] or found.pop("any_shinobi")
    found.pop("any_shinobi", None)
    found["audit_tail"] = max(0, (found.pop("audit_head") or 0) - 100)
    missing = [k for k, v in found.items() if v is None]
    if missing:
        raise SystemExit(f"the village has no {', '.join(missing)}: is it one bench/village.py built?")
    return found


def measure(client: httpx.Client, result: Result, requests: int, budget: float, warmup: int) -> None:
    """`warmup` untimed requests, then up to `requests` timed ones within `budget` seconds (at least 5)."""
    for _ in range(warmup):
        r = client.get(result.url)
        if r.status_code != 200:
            break
    deadline = time.monotonic() + budget
    while len(result.times) < requests and (len(result.times) < 5 or time.monotonic() < deadline):
        t0 = time.perf_counter()
        r = client.get(result.url)
        r.read()
        result.times.append(time.perf_counter() - t0)
        result.statuses[r.status_code] += 1
        result.size = len(r.content)
        if r.status_code != 200 and not result.error:
            result.error = f"{r.status_code} {r.headers.get('content-type', '')}: {r.text[:300]!r}"


def run(url: str, workdir: Path, requests: int, budget: float, only: str = "") -> tuple[list[Result], str, int]:
    ids = discover(url)
    count = ids.pop("shinobi_count")
    # audit checkpoints on, as an office with 100,000 entries runs: the server signs the log's head on its own
    # (the first one walks the whole chain), and a verification walks only what came after the newest
    kept = workdir / "checkpoints"
    kept.mkdir(exist_ok=True)
    server = Server(url, workdir, name="reads", env={
        "MISSIONDESK_CLOCK": CLOCK, "MISSIONDESK_AUDIT_CHECKPOINTS": str(kept),
        "MISSIONDESK_AUDIT_KEY": secrets.token_hex(32)})
    started = server.start()
    print(f"server up in {started:.1f} s at {server.base} (MISSIONDESK_CLOCK={CLOCK}); ids: "
          + ", ".join(f"{k} {v}" for k, v in ids.items()))
    t0 = time.perf_counter()
    while not any(kept.glob("checkpoint-*.json")) and time.perf_counter() - t0 < 120:
        time.sleep(0.2)
    print(f"first audit checkpoint written {time.perf_counter() - t0:.1f} s after: "
          f"{', '.join(p.name for p in kept.glob('checkpoint-*.json')) or 'none'}")
    results: list[Result] = []
    try:
        anon = httpx.Client(base_url=server.base, timeout=120)
        api = {role: httpx.Client(base_url=server.base, timeout=120,
                                  headers={"Authorization": f"Bearer {server.token(role, PASSWORD)}"})
               for role in ROLES}
        pages = {role: server.page_client(role, PASSWORD) for role in ROLES}
        api["anon"] = pages["anon"] = anon
        for route in API + PAGES:
            if only and only not in route.path and route.path != "/api/v1/health":
                continue
            client = (pages if route.page else api)[route.role]
            result = Result(route, route.path.format(**ids))
            t0 = time.perf_counter()
            first = client.get(result.url)
            slow = time.perf_counter() - t0 > 1.0
            measure(client, result, requests, budget, warmup=0 if slow else 3)  # a slow first was its warm-up
            if first.status_code != 200 and not result.error:
                result.error = f"{first.status_code}: {first.text[:300]!r}"
            results.append(result)
            print(f"  {'page' if route.page else 'api ':<5}{result.url:<58}{route.role:<8}"
                  f"{len(result.times):>4} x  p50 {result.pct(0.5):8.1f} ms  p95 {result.pct(0.95):8.1f} ms  "
                  f"{dict(result.statuses)}", flush=True)
        for c in api.values():
            c.close()
    finally:
        server.stop()
    return results, server.tail(), count


def report(results: list[Result], engine: str, shinobi: int) -> tuple[list[str], list[str]]:
    """Print the table; returns the routes that miss a target and those that answer other than 200."""
    health = next(r for r in results if r.route.path == "/api/v1/health").pct(0.95)
    missed: list[str] = []
    errors: list[str] = []
    print()
    print(f"reads on {engine}, {shinobi:,} shinobi (health p95 {health:.2f} ms; targets: p95 < {TARGET_MS:g} ms and "
          f"<= {HEALTH_RATIO:g}x health p95; the recommendation < {TARGET_MS:g} ms)")
    head = (f"| {'route':<58} | {'role':<7} | {'n':>4} | {'status':<9} | {'size':>9} | {'p50 ms':>8} | "
            f"{'p95 ms':>8} | {'x health':>8} | meets |")
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for r in results:
        p50, p95 = r.pct(0.5), r.pct(0.95)
        ratio = p95 / health if health else float("nan")
        if r.route.path == RECOMMENDATION:
            ok = p95 < TARGET_MS
        elif r.route.path == "/api/v1/health":
            ok = True
        else:
            ok = p95 < TARGET_MS and ratio <= HEALTH_RATIO
        errs = sum(v for k, v in r.statuses.items() if k != 200)
        status = "200" if not errs else ",".join(f"{k}x{v}" for k, v in sorted(r.statuses.items()))
        size = f"{r.size / 1024:,.1f} KB" if r.size >= 1024 else f"{r.size} B"
        label = ("page " if r.route.page else "") + r.url
        verdict = "yes" if ok and not errs else ("ERROR" if errs else "no")
        print(f"| {label:<58} | {r.route.role:<7} | {len(r.times):>4} | {status:<9} | {size:>9} | {p50:>8.1f} | "
              f"{p95:>8.1f} | {ratio:>7.1f}x | {verdict:<5} |")
        if errs:
            errors.append(f"{label} as {r.route.role}: {r.error}")
        elif not ok:
            missed.append(f"{label} as {r.route.role}: p95 {p95:.1f} ms ({ratio:.1f}x health)")
    return missed, errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database", help="a PostgreSQL server (postgresql://host:port/any): a new md_bench_* database "
                                       "is made there and dropped after; default SQLite in a temporary folder")
    ap.add_argument("--reuse", help="the URL of a village bench/village.py built (kept as it is)")
    ap.add_argument("--shinobi", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--requests", type=int, help="timed requests per route (default 200; --quick 30)")
    ap.add_argument("--budget", type=float, help="seconds per route at most, once 5 are timed (default 12; "
                                                 "--quick 3)")
    ap.add_argument("--quick", action="store_true", help="2,000 shinobi and fewer requests: a fast check")
    ap.add_argument("--only", default="", help="only the routes whose path holds this text (and /health)")
    args = ap.parse_args()
    shinobi = args.shinobi or (2_000 if args.quick else 10_000)
    requests = args.requests or (30 if args.quick else 200)
    budget = args.budget or (3.0 if args.quick else 12.0)
    tmp = Path(tempfile.mkdtemp(prefix="md-reads-"))
    t0 = time.perf_counter()
    try:
        if args.reuse:
            url = args.reuse
            results, log, count = run(url, tmp, requests, budget, args.only)
        else:
            with fresh_database(args.database, tmp) as url:
                build(url, shinobi, args.seed)
                results, log, count = run(url, tmp, requests, budget, args.only)
        engine = "postgresql" if url.startswith("postgres") else "sqlite"
        missed, errors = report(results, engine, count)
        if "Traceback" in log:
            print("\nthe server's log holds a traceback:\n" + log[-3000:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    for m in missed:
        print("MISSED:", m)
    for e in errors:
        print("ERROR:", e)
    print(f"{len(results)} routes in {time.perf_counter() - t0:.0f} s: "
          f"{len(results) - len(missed) - len(errors)} meet the targets, {len(missed)} miss them, "
          f"{len(errors)} answer other than 200")
    return 1 if missed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
