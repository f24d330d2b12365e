"""Crash proof: kill -9 the server at random moments during a stream of writes the client saw acknowledged.

The requirement: "kill -9 of the server at 20 random moments during 5,000 writes whose 2xx answers the
client records; after each restart: every acknowledged write present, PRAGMA integrity_check ok (SQLite,
synchronous=FULL), the audit chain verifies."

What it does
- Starts `missiondesk serve` on a fresh SQLite file in a temp dir (or, with --database postgresql://…, a
  fresh PostgreSQL database created and dropped with psycopg) on a free port, and signs in as the
  bootstrap hokage over HTTP.
- 3 client threads (--clients) draw numbered writes until --writes have been attempted: POST /shinobi
  (a few with an account), POST /missions (every rank; A missions later authorised), POST
  /shinobi/{id}/sleep (non-overlapping episodes per shinobi), POST /gate/events (one to three shinobi,
  times with various UTC offsets), POST /shinobi/{id}/partners and POST /missions/{id}/authorizations.
  Each thread works on shinobi and missions it created itself, so the threads never contend for a
  sleep slot or a partner pair. Every 2xx answer is recorded with what it wrote (the ids returned and
  the fields); a write whose connection broke (in flight at the kill) is recorded as unacknowledged.
- The --kills kill points are seeded and stratified: one random write number in each of --kills equal
  slices of the run. The thread that draws that write number wakes the killer, which waits a random
  0–15 ms (so the kill lands before, during or after that write's commit) and sends SIGKILL to the
  server process. The clients park; once every thread is parked (no request can reach the next
  server), the server is restarted on the same database and port (it migrates on start), the old
  bearer token is checked to still work, the hokage signs in again, everything is verified, and the
  clients resume.
- Verification after each restart (and once more at the end):
  1. every acknowledged write is present and equal (row and fields), and so is its audit entry;
     writes that were in flight are either wholly present (row and audit entry) or wholly absent —
     a torn write is a violation; writes answered non-2xx must be absent;
  2. SQLite: `PRAGMA integrity_check` is `ok` (and `PRAGMA foreign_key_check` finds nothing);
  3. the audit chain: `GET /api/v1/audit/verify` is ok; the entry count never goes down across
     restarts, the rows in the file agree with it, their prev_hash links hold, and the chain's prefix
     seen at the previous check is unchanged (no entry rewritten). At the end `missiondesk audit
     verify --database URL` (the CLI) must pass too.
  A random sample of acknowledged shinobi, missions and sleep logs is also read back through the API.

Why read the database directly: one query per table checks all acknowledged writes at once (5,000 GETs
per check would not), it sees what the API does not list (sleep and gate event ids, audit rows,
partner rows both ways), and it judges the file itself rather than the server's own read path. SQLite
in WAL mode lets a reader run beside the server; the reads run in one transaction, so they are one
snapshot. The clients are parked during the checks, so the snapshot is the state after the crash.

Usage:  python bench/crash.py [--quick] [--seed N] [--writes N] [--kills N] [--clients N]
                              [--database postgresql://127.0.0.1:5432/test] [--keep]
Exit 1 on any violation (the temp dir with the database and server.log is then kept).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "crash-bench-password-7"
USER = "hokage"
GENESIS = "0" * 64

SHINOBI_RANKS = ["academy", "genin", "chunin", "special_jonin", "jonin", "kage"]
CLEARANCES = ["public", "confidential", "secret", "top_secret"]
DIVISIONS = ["anbu", "medical", "intel", "barrier", "hunter"]
SPECIALTIES = ["taijutsu", "genjutsu", "fuinjutsu", "sensing", "medical-ninjutsu", "kenjutsu"]
NAMES = ["Kakashi", "Sakura", "Iruka", "Shizune", "Gai", "Anko", "Ibiki", "ナルト", "Hinata", "Neji"]
KINDS = ["escort", "retrieval", "patrol", "chores", "assassination", "reconnaissance"]
REWARD_BANDS = {"D": (5_000, 50_000), "C": (30_000, 100_000), "B": (80_000, 200_000),
                "A": (150_000, 1_000_000), "S": (1_000_000, None)}
DEFAULT_TEAM = {"D": 1, "C": 2, "B": 2, "A": 3, "S": 4}
OFFSETS = [UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-5, minutes=-30))]
SLEEP_BASE = datetime(2024, 1, 1, 21, 0, tzinfo=UTC)
GATE_BASE = datetime(2025, 1, 1, 6, 0, tzinfo=UTC)
WEIGHTS = {"shinobi": 20, "mission": 20, "sleep": 30, "gate": 20, "partners": 5, "authorize": 5}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ts(value: Any) -> datetime | None:
    """A time from the database, the API or an audit entry's details, as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def js(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def iso(t: datetime, rng: random.Random) -> str:
    return t.astimezone(rng.choice(OFFSETS)).isoformat()


# -- the write ledger ------------------------------------------------------------------------------------
@dataclass
class Write:
    ticket: int
    kind: str
    sent: dict[str, Any]           # what was asked (natural keys for the unacknowledged)
    got: dict[str, Any] = field(default_factory=dict)  # what the 2xx answer said was written (ids, fields)
    status: int | None = None
    error: str | None = None
    epoch: int = 0


class Run:
    """Shared state: tickets, the server's up/down gate, the ledger of writes."""

    def __init__(self, total: int, kill_points: list[int], clients: int):
        self.total = total
        self.kill_points = kill_points
        self.clients = clients
        self.cond = threading.Condition()
        self.up = False
        self.stopped = False
        self.epoch = 0
        self.drawn = 0
        self.next_kill = 0
        self.kill_due = threading.Event()
        self.parked = 0
        self.in_flight: set[int] = set()
        self.token = ""
        self.acked: list[Write] = []
        self.unacked: list[Write] = []      # the connection broke: may or may not be present
        self.rejected: list[Write] = []     # answered, but not 2xx: must be absent
        self.unexpected_errors: list[Write] = []  # connection errors while the server was meant to be up
        self.response_mismatch: list[str] = []

    def next_ticket(self) -> tuple[int, int] | None:
        with self.cond:
            self.parked += 1
            self.cond.notify_all()
            while not self.up and self.drawn < self.total and not self.stopped:
                self.cond.wait()
            self.parked -= 1
            if self.drawn >= self.total or self.stopped:
                return None
            self.drawn += 1
            ticket = self.drawn
            self.in_flight.add(ticket)
            if self.next_kill < len(self.kill_points) and ticket == self.kill_points[self.next_kill]:
                self.next_kill += 1
                self.kill_due.set()
            return ticket, self.epoch

    def settle(self, w: Write, outcome: str) -> None:
        with self.cond:
            self.in_flight.discard(w.ticket)
            if outcome == "ack":
                self.acked.append(w)
            elif outcome == "unacked":
                self.unacked.append(w)
                if self.up and w.epoch == self.epoch:
                    self.unexpected_errors.append(w)
            else:
                self.rejected.append(w)

    def mismatch(self, w: Write, what: str) -> None:
        with self.cond:
            self.response_mismatch.append(f"write {w.ticket} ({w.kind}): {what}")

    def go_down(self) -> tuple[int, int, int]:
        """Close the gate; returns (writes drawn, acknowledged, in flight) at this moment."""
        with self.cond:
            self.up = False
            return self.drawn, len(self.acked), len(self.in_flight)

    def wait_parked(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.parked < self.alive_clients():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def alive_clients(self) -> int:
        return sum(1 for t in threading.enumerate() if isinstance(t, Client))

    def go_up(self, token: str) -> None:
        with self.cond:
            self.token = token
            self.epoch += 1
            self.up = True
            self.cond.notify_all()

    def snapshot(self) -> tuple[list[Write], list[Write], list[Write]]:
        with self.cond:
            return list(self.acked), list(self.unacked), list(self.rejected)


# -- the clients -------------------------------------------------------------------------------------------
class Client(threading.Thread):
    def __init__(self, idx: int, run: Run, base: str, seed: int):
        super().__init__(name=f"client-{idx}", daemon=True)
        self.idx = idx
        self.run_ = run
        self.base = base
        self.rng = random.Random(f"{seed}:client:{idx}")
        self.epoch = -1
        self.http: httpx.Client | None = None
        self.pool: list[int] = []                  # shinobi this thread created (acknowledged)
        self.sleep_cursor: dict[int, datetime] = {}
        self.gate_cursor: dict[int, datetime] = {}
        self.paired: set[frozenset[int]] = set()
        self.to_authorize: list[int] = []
        self.crashed: BaseException | None = None

    def run(self) -> None:
        try:
            self._loop()
        except BaseException as e:  # reported by the main thread
            self.crashed = e
            raise
        finally:
            if self.http is not None:
                self.http.close()

    def _loop(self) -> None:
        while True:
            got = self.run_.next_ticket()
            if got is None:
                return
            ticket, epoch = got
            if epoch != self.epoch or self.http is None:  # a fresh connection pool for each server life
                if self.http is not None:
                    self.http.close()
                self.http = httpx.Client(base_url=self.base + "/api/v1", timeout=30)
                self.epoch = epoch
            kind = self.pick()
            getattr(self, f"do_{kind}")(ticket)

    def pick(self) -> str:
        kinds = [k for k in WEIGHTS if self.possible(k)]
        return self.rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]

    def possible(self, kind: str) -> bool:
        if kind in ("sleep", "gate"):
            return len(self.pool) >= 1
        if kind == "partners":
            return len(self.pool) >= 4
        if kind == "authorize":
            return bool(self.to_authorize)
        return True

    def send(self, w: Write, path: str, body: dict[str, Any] | None) -> dict[str, Any] | None:
        w.epoch = self.epoch
        assert self.http is not None
        try:
            r = self.http.post(path, json=body, headers={"Authorization": f"Bearer {self.run_.token}"})
        except httpx.TransportError as e:
            w.error = f"{type(e).__name__}: {e}"
            self.http.close()
            self.http = None
            self.epoch = -1
            self.run_.settle(w, "unacked")
            return None
        w.status = r.status_code
        if not 200 <= r.status_code < 300:
            w.error = r.text[:300]
            self.run_.settle(w, "rejected")
            return None
        return r.json()

    # each write: build, send, check the answer against the request, record -----------------------
    def do_shinobi(self, ticket: int) -> None:
        rng = self.rng
        body: dict[str, Any] = {"name": f"Crash S{ticket} {rng.choice(NAMES)}", "rank": rng.choice(SHINOBI_RANKS),
                                "clearance": rng.choice(CLEARANCES),
                                "divisions": rng.sample(DIVISIONS, rng.randint(0, 2)),
                                "specialties": rng.sample(SPECIALTIES, rng.randint(0, 3))}
        if rng.random() < 0.03:
            body["account"] = {"username": f"crash{ticket}", "password": f"Kx-{rng.getrandbits(64):x}-scroll",
                               "roles": rng.choice([[], ["clerk"], ["medic"]])}
        w = Write(ticket, "shinobi", body)
        r = self.send(w, "/shinobi", body)
        if r is None:
            return
        w.got = {"id": r["id"], "name": r["name"], "rank": r["rank"], "clearance": r["clearance"],
                 "divisions": r["divisions"], "specialties": r["specialties"], "status": r["status"]}
        want = {"name": body["name"], "rank": body["rank"], "clearance": body["clearance"],
                "divisions": sorted(set(body["divisions"])), "specialties": sorted(set(body["specialties"])),
                "status": "active"}
        for k, v in want.items():
            if w.got[k] != v:
                self.run_.mismatch(w, f"{k} answered {w.got[k]!r}, sent {v!r}")
        self.pool.append(r["id"])
        self.run_.settle(w, "ack")

    def do_mission(self, ticket: int) -> None:
        rng = self.rng
        rank = rng.choice("DCBAS")
        low, high = REWARD_BANDS[rank]
        body: dict[str, Any] = {"title": f"Crash M{ticket} {rng.choice(KINDS)}", "rank": rank,
                                "kind": rng.choice(KINDS), "classification": rng.choice(CLEARANCES)}
        if rng.random() < 0.5:
            body["reward_ryo"] = rng.randint(low, high or low * 5)
        if rng.random() < 0.5:
            body["min_team_size"] = rng.randint(2 if rank in "AS" else 1, 6)
        if rng.random() < 0.5:
            body["posted_at"] = iso(GATE_BASE + timedelta(seconds=rng.randint(0, 10**7),
                                                          microseconds=rng.randint(0, 999_999)), rng)
        if rng.random() < 0.5:
            body["description"] = f"Scroll {ticket}: 巻物 — {rng.getrandbits(40):x}"
        w = Write(ticket, "mission", body)
        r = self.send(w, "/missions", body)
        if r is None:
            return
        w.got = {k: r[k] for k in ("id", "title", "rank", "kind", "classification", "reward_ryo", "min_team_size",
                                   "status", "posted_at", "description")}
        want = {"title": body["title"], "rank": rank, "kind": body["kind"],
                "classification": body["classification"], "reward_ryo": body.get("reward_ryo", low),
                "min_team_size": body.get("min_team_size", DEFAULT_TEAM[rank]),
                "status": "pending_authorization" if rank in "AS" else "open",
                "description": body.get("description")}
        for k, v in want.items():
            if w.got[k] != v:
                self.run_.mismatch(w, f"{k} answered {w.got[k]!r}, sent {v!r}")
        if "posted_at" in body and ts(r["posted_at"]) != ts(body["posted_at"]):
            self.run_.mismatch(w, f"posted_at answered {r['posted_at']}, sent {body['posted_at']}")
        if rank == "A":
            self.to_authorize.append(r["id"])
        self.run_.settle(w, "ack")

    def do_sleep(self, ticket: int) -> None:
        rng = self.rng
        sid = rng.choice(self.pool)
        cursor = self.sleep_cursor.get(sid, SLEEP_BASE)
        start = cursor + timedelta(minutes=rng.randint(0, 120), microseconds=rng.randint(0, 999_999))
        end = start + timedelta(minutes=rng.randint(4 * 60, 9 * 60), microseconds=rng.randint(0, 999_999))
        self.sleep_cursor[sid] = cursor + timedelta(days=1)  # advanced whatever happens: never an overlap
        body = {"start": iso(start, rng), "end": iso(end, rng)}
        w = Write(ticket, "sleep", {"shinobi_id": sid, "start": start, "end": end})
        r = self.send(w, f"/shinobi/{sid}/sleep", body)
        if r is None:
            return
        w.got = {"id": r["id"], "shinobi_id": sid, "start": start, "end": end}
        if r["shinobi_id"] != sid or ts(r["start"]) != start or ts(r["end"]) != end:
            self.run_.mismatch(w, f"answered {r}, sent {body}")
        self.run_.settle(w, "ack")

    def do_gate(self, ticket: int) -> None:
        rng = self.rng
        sids = rng.sample(self.pool, min(len(self.pool), rng.randint(1, 3)))
        at = max(self.gate_cursor.get(s, GATE_BASE) for s in sids) + timedelta(
            minutes=rng.randint(1, 600), microseconds=rng.randint(0, 999_999))
        for s in sids:
            self.gate_cursor[s] = at  # strictly later each time: (shinobi, at) names one event
        direction = rng.choice(["in", "out"])
        body = {"direction": direction, "at": iso(at, rng), "shinobi_ids": sids}
        w = Write(ticket, "gate", {"direction": direction, "at": at, "shinobi_ids": sids})
        r = self.send(w, "/gate/events", body)
        if r is None:
            return
        w.got = {"event_ids": r["event_ids"], "direction": direction, "at": at, "shinobi_ids": sids}
        if (len(r["event_ids"]) != len(sids) or r["shinobi_ids"] != sids or r["direction"] != direction
                or ts(r["at"]) != at):
            self.run_.mismatch(w, f"answered {r}, sent {body}")
        self.run_.settle(w, "ack")

    def do_partners(self, ticket: int) -> None:
        rng = self.rng
        for _ in range(10):
            a, b = rng.sample(self.pool, 2)
            if frozenset((a, b)) not in self.paired:
                break
        else:
            self.do_shinobi(ticket)
            return
        self.paired.add(frozenset((a, b)))
        w = Write(ticket, "partners", {"a": a, "b": b})
        r = self.send(w, f"/shinobi/{a}/partners", {"partner_id": b})
        if r is None:
            return
        w.got = {"a": a, "b": b}
        if w.status != 201 or b not in r["partner_ids"]:
            self.run_.mismatch(w, f"answered {w.status} {r}")
        self.run_.settle(w, "ack")

    def do_authorize(self, ticket: int) -> None:
        mid = self.to_authorize.pop(self.rng.randrange(len(self.to_authorize)))
        w = Write(ticket, "authorize", {"mission_id": mid})
        r = self.send(w, f"/missions/{mid}/authorizations", None)
        if r is None:
            return
        w.got = {"mission_id": mid, "status": r["status"]}
        if r["status"] != "open" or USER not in r["authorized_by"]:
            self.run_.mismatch(w, f"answered {r}")
        self.run_.settle(w, "ack")


# -- the server --------------------------------------------------------------------------------------------
class Server:
    def __init__(self, url: str, workdir: Path):
        self.url = url
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.exe = shutil.which("missiondesk") or str(Path(sys.executable).parent / "missiondesk")
        self.env = {**os.environ, "MISSIONDESK_DATABASE_URL": url, "MISSIONDESK_BOOTSTRAP_PASSWORD": PASSWORD,
                    "MISSIONDESK_BOOTSTRAP_USER": USER}
        self.log = open(workdir / "server.log", "a+")  # noqa: SIM115 - closed in close()
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        """Start and wait until /health answers; the seconds it took (migrations and bootstrap included)."""
        t0 = time.monotonic()
        self.log.write(f"\n---- start at {datetime.now(UTC).isoformat()} ----\n")
        self.log.flush()
        self.proc = subprocess.Popen([self.exe, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                     cwd=self.workdir, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = t0 + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=1).status_code == 200:
                    return time.monotonic() - t0
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer /health in 60 s:\n{self.tail()}")
            time.sleep(0.02)

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)

    def tail(self, n: int = 3000) -> str:
        self.log.flush()
        return (self.workdir / "server.log").read_text(errors="replace")[-n:]

    def close(self) -> None:
        self.stop()
        self.log.close()

    def login(self) -> str:
        last = ""
        for _ in range(20):
            try:
                r = httpx.post(self.base + "/api/v1/auth/token", json={"username": USER, "password": PASSWORD},
                               timeout=30)
                if r.status_code == 200:
                    return r.json()["access_token"]
                last = f"{r.status_code} {r.text[:200]}"
            except httpx.HTTPError as e:
                last = repr(e)
            time.sleep(0.2)
        raise RuntimeError(f"cannot sign in: {last}")


# -- the database, read directly ---------------------------------------------------------------------------
class Database:
    """Where the server's database is, and how the checker reads it (sqlite3 or psycopg)."""

    def __init__(self, url: str | None, tmp: Path):
        self.admin: str | None = None
        self.name: str | None = None
        if url is None or url.startswith("sqlite"):
            self.path = Path(url.split("///", 1)[1]) if url else tmp / "crash.db"
            if self.path.exists():
                raise SystemExit(f"{self.path} exists; the crash run wants a fresh database")
            self.server_url = f"sqlite:///{self.path}"
            self.sqlite = True
        elif url.startswith(("postgresql://", "postgres://")):
            import psycopg

            self.sqlite = False
            self.admin = url
            self.name = f"md_crash_{secrets.token_hex(6)}"
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{self.name}"')
            base = url.rpartition("/")[0]
            self.direct = f"{base}/{self.name}"
            self.server_url = f"{base.replace('postgres://', 'postgresql://', 1)}/{self.name}".replace(
                "postgresql://", "postgresql+psycopg://", 1)
        else:
            raise SystemExit(f"--database: a postgresql:// or sqlite:/// URL, not {url!r}")

    @property
    def engine(self) -> str:
        return "sqlite" if self.sqlite else "postgresql"

    def drop(self) -> None:
        if self.admin and self.name:
            import psycopg

            with psycopg.connect(self.admin, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Any]:
        """A cursor inside one read transaction: every query sees the same state."""
        if self.sqlite:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                conn.execute("PRAGMA query_only=1")
                conn.execute("BEGIN")
                yield conn.cursor()
                conn.execute("ROLLBACK")
            finally:
                conn.close()
        else:
            import psycopg

            with psycopg.connect(self.direct) as conn:
                conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                with conn.cursor() as cur:
                    yield cur
                conn.rollback()

    def integrity(self) -> tuple[bool | None, str]:
        """(ok, detail) from PRAGMA integrity_check and foreign_key_check; (None, 'n/a') off SQLite."""
        if not self.sqlite:
            return None, "n/a"
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            fks = conn.execute("PRAGMA foreign_key_check").fetchall()
        except sqlite3.DatabaseError as e:
            return False, f"{type(e).__name__}: {e}"
        finally:
            conn.close()
        ok = rows == ["ok"] and not fks
        return ok, "ok" if ok else f"integrity_check={rows[:5]} foreign_key_check={fks[:5]}"


@dataclass
class State:
    shinobi: dict[int, tuple] = field(default_factory=dict)
    shinobi_by_name: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, tuple] = field(default_factory=dict)
    missions: dict[int, tuple] = field(default_factory=dict)
    mission_by_title: dict[str, int] = field(default_factory=dict)
    sleep: dict[int, tuple] = field(default_factory=dict)
    sleep_by_key: dict[tuple, int] = field(default_factory=dict)
    gate: dict[int, tuple] = field(default_factory=dict)
    gate_by_key: dict[tuple, int] = field(default_factory=dict)
    partners: set[tuple[int, int]] = field(default_factory=set)
    authorizations: set[tuple[int, str]] = field(default_factory=set)
    audit_hashes: list[str] = field(default_factory=list)
    audit_keys: set[tuple] = field(default_factory=set)
    audit_problems: list[str] = field(default_factory=list)
    digest_problems: list[str] = field(default_factory=list)


def audit_key(action: str, target: str | None, details: dict[str, Any]) -> tuple:
    if action == "sleep.logged":
        extra: Any = ts(details.get("start"))
    elif action.startswith("gate."):
        extra = ts(details.get("at"))
    elif action == "shinobi.partners_linked":
        extra = details.get("partner_id")
    else:
        extra = None
    return action, target, extra


def load_state(db: Database) -> State:
    s = State()
    with db.snapshot() as cur:
        def rows(sql: str) -> list[tuple]:
            cur.execute(sql)
            return cur.fetchall()

        for i, name, rank, clearance, status, divs, specs in rows(
                "SELECT id, name, rank, clearance, status, divisions, specialties FROM shinobi"):
            s.shinobi[i] = (name, rank, clearance, status, js(divs), js(specs))
            s.shinobi_by_name[name] = i
        for username, sid, roles in rows("SELECT username, shinobi_id, roles FROM account"):
            s.accounts[username] = (sid, sorted(js(roles)))
        for (i, title, rank, kind, cls, reward, team, status, posted, desc) in rows(
                "SELECT id, title, rank, kind, classification, reward_ryo, min_team_size, status, posted_at, "
                "description FROM mission"):
            s.missions[i] = (title, rank, kind, cls, reward, team, status, ts(posted), desc)
            s.mission_by_title[title] = i
        for i, sid, start, end in rows("SELECT id, shinobi_id, start_at, end_at FROM sleep_episode"):
            s.sleep[i] = (sid, ts(start), ts(end))
            s.sleep_by_key[(sid, ts(start))] = i
        for i, direction, at, sid in rows("SELECT id, direction, at, shinobi_id FROM gate_event"):
            s.gate[i] = (direction, ts(at), sid)
            s.gate_by_key[(sid, ts(at))] = i
        s.digest_problems = digest_problems(s, rows)
        s.partners = {(a, b) for a, b in rows("SELECT shinobi_id, partner_id FROM partner")}
        s.authorizations = {(m, u) for m, u in rows("SELECT mission_id, username FROM mission_authorization")}
        prev = GENESIS
        for n, (seq, action, target, details, digest, prev_hash) in enumerate(rows(
                "SELECT seq, action, target, details, hash, prev_hash FROM audit_entry ORDER BY seq"), 1):
            if seq != n and len(s.audit_problems) < 5:
                s.audit_problems.append(f"seq {seq} where {n} was due")
            if prev_hash != prev and len(s.audit_problems) < 5:
                s.audit_problems.append(f"seq {seq}: prev_hash does not link to seq {seq - 1}'s hash")
            prev = digest
            s.audit_hashes.append(digest)
            s.audit_keys.add(audit_key(action, target, js(details) or {}))
    return s


def digest_problems(s: State, rows: Any) -> list[str]:
    """The per-shinobi digests of the sleep log and the gate log (adapters/db/sleep_digest.py, gate_digest.py) are
    written in the transaction that logs an episode or an event: after any crash each must be what the log gives,
    and a shinobi has one exactly when they have a row in the log (read in the same snapshot as the log)."""
    from collections import defaultdict

    from missiondesk.adapters.db import gate_digest, sleep_digest

    us = sleep_digest.micros
    sleep: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for sid, start, end in s.sleep.values():
        sleep[sid].append((us(start), us(end)))
    gate: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for i, (direction, at, sid) in s.gate.items():
        if sid is not None:
            gate[sid].append((us(at), i, int(direction == "in")))
    problems = []
    for table, column, log, digest in (("sleep_digest", "episodes", sleep, sleep_digest),
                                       ("gate_digest", "events", gate, gate_digest)):
        kept = {sid: bytes(blob) for sid, blob in rows(f"SELECT shinobi_id, {column} FROM {table}")}  # noqa: S608
        wanted = {sid: digest.expected(v) for sid, v in log.items()}
        wrong = sorted(sid for sid in kept.keys() | wanted.keys() if kept.get(sid) != wanted.get(sid))
        if wrong:
            problems.append(f"{table}: {len(wrong)} shinobi's digest is not what the log gives (e.g. {wrong[:3]})")
    return problems


# -- the checks --------------------------------------------------------------------------------------------
def parts(w: Write, s: State, auth_expect: dict[int, set[str]]) -> tuple[list[bool], list[str]]:
    """For one write: which of its parts (rows and audit entries) are in the state, and, for the parts
    present, how their fields differ from what was acknowledged (acknowledged writes only)."""
    got, sent, diffs = w.got, w.sent, []
    if w.kind == "shinobi":
        sid = got.get("id", s.shinobi_by_name.get(sent["name"]))
        row = s.shinobi.get(sid) if sid is not None else None
        have = [row is not None, ("shinobi.created", f"shinobi:{sid}", None) in s.audit_keys]
        if "account" in sent:
            acc = s.accounts.get(sent["account"]["username"])
            have += [acc is not None, ("account.created", f"shinobi:{sid}", None) in s.audit_keys]
            if got and acc is not None and acc != (sid, sorted(sent["account"]["roles"])):
                diffs.append(f"account {acc} != {(sid, sent['account']['roles'])}")
        if got and row is not None:
            want = (got["name"], got["rank"], got["clearance"], got["status"], got["divisions"], got["specialties"])
            if row != want:
                diffs.append(f"shinobi {sid}: {row} != {want}")
    elif w.kind == "mission":
        mid = got.get("id", s.mission_by_title.get(sent["title"]))
        row = s.missions.get(mid) if mid is not None else None
        have = [row is not None, ("mission.created", f"mission:{mid}", None) in s.audit_keys]
        if got and row is not None:
            want = (got["title"], got["rank"], got["kind"], got["classification"], got["reward_ryo"],
                    got["min_team_size"], row[6], ts(got["posted_at"]), got["description"])
            statuses = auth_expect.get(mid, {got["status"]})
            if row != want or row[6] not in statuses:
                diffs.append(f"mission {mid}: {row} != {want[:6]}, status in {sorted(statuses)}, …")
    elif w.kind == "sleep":
        sid, start, end = sent["shinobi_id"], sent["start"], sent["end"]
        eid = got.get("id", s.sleep_by_key.get((sid, start)))
        row = s.sleep.get(eid) if eid is not None else None
        have = [row is not None, ("sleep.logged", f"shinobi:{sid}", start) in s.audit_keys]
        if got and row is not None and row != (sid, start, end):
            diffs.append(f"sleep {eid}: {row} != {(sid, start, end)}")
    elif w.kind == "gate":
        have = []
        ids = got.get("event_ids") or [s.gate_by_key.get((sid, sent["at"])) for sid in sent["shinobi_ids"]]
        for eid, sid in zip(ids, sent["shinobi_ids"], strict=True):
            row = s.gate.get(eid) if eid is not None else None
            have += [row is not None, (f"gate.{sent['direction']}", f"shinobi:{sid}", sent["at"]) in s.audit_keys]
            if got and row is not None and row != (sent["direction"], sent["at"], sid):
                diffs.append(f"gate event {eid}: {row} != {(sent['direction'], sent['at'], sid)}")
    elif w.kind == "partners":
        a, b = sent["a"], sent["b"]
        have = [(a, b) in s.partners, (b, a) in s.partners,
                ("shinobi.partners_linked", f"shinobi:{a}", b) in s.audit_keys]
    elif w.kind == "authorize":
        mid = sent["mission_id"]
        have = [(mid, USER) in s.authorizations, ("mission.authorized", f"mission:{mid}", None) in s.audit_keys]
        if got and s.missions.get(mid, (None,) * 7)[6] != "open":
            diffs.append(f"mission {mid} authorised but its status is {s.missions.get(mid, (None,) * 7)[6]}")
    else:
        raise AssertionError(w.kind)
    return have, diffs


@dataclass
class Check:
    acked: int = 0
    acked_present: int = 0
    unacked: int = 0
    landed: int = 0
    torn: int = 0
    integrity_ok: bool | None = None
    integrity: str = ""
    chain_ok: bool = False
    entries: int = 0
    api_entries: int = 0
    violations: list[str] = field(default_factory=list)

    def line(self) -> str:
        integ = {True: "ok", False: "FAILED", None: "n/a"}[self.integrity_ok]
        return (f"acked present {self.acked_present}/{self.acked}, unacked so far {self.unacked} (landed "
                f"{self.landed}, torn {self.torn}), integrity {integ}, audit {self.entries} entries chain "
                f"{'ok' if self.chain_ok else 'BROKEN'}")


class Verifier:
    def __init__(self, db: Database, server: Server, seed: int):
        self.db = db
        self.server = server
        self.rng = random.Random(f"{seed}:verify")
        self.max_entries = 0
        self.prefix: list[str] = []

    def verify(self, run: Run, token: str) -> Check:
        c = Check()
        acked, unacked, rejected = run.snapshot()
        # the audit chain through the API (the server's own verification)
        try:
            r = httpx.get(self.server.base + "/api/v1/audit/verify", headers={"Authorization": f"Bearer {token}"},
                          timeout=120)
            body = r.json()
            c.api_entries = int(body.get("entries", -1))
            api_ok = r.status_code == 200 and body.get("ok") is True and body.get("first_bad_seq") is None
            if not api_ok:
                c.violations.append(f"GET /audit/verify: {r.status_code} {r.text[:300]}")
        except (httpx.HTTPError, ValueError) as e:
            api_ok = False
            c.violations.append(f"GET /audit/verify failed: {e!r}")
        c.integrity_ok, c.integrity = self.db.integrity()
        if c.integrity_ok is False:
            c.violations.append(f"SQLite integrity: {c.integrity}")
        try:
            s = load_state(self.db)
        except Exception as e:  # a database too damaged to read: nothing below can be judged
            c.violations.append(f"cannot read the database: {type(e).__name__}: {e}")
            return c
        # the audit log in the file
        c.entries = len(s.audit_hashes)
        if s.audit_problems:
            c.violations.append(f"audit rows: {'; '.join(s.audit_problems)}")
        c.violations += s.digest_problems
        if c.entries < self.max_entries or c.api_entries < self.max_entries:
            c.violations.append(f"audit entries went down: {self.max_entries} before, now {c.entries} in the "
                                f"file and {c.api_entries} by the API")
        if c.api_entries != c.entries:
            c.violations.append(f"audit entries: the API counts {c.api_entries}, the file holds {c.entries}")
        if s.audit_hashes[:len(self.prefix)] != self.prefix:
            bad = next(i for i, (x, y) in enumerate(zip(self.prefix, s.audit_hashes, strict=False), 1) if x != y) \
                if len(s.audit_hashes) >= len(self.prefix) else len(s.audit_hashes) + 1
            c.violations.append(f"audit entry seq {bad} changed (or vanished) since the last check")
        c.chain_ok = api_ok and not s.audit_problems and s.audit_hashes[:len(self.prefix)] == self.prefix
        self.max_entries = max(self.max_entries, c.entries, c.api_entries)
        self.prefix = list(s.audit_hashes)
        # what a mission's status may be, given the authorisations acknowledged or in flight
        auth_expect: dict[int, set[str]] = {}
        for w in acked:
            if w.kind == "authorize":
                auth_expect[w.sent["mission_id"]] = {"open"}
        for w in unacked:
            if w.kind == "authorize":
                auth_expect[w.sent["mission_id"]] = {"pending_authorization", "open"}
        # every acknowledged write, whole and equal
        c.acked = len(acked)
        for w in acked:
            have, diffs = parts(w, s, auth_expect)
            if all(have) and not diffs:
                c.acked_present += 1
            elif not all(have):
                c.violations.append(f"LOST acknowledged write {w.ticket} ({w.kind}, {w.got}): parts present {have}")
            else:
                c.violations.append(f"CHANGED acknowledged write {w.ticket} ({w.kind}): {'; '.join(diffs)}")
        # in flight: all or nothing
        c.unacked = len(unacked)
        for w in unacked:
            have, _ = parts(w, s, auth_expect)
            if all(have):
                c.landed += 1
            elif any(have):
                c.torn += 1
                c.violations.append(f"TORN in-flight write {w.ticket} ({w.kind}, {w.sent}): parts present {have}")
        for w in rejected:
            have, _ = parts(w, s, auth_expect)
            if any(have):
                c.violations.append(f"write {w.ticket} ({w.kind}) answered {w.status} but present: {have}")
        c.violations += self.through_api(acked, token)
        return c

    def through_api(self, acked: list[Write], token: str) -> list[str]:
        """A sample of acknowledged writes read back through the API."""
        out: list[str] = []
        http = httpx.Client(base_url=self.server.base + "/api/v1", headers={"Authorization": f"Bearer {token}"},
                            timeout=30)
        with http:
            by_kind: dict[str, list[Write]] = {}
            for w in acked:
                by_kind.setdefault(w.kind, []).append(w)
            for w in self.rng.sample(by_kind.get("shinobi", []), min(10, len(by_kind.get("shinobi", [])))):
                r = http.get(f"/shinobi/{w.got['id']}")
                if r.status_code != 200 or any(r.json()[k] != w.got[k] for k in ("name", "rank", "clearance",
                                                                                   "divisions", "specialties")):
                    out.append(f"API: GET /shinobi/{w.got['id']} -> {r.status_code} {r.text[:200]}")
            for w in self.rng.sample(by_kind.get("mission", []), min(10, len(by_kind.get("mission", [])))):
                r = http.get(f"/missions/{w.got['id']}")
                if r.status_code != 200 or any(r.json()[k] != w.got[k] for k in ("title", "rank", "kind",
                                                                                   "reward_ryo", "min_team_size")):
                    out.append(f"API: GET /missions/{w.got['id']} -> {r.status_code} {r.text[:200]}")
            sleeps = by_kind.get("sleep", [])
            for sid in {w.sent["shinobi_id"] for w in self.rng.sample(sleeps, min(5, len(sleeps)))}:
                r = http.get(f"/shinobi/{sid}/sleep")
                logged = {(ts(e["start"]), ts(e["end"])) for e in r.json()} if r.status_code == 200 else set()
                missing = [w.ticket for w in sleeps if w.sent["shinobi_id"] == sid
                           and (w.sent["start"], w.sent["end"]) not in logged]
                if r.status_code != 200 or missing:
                    out.append(f"API: GET /shinobi/{sid}/sleep -> {r.status_code}, acknowledged missing: {missing}")
        return out


# -- the run -----------------------------------------------------------------------------------------------
def kill_points(rng: random.Random, writes: int, kills: int) -> list[int]:
    """One point in each of `kills` equal slices of the run, away from the slice edges."""
    if kills == 0:
        return []
    width = writes / kills
    points = sorted({int(i * width + rng.uniform(0.1, 0.9) * width) + 1 for i in range(kills)})
    if len(points) != kills or points[-1] >= writes:
        raise SystemExit(f"cannot spread {kills} kills over {writes} writes")
    return points


def token_works(base: str, token: str) -> bool:
    try:
        return httpx.get(base + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"},
                         timeout=30).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--writes", type=int, help="writes to attempt (default 5,000)")
    ap.add_argument("--kills", type=int, help="kill -9s, spread over the writes (default 20)")
    ap.add_argument("--quick", action="store_true", help="for CI: 1,000 writes and 5 kills")
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--clients", type=int, default=3, help="concurrent client threads (default 3)")
    ap.add_argument("--database", help="postgresql://host:port/db (a fresh database is created there and "
                                       "dropped) or sqlite:///new-file; default a fresh SQLite file in a temp dir")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (database, server.log)")
    args = ap.parse_args()
    args.writes = args.writes or (1000 if args.quick else 5000)
    args.kills = args.kills if args.kills is not None else (5 if args.quick else 20)
    rng = random.Random(args.seed)
    points = kill_points(rng, args.writes, args.kills)
    tmp = Path(tempfile.mkdtemp(prefix="md-crash-"))
    db = Database(args.database, tmp)
    server = Server(db.server_url, tmp)
    run = Run(args.writes, points, args.clients)
    verifier = Verifier(db, server, args.seed)
    violations: list[str] = []
    restarts: list[float] = []
    integrity_ok = chain_ok = checks = 0
    last: Check | None = None
    t_start = time.monotonic()

    def judge(label: str, c: Check) -> None:
        nonlocal integrity_ok, chain_ok, checks
        checks += 1
        integrity_ok += c.integrity_ok is True
        chain_ok += c.chain_ok and not any("audit" in v for v in c.violations)
        for v in c.violations:
            violations.append(f"[{label}] {v}")
            print(f"    VIOLATION {v}", flush=True)

    print(f"crash proof: engine {db.engine}, {args.writes} writes, {args.kills} kills at {points}, "
          f"{args.clients} clients, seed {args.seed}", flush=True)
    print(f"database {db.server_url}", flush=True)
    try:
        first = server.start()
        token = server.login()
        if db.sqlite:
            with contextlib.closing(sqlite3.connect(db.path)) as conn:
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            print(f"server up in {first:.2f} s on port {server.port}; journal_mode={mode}", flush=True)
        clients = [Client(i, run, server.base, args.seed) for i in range(args.clients)]
        run.go_up(token)
        for c in clients:
            c.start()
        for k in range(len(points)):
            while not run.kill_due.wait(0.5):
                if not server.alive():
                    raise RuntimeError(f"the server died by itself:\n{server.tail()}")
                crashed = [c for c in clients if c.crashed is not None]
                if crashed:
                    raise RuntimeError(f"client thread failed: {crashed[0].crashed!r}")
                if not any(c.is_alive() for c in clients):
                    raise RuntimeError("the clients finished before every kill was made")
            run.kill_due.clear()
            time.sleep(rng.uniform(0, 0.015))
            at, acked_at_kill, in_flight = run.go_down()
            server.kill9()
            if not run.wait_parked(60):
                raise RuntimeError("client threads did not park after the kill")
            restart = server.start()
            restarts.append(restart)
            kept = token_works(server.base, token)
            if not kept:
                violations.append(f"[crash {k + 1}] the bearer token issued before the crash no longer works")
                print("    VIOLATION the bearer token issued before the crash no longer works", flush=True)
            token = server.login()
            c = verifier.verify(run, token)
            print(f"crash {k + 1:2}/{len(points)} at write {at:5} (in flight {in_flight}, acked so far "
                  f"{acked_at_kill}) | restart {restart:.2f} s | {c.line()} | old token "
                  f"{'ok' if kept else 'LOST'}", flush=True)
            judge(f"crash {k + 1}", c)
            run.go_up(token)
        for c in clients:
            c.join()
        crashed = [c for c in clients if c.crashed is not None]
        if crashed:
            raise RuntimeError(f"client thread failed: {crashed[0].crashed!r}")
        c = last = verifier.verify(run, token)
        print(f"final                                                 | {c.line()}", flush=True)
        judge("final", c)
        cli = subprocess.run([server.exe, "audit", "verify", "--database", db.server_url], cwd=tmp, env=server.env,
                             capture_output=True, text=True, timeout=300)
        cli_out = " ".join((cli.stdout + cli.stderr).split())
        print(f"missiondesk audit verify: exit {cli.returncode}: {cli_out}", flush=True)
        if cli.returncode != 0:
            violations.append(f"[final] missiondesk audit verify: exit {cli.returncode}: {cli_out}")
    except Exception as e:
        violations.append(f"run aborted: {e}")
        print(f"ABORTED: {e}", flush=True)
    finally:
        with run.cond:  # release any parked client so that nothing hangs
            run.stopped = True
            run.cond.notify_all()
        server.close()
    total = time.monotonic() - t_start
    acked, unacked, rejected = run.snapshot()
    lost = sum(1 for v in violations if "LOST acknowledged" in v)
    print()
    print(f"engine: {db.engine}   seed: {args.seed}   clients: {args.clients}")
    print(f"writes attempted:            {run.drawn}")
    print(f"acknowledged (2xx):          {len(acked)}")
    mix = {k: sum(1 for w in acked if w.kind == k) for k in WEIGHTS}
    print(f"acknowledged by kind:        {', '.join(f'{k} {n}' for k, n in mix.items())}, of which with an "
          f"account {sum(1 for w in acked if w.kind == 'shinobi' and 'account' in w.sent)}")
    landed = f"{last.landed} landed whole, {last.torn} torn, the rest absent" if last else "not checked"
    print(f"in flight at a kill:         {len(unacked)} ({landed})")
    print(f"answered non-2xx:            {len(rejected)}"
          + (f"  e.g. {rejected[0].status} {rejected[0].error}" if rejected else ""))
    print(f"connection errors, server up: {len(run.unexpected_errors)}")
    print(f"answers differing from request: {len(run.response_mismatch)}"
          + (f"  e.g. {run.response_mismatch[0]}" if run.response_mismatch else ""))
    print(f"lost-but-acknowledged:       {lost}")
    print(f"kills:                       {len(restarts)}/{len(points)}")
    integ = f"{integrity_ok}/{checks}" if db.sqlite else "n/a (PostgreSQL)"
    print(f"integrity_check ok:          {integ}  (after each restart and at the end)")
    print(f"audit chain ok:              {chain_ok}/{checks}; entries never went down: "
          f"{'yes' if not any('went down' in v for v in violations) else 'NO'} (last {verifier.max_entries})")
    if restarts:
        print(f"restart time:                median {statistics.median(restarts):.2f} s, max {max(restarts):.2f} s")
    print(f"total time:                  {total:.1f} s")
    print(f"violations:                  {len(violations)}")
    for v in violations[:50]:
        print(f"  {v}")
    failed = bool(violations) or bool(run.response_mismatch)
    if failed or args.keep:
        print(f"kept: {tmp} (database, server.log)")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    db.drop()
    print("RESULT: " + ("FAIL" if failed else "PASS"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
