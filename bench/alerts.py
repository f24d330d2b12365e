"""Alerts proof (issue 15, "a worker that loses nothing"): refused attempts whose duty-of-care e-mails must all
arrive while the workers are killed with -9 at random moments.

The issue: "1,000 refused attempts across two servers and two workers on PostgreSQL, with the workers killed
with -9 at random moments: every delivery sent at least once, duplicates counted and reported (target: under
1 %), none lost; the time from refusal to the e-mail in the SMTP server's inbox, p50 and p99 (target p99 under
5 s on this machine)."

What it does
- An SMTP inbox (tests/support_servers.SmtpInbox: a real aiosmtpd server in a thread, each message kept with
  the time it was accepted) on a free port, with TCP_NODELAY on its connections (see main(); --nagle leaves it
  off, and each e-mail then costs 40 ms more).
- A fresh database: a SQLite file in a temp dir, or with --database postgresql://… a fresh PostgreSQL database
  (created, and dropped at the end). Two `missiondesk serve --no-worker` processes on it (--servers), and two
  `missiondesk worker` processes (--workers) sending e-mail to the inbox (MISSIONDESK_SMTP_URL), polling every
  0.2 s (MISSIONDESK_WORKER_POLL_SECONDS). The same on both engines: on SQLite the four processes share the file.
  Escalations are put 24 hours away, so that the run's e-mails are exactly the first alerts of each refusal.
- Through the API, as the bootstrap hokage: --patients shinobi at risk (a `rest` restriction, recommended, from
  an hour ago), each with two designated partners who have accounts; the partners and the hokage each sign in
  and ask for e-mail (PUT /alert-preferences). One healthy jonin and one authorised A mission per client.
- --clients threads draw numbered tickets until --refusals attempts are made: each asks for its A mission with
  [one of its own patients, its healthy jonin] (POST /missions/{id}/assignments, the servers alternating by
  ticket) and must get 409 ASSIGNMENT_REFUSED (MEDICAL_REST). As fast as the clients go, unless --rate paces
  them (refusals per second, all clients together). Each refusal raises one DUTY_OF_CARE alert per
  partner and the hokage's office copy: three e-mails. The client's clock at the answer is kept.
- Kills: for each worker, --kills points drawn (seeded) one in each equal slice of the tickets; when the run
  reaches a point, that worker is sent SIGKILL after a random 0-0.5 s, and started again (under a new name,
  so the attempts' record tells the lives apart) after a random 0.2-1.0 s pause. What it had claimed and not
  recorded (read from the database right after the kill) waits for the claim's lease (AlertPolicy.lease, 60 s)
  before the other worker or its successor takes it again.
- Expected: what the API says was raised, read as each recipient (GET /alerts: every DUTY_OF_CARE alert), which
  must be one per partner and one office copy per refusal. Received: the inbox's messages, each mapped to its
  alert by the footer's "missiondesk alert … #id" and told apart by X-Missiondesk-Idempotency-Key.
  lost = expected alerts with no message; duplicates = messages - distinct keys.
- Drain: after the last refusal and the last kill, it waits until every expected alert has a message AND the
  database holds no pending delivery (a delivery sent but not recorded before a kill is sent again only after
  its lease: waiting for the outbox to be empty counts those duplicates too), up to the last kill + lease + 60 s.
- Latency: for each alert, from its refusal's answer (client clock) to its first message's acceptance by the
  inbox (same machine, same clock): p50, p99, max. Refusals are mapped to alerts per (recipient, patient) in
  order (a patient's refusals are made one at a time by one client), checked against the alert's created_at.

PASS: every refusal answered 409 ASSIGNMENT_REFUSED, the alerts the API lists are one per partner and one per
hokage per refusal, one delivery row per alert, lost = 0, no message for an unknown alert, the outbox drained
(every delivery `sent`), duplicates < 1 %, p99 < 5 s. Errors in the workers' and servers' logs are counted and
shown, not judged.

Usage:  python bench/alerts.py [--quick] [--database postgresql://127.0.0.1:5432/test] [--seed N]
                               [--refusals N] [--kills N] [--clients N] [--servers N] [--workers N]
                               [--rate R] [--keep]
        --quick: 200 refusals, 2 kills per worker (CI). Default: 1,000 refusals, 5 kills per worker.
Exit 1 on FAIL (the temp dir with the logs, and the SQLite file, is then kept).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support_servers import SmtpInbox  # noqa: E402

from missiondesk.domain.alerts import AlertPolicy  # noqa: E402

PASSWORD = "alerts-bench-password-5"
USER = "hokage"
PARTNERS_EACH = 2
POLL_SECONDS = "0.2"
DUP_TARGET = 0.01  # duplicates / distinct deliveries
P99_TARGET = 5.0  # seconds from the refusal's answer to the inbox
LEASE = AlertPolicy().lease.total_seconds()
ALERT_ID = re.compile(r"missiondesk alert (\S+) #(\d+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..1)."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(-(-q * len(s) // 1)) - 1))]


def ts(value: str) -> float:
    t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp()


# -- the database ---------------------------------------------------------------------------------------------

def end(proc: subprocess.Popen | None, log) -> None:
    """SIGTERM, then SIGKILL after 15 s; the log closed either way."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(15)
    log.close()

class Database:
    """A fresh SQLite file or PostgreSQL database; read directly for the outbox's state."""

    def __init__(self, url: str | None, tmp: Path):
        self.admin = self.name = None
        if not url:
            self.path = tmp / "alerts.db"
            self.server_url = f"sqlite:///{self.path}"
            self.engine = "sqlite"
            return
        if not url.startswith(("postgresql://", "postgres://")):
            raise SystemExit(f"--database: a postgresql:// URL, not {url!r}")
        import psycopg

        self.engine = "postgresql"
        self.admin = url
        self.name = f"md_alerts_{secrets.token_hex(5)}"
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        base = url.rpartition("/")[0].replace("postgres://", "postgresql://", 1)
        self.direct = f"{base}/{self.name}"
        self.server_url = self.direct.replace("postgresql://", "postgresql+psycopg://", 1)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.engine == "sqlite":
            with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as db:
                return db.execute(sql, params).fetchall()
        import psycopg

        with psycopg.connect(self.direct) as db:
            return db.execute(sql.replace("?", "%s"), params).fetchall()

    def drop(self) -> None:
        if self.admin and self.name:
            import psycopg

            with psycopg.connect(self.admin, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# -- the processes --------------------------------------------------------------------------------------------
def exe() -> str:
    return shutil.which("missiondesk") or str(Path(sys.executable).parent / "missiondesk")


def environment(db: Database, smtp_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MISSIONDESK_")}
    env.update({"MISSIONDESK_DATABASE_URL": db.server_url, "MISSIONDESK_BOOTSTRAP_PASSWORD": PASSWORD,
                "MISSIONDESK_BOOTSTRAP_USER": USER, "MISSIONDESK_SMTP_URL": smtp_url,
                "MISSIONDESK_SMTP_FROM": "office@konoha.example", "MISSIONDESK_WORKER_POLL_SECONDS": POLL_SECONDS,
                # no escalation during the run: the e-mails are the first alerts of each refusal, and no others
                "MISSIONDESK_ESCALATE_TO_MEDIC_MINUTES": "1440", "MISSIONDESK_ESCALATE_TO_HOKAGE_MINUTES": "1440"})
    return env


class Server:
    def __init__(self, index: int, env: dict[str, str], tmp: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.logpath = tmp / f"server-{index}.log"
        self.log = open(self.logpath, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([exe(), "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(self.port)],
                                     cwd=tmp, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_up(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}:\n{self.logpath.read_text()[-2000:]}")
            try:
                if httpx.get(self.base + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server did not start:\n{self.logpath.read_text()[-2000:]}")

    def stop(self) -> None:
        end(self.proc, self.log)


class WorkerProc:
    """One `missiondesk worker`, killed and started again under a new name each time (w1.0, w1.1, …)."""

    def __init__(self, name: str, env: dict[str, str], tmp: Path):
        self.name, self.env, self.tmp = name, env, tmp
        self.life = -1
        self.logpath = tmp / f"worker-{name}.log"
        self.log = open(self.logpath, "w")  # noqa: SIM115 - closed in stop()
        self.proc: subprocess.Popen | None = None

    @property
    def current(self) -> str:
        return f"{self.name}.{self.life}"

    def start(self) -> None:
        self.life += 1
        self.log.write(f"---- {self.current} started at {datetime.now(UTC).isoformat()} ----\n")
        self.log.flush()
        self.proc = subprocess.Popen([exe(), "worker", "--name", self.current], cwd=self.tmp, env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> float:
        """Seconds until this life printed its banner (settings read, database reached), or -1 on timeout."""
        t0 = time.monotonic()
        banner = f"worker {self.current} on "
        while time.monotonic() - t0 < timeout:
            if banner in self.logpath.read_text(errors="replace"):
                return time.monotonic() - t0
            if self.proc is not None and self.proc.poll() is not None:
                return -1
            time.sleep(0.05)
        return -1

    def kill9(self) -> str:
        assert self.proc is not None
        killed = self.current
        exited = self.proc.poll()
        if exited is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)
        self.log.write(f"---- {killed} killed with SIGKILL at {datetime.now(UTC).isoformat()}"
                       f"{'' if exited is None else f' (had exited already with {exited})'} ----\n")
        self.log.flush()
        return killed

    def stop(self) -> None:
        end(self.proc, self.log)


# -- the run --------------------------------------------------------------------------------------------------
@dataclass
class Refusal:
    ticket: int
    patient: int
    server: int
    sent: float  # time.time() when asked
    answered: float  # time.time() when the answer came
    status: int | str
    code: str | None = None
    codes: tuple[str, ...] = ()


@dataclass
class Run:
    total: int
    rate: float
    cond: threading.Condition = field(default_factory=threading.Condition)
    drawn: int = 0
    done: int = 0
    over: bool = False  # every client has stopped
    started: float = 0.0
    refusals: list[Refusal] = field(default_factory=list)
    kills: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def ticket(self) -> int | None:
        with self.cond:
            if self.drawn >= self.total:
                return None
            self.drawn += 1
            n = self.drawn
        if self.rate > 0:
            wait = self.started + (n - 1) / self.rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        return n

    def finish(self, r: Refusal) -> None:
        with self.cond:
            self.refusals.append(r)
            self.done += 1
            self.cond.notify_all()

    def wait_done(self, n: int) -> bool:
        """Until `n` refusals are done (True), or the clients have stopped short of it (False)."""
        with self.cond:
            self.cond.wait_for(lambda: self.done >= n or self.over)
            return self.done >= n

    def stop(self) -> None:
        with self.cond:
            self.over = True
            self.cond.notify_all()


def client(run: Run, bases: list[str], token: str, mission: int, healthy: int, patients: list[int],
           seed: int) -> None:
    rnd = random.Random(seed)
    clients = [httpx.Client(base_url=b, headers={"Authorization": f"Bearer {token}"}, timeout=60) for b in bases]
    try:
        while (n := run.ticket()) is not None:
            patient = rnd.choice(patients)
            server = n % len(clients)
            t0 = time.time()
            try:
                r = clients[server].post(f"/missions/{mission}/assignments", json={"shinobi_ids": [patient, healthy]})
                status: int | str = r.status_code
                body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
                err = body.get("error") or {} if isinstance(body, dict) else {}
                code = err.get("code")
                codes = tuple(sorted({d.get("code") for d in err.get("details") or [] if isinstance(d, dict)}))
            except Exception as e:  # noqa: BLE001 - a broken answer is counted, and the run goes on
                status, code, codes = f"error {type(e).__name__}", None, ()
            run.finish(Refusal(n, patient, server, t0, time.time(), status, code, codes))
    finally:
        for c in clients:
            c.close()


def killer(run: Run, db: Database, worker: WorkerProc, points: list[int], rnd: random.Random,
           lock: threading.Lock) -> None:
    try:
        kill_at(run, db, worker, points, rnd, lock)
    except Exception as e:  # noqa: BLE001 - shown as a failure of the run
        with lock:
            run.errors.append(f"killer of {worker.name}: {type(e).__name__}: {e}")


def kill_at(run: Run, db: Database, worker: WorkerProc, points: list[int], rnd: random.Random,
            lock: threading.Lock) -> None:
    for point in points:
        if not run.wait_done(point):
            return
        time.sleep(rnd.uniform(0, 0.5))
        killed = worker.kill9()
        at, wall = time.monotonic(), time.time()
        stranded = db.query("SELECT count(*) FROM delivery WHERE status = 'pending' AND claimed_by = ?",
                            (killed,))[0][0]
        pause = rnd.uniform(0.2, 1.0)
        time.sleep(pause)
        worker.start()
        ready = worker.wait_ready()
        with lock:
            run.kills.append({"worker": killed, "after": point, "at": at, "stranded": stranded, "pause": pause,
                              "ready": ready, "down": (wall, time.time())})
        print(f"  kill -9 {killed:6} after refusal {point:5} ({at - run.started:6.1f} s): {stranded} claimed "
              f"deliveries left to the lease; restarted after {pause:.2f} s, up {ready:.1f} s later", flush=True)


def kill_points(rnd: random.Random, total: int, kills: int) -> list[int]:
    """One point in each of `kills` equal slices of the run (stratified, as bench/crash.py draws them)."""
    edges = [round(total * k / kills) for k in range(kills + 1)]
    return [rnd.randint(edges[k] + 1, max(edges[k] + 1, edges[k + 1])) for k in range(kills)]


def api(c: httpx.Client, method: str, path: str, expect: tuple[int, ...] = (200, 201), **kw: Any) -> Any:
    r = c.request(method, path, **kw)
    if r.status_code not in expect:
        raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
    return r.json() if r.content else None


def every_page(c: httpx.Client, path: str) -> list[Any]:
    """A list read to its end, a page at a time, following the Link header's rel="next"."""
    out: list[Any] = []
    url: str | None = path
    while url:
        r = c.get(url)
        if r.status_code != 200:
            raise RuntimeError(f"GET {url}: {r.status_code} {r.text[:300]}")
        out += r.json()
        url = r.links.get("next", {}).get("url")
    return out


def sign_in(base: str, username: str, password: str) -> str:
    """A token; a 429 is waited out as Retry-After says (two sign-ins from one address at once can draw one:
    each is counted as a failure until its password is checked, at a `now` the other may not have reached)."""
    for _ in range(10):
        r = httpx.post(base + "/auth/token", json={"username": username, "password": password}, timeout=30)
        if r.status_code == 200:
            return r.json()["access_token"]
        if r.status_code != 429:
            break
        time.sleep(float(r.headers.get("Retry-After") or 1))
    raise RuntimeError(f"sign-in {username}: {r.status_code} {r.text[:200]}")


@dataclass
class Village:
    hokage_token: str
    hokage_id: int
    emails: dict[int, str]  # recipient shinobi id -> address
    tokens: dict[int, str]  # recipient shinobi id -> bearer token
    partners: dict[int, list[int]]  # patient -> partner ids
    missions: list[int]
    healthy: list[int]


def build_patient(base: str, token: str, p: int, now: datetime) -> tuple[int, list[tuple[int, str, str]]]:
    """A shinobi at rest and two partners who want e-mail: (patient, [(partner, token, address)])."""
    out = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        pid = api(c, "POST", "/shinobi", json={"name": f"Patient {p}", "rank": "jonin"})["id"]
        api(c, "POST", f"/shinobi/{pid}/restrictions", json={
            "kind": "rest", "reason": "chakra exhaustion (bench)", "status": "recommended",
            "starts_at": (now - timedelta(hours=1)).isoformat()})
        for k in range(PARTNERS_EACH):
            username = f"partner-{p}-{k}"
            sid = api(c, "POST", "/shinobi", json={
                "name": f"Partner {p}.{k}", "rank": "chunin",
                "account": {"username": username, "password": PASSWORD, "roles": []}})["id"]
            api(c, "POST", f"/shinobi/{pid}/partners", json={"partner_id": sid})
            their = sign_in(base, username, PASSWORD)
            email = f"{username}@konoha.example"
            api(c, "PUT", "/alert-preferences", json={"channels": ["email"], "email": email},
                headers={"Authorization": f"Bearer {their}"})
            out.append((sid, their, email))
    return pid, out


def build(bases: list[str], patients_n: int, clients_n: int) -> Village:
    """Set up through the API, the patients spread over the servers (accounts and sign-ins hash passwords)."""
    base = bases[0]
    token = sign_in(base, USER, PASSWORD)
    now = datetime.now(UTC)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        hokage_id = api(c, "GET", "/auth/me")["shinobi_id"]
        emails = {hokage_id: "hokage@konoha.example"}
        tokens = {hokage_id: token}
        api(c, "PUT", "/alert-preferences", json={"channels": ["email"], "email": emails[hokage_id]})
        partners: dict[int, list[int]] = {}
        with ThreadPoolExecutor(len(bases)) as pool:
            for pid, told in pool.map(lambda p: build_patient(bases[p % len(bases)], token, p, now),
                                      range(patients_n)):
                partners[pid] = [sid for sid, _, _ in told]
                tokens.update({sid: t for sid, t, _ in told})
                emails.update({sid: e for sid, _, e in told})
        missions, healthy = [], []
        for k in range(clients_n):
            healthy.append(api(c, "POST", "/shinobi", json={"name": f"Healthy {k}", "rank": "jonin"})["id"])
            m = api(c, "POST", "/missions", json={"title": f"Alerts bench {k}", "rank": "A", "kind": "escort",
                                                  "min_team_size": 2})["id"]
            api(c, "POST", f"/missions/{m}/authorizations")
            missions.append(m)
    return Village(token, hokage_id, emails, tokens, partners, missions, healthy)


def log_errors(path: Path) -> Counter:
    """Tracebacks and their last line (the exception), in one process's log."""
    found: Counter = Counter()
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    in_tb = False
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            in_tb = True
        elif in_tb and line and not line.startswith((" ", "\t")):
            in_tb = False
            if not line.startswith(("During handling", "The above exception")):
                found[line[:160]] += 1
        elif not in_tb and re.search(r"\b(ERROR|CRITICAL)\b", line):
            found[line[:160]] += 1
        if i > 200_000:
            break
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database", help="a PostgreSQL server URL: a fresh database is made there (default SQLite)")
    ap.add_argument("--refusals", type=int, help="refused attempts (default 1,000; --quick 200)")
    ap.add_argument("--kills", type=int, help="kill -9s per worker (default 5; --quick 2)")
    ap.add_argument("--clients", type=int, default=4, help="client threads (default 4)")
    ap.add_argument("--servers", type=int, default=2, help="`serve --no-worker` processes (default 2)")
    ap.add_argument("--workers", type=int, default=2, help="`missiondesk worker` processes (default 2)")
    ap.add_argument("--patients", type=int, default=8, help="shinobi at risk, two partners each (default 8)")
    ap.add_argument("--rate", type=float, default=0.0, help="refusals per second, all clients (default: no pacing)")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--quick", action="store_true", help="CI-sized: 200 refusals, 2 kills per worker")
    ap.add_argument("--nagle", action="store_true",
                    help="leave the test inbox as tests/support_servers.py makes it (a 40 ms stall per e-mail)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, SQLite file)")
    args = ap.parse_args()
    total = args.refusals or (200 if args.quick else 1000)
    kills_each = args.kills if args.kills is not None else (2 if args.quick else 5)
    if args.patients < args.clients:
        raise SystemExit("--patients must be at least --clients (each client refuses its own patients)")
    rnd = random.Random(args.seed)
    load0 = " ".join(f"{x:.2f}" for x in os.getloadavg())
    tmp = Path(tempfile.mkdtemp(prefix="md-alerts-"))
    t_start = time.monotonic()
    failures: list[str] = []
    inbox = SmtpInbox()
    if not args.nagle:
        # SmtpInbox binds its socket as socket(AF_INET, SOCK_STREAM), proto 0, so asyncio does not set TCP_NODELAY
        # on the connections it accepts (base_events._set_nodelay wants proto == IPPROTO_TCP); aiosmtpd writes each
        # line of its multi-line EHLO reply apart, and Nagle's algorithm against the client's delayed ACK holds the
        # second line back 40 ms: every e-mail took 42 ms more than with a real MTA, which answers in one segment.
        # Accepted sockets inherit the option from the listening one on Linux.
        inbox._controller._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    db = Database(args.database, tmp)
    env = environment(db, inbox.url)
    servers: list[Server] = []
    workers: list[WorkerProc] = []
    run = Run(total, args.rate)
    try:
        servers.append(Server(1, env, tmp))
        servers[0].wait_up()  # the first migrates and makes the hokage; the others find them
        for i in range(2, args.servers + 1):
            servers.append(Server(i, env, tmp))
        for s in servers[1:]:
            s.wait_up()
        bases = [s.base for s in servers]
        workers = [WorkerProc(f"w{i + 1}", env, tmp) for i in range(args.workers)]
        for w in workers:  # started now, up by the first refusal
            w.start()
        v = build(bases, args.patients, args.clients)
        for w in workers:
            if w.wait_ready() < 0:
                raise RuntimeError(f"worker {w.current} did not start:\n{w.logpath.read_text()[-2000:]}")
        t_setup = time.monotonic() - t_start
        print(f"alerts bench: {db.engine}, {len(servers)} servers (--no-worker), {args.workers} workers, "
              f"{args.clients} clients, {total} refusals, {kills_each} kills per worker, seed {args.seed}; "
              f"{len(v.partners)} patients x {PARTNERS_EACH} partners + the hokage's copy; lease {LEASE:g} s; "
              f"setup {t_setup:.1f} s", flush=True)

        points = {w.name: sorted(kill_points(rnd, total, kills_each)) for w in workers}
        lock = threading.Lock()
        run.started = time.monotonic()
        killers = [threading.Thread(target=killer, args=(run, db, w, points[w.name], random.Random(rnd.random()),
                                                         lock), daemon=True) for w in workers]
        pats = list(v.partners)
        clients = [threading.Thread(target=client, args=(run, bases, v.hokage_token, v.missions[k], v.healthy[k],
                                                         pats[k::args.clients], args.seed * 1000 + k), daemon=True)
                   for k in range(args.clients)]
        for t in killers + clients:
            t.start()
        for t in clients:
            t.join()
        run.stop()
        t_end = time.monotonic()
        t_refusals = t_end - run.started
        print(f"  {total} refusals in {t_refusals:.1f} s ({total / t_refusals:.1f}/s)", flush=True)
        for t in killers:
            t.join()
        failures.extend(run.errors)
        if len(run.kills) != len(workers) * kills_each:
            failures.append(f"{len(run.kills)} kills made of {len(workers) * kills_each}")
        if any(k["ready"] < 0 for k in run.kills):
            failures.append(f"workers not up again within 60 s of a restart: "
                            f"{[k['worker'] for k in run.kills if k['ready'] < 0]}")

        # what was raised, as each recipient reads it
        refusals = sorted(run.refusals, key=lambda r: r.ticket)
        bad = [r for r in refusals
               if r.status != 409 or r.code != "ASSIGNMENT_REFUSED" or "MEDICAL_REST" not in r.codes]
        if bad:
            shown = Counter(f"{r.status} {r.code} {','.join(r.codes)}" for r in bad)
            failures.append(f"{len(bad)} attempts not refused with 409 ASSIGNMENT_REFUSED (MEDICAL_REST): "
                            f"{dict(shown.most_common(5))}")
        by_patient: dict[int, list[Refusal]] = defaultdict(list)
        for r in sorted(refusals, key=lambda r: r.sent):
            if r.status == 409:
                by_patient[r.patient].append(r)
        alerts: dict[int, tuple[int, Refusal | None]] = {}  # alert id -> (recipient, its refusal)
        window_misses = 0
        mismatched: list[str] = []
        for rid, token in v.tokens.items():
            with httpx.Client(base_url=bases[0], headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
                got = [a for a in every_page(c, "/alerts") if a["kind"] == "DUTY_OF_CARE"]
            mine = [p for p, ps in v.partners.items() if rid in ps] if rid != v.hokage_id else list(v.partners)
            per: dict[int, list[dict]] = defaultdict(list)
            for a in got:
                per[a["subject_shinobi_id"]].append(a)
            for p in set(per) | set(mine):
                seen, made = sorted(per.get(p, []), key=lambda a: a["id"]), by_patient.get(p, [])
                if p not in mine or len(seen) != len(made):
                    mismatched.append(f"recipient {rid} about patient {p}: {len(seen)} alerts, {len(made)} refusals")
                for i, a in enumerate(seen):
                    r = made[i] if i < len(made) and p in mine else None
                    alerts[a["id"]] = (rid, r)
                    if r is not None and not (r.sent - 0.5 <= ts(a["created_at"]) <= r.answered + 0.5):
                        window_misses += 1
        if mismatched:
            failures.append(f"alerts listed differ from one per partner and one office copy per refusal: "
                            f"{mismatched[:5]}{' …' if len(mismatched) > 5 else ''}")
        expected = len(alerts)
        should = sum(len(by_patient.get(p, [])) * (len(ps) + 1) for p, ps in v.partners.items())
        print(f"  expected e-mails (alerts the API lists, each with an e-mail preference): {expected} "
              f"(refusals x 3 = {should})", flush=True)

        # drain: every expected alert in the inbox and nothing pending in the outbox
        last_kill = max((k["at"] for k in run.kills), default=run.started)
        deadline = max(time.monotonic() + 60, last_kill + LEASE + 60)
        pending, parsed, arrived, all_in = -1, 0, set(), None
        while True:
            mails = inbox.messages
            for mail in mails[parsed:]:
                if m := ALERT_ID.search(mail.message.get_content()):
                    arrived.add(int(m.group(2)))
            parsed = len(mails)
            missing = len(set(alerts) - arrived)
            if not missing:
                all_in = all_in or time.monotonic()
                pending = db.query("SELECT count(*) FROM delivery WHERE status = 'pending'")[0][0]
                if pending == 0:
                    break
            if time.monotonic() > deadline:
                break
            time.sleep(0.25)
        empty = time.monotonic()
        time.sleep(1.0)  # a resend in flight at the last check
        drain = f"every e-mail in {all_in - t_end:.1f} s" if all_in else "never every e-mail"
        drain += f", outbox empty in {empty - t_end:.1f} s" if pending == 0 else ", outbox never empty"
        print(f"  after the last refusal: {drain} ({missing} alerts without an e-mail, {pending} deliveries "
              "pending)", flush=True)

        # what arrived
        mails = inbox.messages
        keys: Counter = Counter()
        first: dict[int, float] = {}  # alert id -> first arrival (wall)
        keys_of: dict[int, set[str]] = defaultdict(set)
        unknown: list[str] = []
        wrong_to = 0
        for mail in mails:
            key = mail.message["X-Missiondesk-Idempotency-Key"]
            m = ALERT_ID.search(mail.message.get_content())
            keys[key] += 1
            if m is None or int(m.group(2)) not in alerts:
                unknown.append(f"{key}: {mail.message['Subject']}")
                continue
            aid = int(m.group(2))
            keys_of[aid].add(key)
            first[aid] = min(first.get(aid, mail.wall), mail.wall)
            if v.emails[alerts[aid][0]] not in mail.rcpt_tos:
                wrong_to += 1
        received, unique = len(mails), len(keys)
        lost = [a for a in alerts if a not in first]
        dups = received - unique
        extra_keys = sum(len(k) - 1 for k in keys_of.values() if len(k) > 1)
        latencies = [first[a] - r.answered for a, (_, r) in alerts.items() if a in first and r is not None]
        downs = [k["down"] for k in run.kills]
        calm = [first[a] - r.answered for a, (_, r) in alerts.items() if a in first and r is not None
                and not any(d0 - 5 <= r.answered <= d1 for d0, d1 in downs)]  # no worker down then or 5 s after
        status = dict(db.query("SELECT status, count(*) FROM delivery GROUP BY status"))
        rows = sum(status.values())
        attempts = db.query("SELECT count(*), sum(CASE WHEN ok THEN 0 ELSE 1 END) FROM delivery_attempt")[0]
        resent = db.query("SELECT count(*) FROM delivery WHERE attempts > 1")[0][0]
        by_worker = Counter(dict(db.query("SELECT worker, count(*) FROM delivery_attempt GROUP BY worker")))
        errors = [f"{r[0]}" for r in db.query(
            "SELECT DISTINCT error FROM delivery_attempt WHERE error IS NOT NULL")][:5]
        stranded = sum(k["stranded"] for k in run.kills)

        if lost:
            failures.append(f"LOST: {len(lost)} alerts never reached the inbox (e.g. alert ids {sorted(lost)[:10]})")
        if unknown:
            failures.append(f"{len(unknown)} messages for no expected alert: {unknown[:3]}")
        if wrong_to:
            failures.append(f"{wrong_to} messages to another address than their recipient's")
        if extra_keys:
            failures.append(f"{extra_keys} alerts with more than one delivery (distinct idempotency keys)")
        if rows != expected:
            failures.append(f"{rows} delivery rows for {expected} alerts")
        if set(status) - {"sent"}:
            failures.append(f"outbox not drained: {status}")
        if window_misses:
            failures.append(f"{window_misses} alerts created outside their refusal's request (mapping broken)")
        dup_rate = dups / unique if unique else 0.0
        if dup_rate >= DUP_TARGET:
            failures.append(f"duplicates {dup_rate:.2%} >= {DUP_TARGET:.0%}")
        p50, p99 = pct(latencies, 0.50), pct(latencies, 0.99)
        if not latencies or p99 >= P99_TARGET:
            failures.append(f"p99 {p99:.2f} s >= {P99_TARGET:g} s")
        worker_errors = sum((log_errors(w.logpath) for w in workers), Counter())
        server_errors = sum((log_errors(s.logpath) for s in servers), Counter())
        over = sorted(x for x in latencies if x >= P99_TARGET)

        print()
        print(f"engine:                      {db.engine}   seed: {args.seed}")
        print(f"processes:                   {len(servers)} servers (--no-worker), {args.workers} workers, "
              f"{args.clients} client threads, worker poll {POLL_SECONDS} s, lease {LEASE:g} s")
        print(f"refusals:                    {len(refusals)} in {t_refusals:.1f} s "
              f"({len(refusals) / t_refusals:.1f}/s), 409 x {sum(r.status == 409 for r in refusals)}, "
              f"per server {dict(sorted(Counter(r.server + 1 for r in refusals).items()))}")
        order = ", ".join(f"{k['worker']}@{k['after']}" for k in sorted(run.kills, key=lambda k: k["at"]))
        print(f"kills (SIGKILL):             {len(run.kills)} ({order}); "
              f"claimed-and-unrecorded rows left to the lease: {stranded}")
        print(f"expected deliveries:         {expected} (alerts listed by GET /alerts; delivery rows {rows}, "
              f"status {status})")
        print(f"received messages:           {received}, distinct idempotency keys {unique}")
        print(f"lost:                        {len(lost)}")
        print(f"duplicates:                  {dups} ({dup_rate:.2%} of distinct; target < {DUP_TARGET:.0%}); "
              f"delivery rows with more than one recorded attempt: {resent} (a send cut off by a kill before its "
              f"record leaves no attempt row)")
        print(f"attempts recorded:           {attempts[0]} ({attempts[1] or 0} failed"
              f"{': ' + '; '.join(errors) if errors else ''}); by worker life: "
              f"{', '.join(f'{w} {n}' for w, n in sorted(by_worker.items()))}")
        print(f"latency refusal -> inbox:    p50 {p50:.3f} s, p90 {pct(latencies, 0.9):.3f} s, p99 {p99:.3f} s "
              f"(target < {P99_TARGET:g} s), max {max(latencies, default=float('nan')):.3f} s, over {P99_TARGET:g} s: "
              f"{len(over)}{' ' + str([round(x, 1) for x in over[:12]]) if over else ''}")
        print(f"  with both workers up:      p50 {pct(calm, 0.5):.3f} s, p99 {pct(calm, 0.99):.3f} s over {len(calm)} "
              f"e-mails (those of refusals answered while a worker was down or restarting, or in the 5 s before, "
              f"left out)")
        ups = [k["ready"] for k in run.kills if k["ready"] >= 0]
        print(f"worker restarts:             kill to restart {statistics.mean(k['pause'] for k in run.kills):.2f} s "
              f"mean; restart to banner median {statistics.median(ups) if ups else float('nan'):.1f} s, max "
              f"{max(ups, default=float('nan')):.1f} s" if run.kills else "worker restarts:             none")
        print(f"after the last refusal:      {drain}")
        print(f"load average:                {load0} at the start, {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              f"at the end ({os.cpu_count()} CPUs)")
        for what, errs in (("worker log errors", worker_errors), ("server log errors", server_errors)):
            print(f"{what + ':':28} {sum(errs.values())}")
            for line, n in errs.most_common(6):
                print(f"    {n:5} x {line}")
        print(f"total time:                  {time.monotonic() - t_start:.1f} s")
    except Exception as e:  # noqa: BLE001 - a setup or run failure is a FAIL with its reason
        failures.append(f"ABORTED: {type(e).__name__}: {e}")
    finally:
        for w in workers:
            w.stop()
        for s in servers:
            s.stop()
        inbox.stop()
        db.drop()
    for f in failures:
        print(f"  FAILED {f}")
    if failures or args.keep:
        print(f"kept: {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print("RESULT: " + ("FAIL" if failures else "PASS"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
