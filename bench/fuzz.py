"""Fuzz the HTTP API with schemathesis, signed in as the hokage and as a genin, then with hostile bodies.

The requirement it proves: schemathesis against the OpenAPI schema, at least 100 examples per
operation, signed in as the hokage and as a genin: zero 5xx, zero responses that break the schema.

What it does
  1. Starts a real `missiondesk serve` on a free port with a fresh SQLite file in a temporary folder
     (or, with --database, PostgreSQL: given a server URL such as postgresql://127.0.0.1:5432/test it
     creates a fresh database there for the run and drops it afterwards, as shared/acceptance does).
  2. Seeds a small village over HTTP, so that ids 1..N exist and fuzzed requests reach the code
     behind the 404s: shinobi of every rank (a genin account `genin`, a clerk, a medic, a council
     member, ANBU), partners, missions of every rank, classification and status, a team on a
     mission, reports, briefs (one destroyed), sleep logs, restrictions, a welfare hold, injuries,
     gate events, a detainee with a transfer and an audience request, alerts.
  3. Loads /openapi.json from the running server with `schemathesis.openapi.from_url` and, for each
     role (the genin first, then the hokage, whose requests change far more), runs every operation
     with --examples Hypothesis-generated cases in schemathesis's positive mode (valid by the schema)
     and --negative cases in its negative mode (invalid by the schema; 0 turns them off), each sent
     with `Authorization: Bearer <the role's token>` (schemathesis's own security parameters are turned
     off, so negative mode never drops or garbles that header: every request is signed in).

Checks on every response
  - not_a_server_error (schemathesis): no 5xx.
  - response_schema_conformance (schemathesis): a response whose status the operation documents
    (its 2xx, and FastAPI's 422) matches the documented JSON schema.
  - documented_success_status (here): a 2xx or 3xx the operation does not document is a schema
    violation too (nothing describes its body). schemathesis's status_code_conformance is NOT applied
    to 4xx: the contract's errors (401, 403, 404, 409, 410, 422, 429) are documented once, in
    shared/CONTRACT.md, not per operation in the OpenAPI schema, so it would fire on every one of them.
  - error_envelope (here): instead, every 4xx and 5xx has the contract's body
    {"error": {"code": str, "message": str, "details": list}}.
  A violation of any of the last three counts as a schema violation.

Fuzzing aids (they only steer generated values towards the seeded data; every value stays one the
schema allows): ids in paths, queries and bodies (`*_id`, `*_ids`) are redrawn among 1..N+3 three
times in four; times in bodies and queries are redrawn near now half of the time. An operation with
few possible inputs (or none) is still sent --examples requests, as its answer changes with the state
the other operations build (Hypothesis would otherwise stop once it has tried every input there is).

Not fuzzed: POST /api/v1/auth/logout, which would revoke the fuzzer's own token (it is still called
once per role, at the end, and checked). The HTML pages are outside the schema
(include_in_schema=False); the script checks that every path in the schema is under /api/.
Login lock-out: POST /api/v1/auth/token locks a username after 5 failures in 15 minutes. A generated
request naming one of the seeded accounts (any case) has its username replaced with `fuzz-<name>`,
so the fuzzer can never lock out `hokage`, `genin` or the others; and a 401 INVALID_TOKEN on a request
that carried the role's token makes the script sign in again and resend (counted as re-logins).

Sign-in is throttled by address too, and the fuzzed failures come from this machine's: a 429 on the
fuzzer's own sign-in is waited out as its Retry-After says (up to two minutes).

Hostile bodies (after the schema's run, on the same server; --part hostile runs them alone). Bodies no
schema describes, each sent on a fresh raw socket so that a lying or endless body can be sent at all:
  - nested JSON: arrays and objects 20, 320, 1,000 and 5,000 deep, as a field and as the whole body, on
    POST /api/v1/auth/token (signed out), missions, a report (specimens, casualties), assignments
    (shinobi_ids), gate events and PATCH /shinobi: each must be a 4xx with the error envelope.
  - huge bodies, against the server's MISSIONDESK_MAX_BODY_BYTES (read from this environment, which the
    server inherits; default 1 MiB): the limit + 1 bytes declared and chunked on the sign-in (signed out),
    missions, gate events and the /login form: 413 PAYLOAD_TOO_LARGE with the envelope; exactly the limit:
    judged as usual (not 413). 100 MB streamed chunked, and declared by Content-Length (8 chunked at once
    too): 413 with the envelope, the sender stopped as soon as the answer is there. Content-Length lying
    high (100 MB declared, 10 bytes sent): 413 at once. Content-Length lying low (1 KiB or the limit
    declared, 100 MB behind it): by HTTP/1.1 the body ends where the header says and the rest is a
    malformed next request, so no 413 is owed: the HTTP layer answers its own 400 (no envelope: the app
    never sees it) and closes. Fewer bytes than declared, then the client stops writing: no answer is
    owed, no 5xx. Broken framing (Content-Length -1, 1e9, two of them, a chunk longer than its size line):
    the HTTP layer's 400.
  - long lists: 10,000 and 1,000,000 specimens, casualties and shinobi_ids (assignments, gate events), a
    username, and as many ids as fit under the limit: a 4xx with the envelope within 5 s.
  For each category: requests sent, the statuses seen, 5xx, the slowest answer, and the server's memory
  (VmRSS and VmHWM from /proc/<pid>/status) before and after it; VmHWM is reset (clear_refs) before each
  part, so the figure after it is the part's own peak. The server must answer GET /api/v1/health after each.

Prints: operations tested, examples run per role, 5xx, schema violations, wall time; then each
distinct failure (operation, check, the smallest request that showed it, the response's status and
first 300 characters) and the distinct unexpected errors in the server's log (last frame, exception);
then the hostile bodies' table, memory and problems.
Exit 1 on any 5xx, schema violation, request the server did not answer, or hostile body not answered as
above.

    .venv/bin/python bench/fuzz.py                 # 100 examples per operation per role, SQLite
    .venv/bin/python bench/fuzz.py --quick         # 25 per operation per role, for CI (about a minute)
    .venv/bin/python bench/fuzz.py --part hostile  # the hostile bodies alone (seconds)
    .venv/bin/python bench/fuzz.py --database postgresql://127.0.0.1:5432/test --seed 7

Seeded and reproducible: --seed fixes every generated input and the seeded village (times are drawn
as offsets from the clock). With --workers > 1 (default 2) the operations of a role are fuzzed by that
many worker processes at once, as concurrent clients would use the server (this is what finds races);
the order in which their requests reach the server, and with it the server's state, may then differ
between runs. --workers 1 is fully reproducible. (Processes, not threads: Hypothesis and CPython 3.11's
compiler are not safe to drive from several threads at once.)
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import http.client
import json
import multiprocessing
import os
import random
import re
import secrets
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

BOOT_USER = "hokage"
BOOT_PASSWORD = "five-great-nations-2026"  # noqa: S105 - a throwaway server's bootstrap password
PASSWORD = "scroll-of-seals-4471"  # noqa: S105 - every seeded account's; must not contain a username
GENIN = "genin"
EXCLUDED = {("POST", "/api/v1/auth/logout")}
SCHEMA_CHECKS = ("response_schema_conformance", "documented_success_status", "error_envelope")
CONTRACT_STATUSES = {200, 201, 204, 401, 403, 404, 409, 410, 422, 429}
TIME_KEYS = {"at", "start", "end", "since", "until", "starts_at", "ends_at", "departs_at", "posted_at"}


# -- the server --------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command() -> list[str]:
    exe = Path(sys.executable).parent / "missiondesk"
    if exe.exists():
        return [str(exe)]
    if shutil.which("missiondesk"):
        return [shutil.which("missiondesk")]  # type: ignore[list-item]
    return [sys.executable, "-c", "from missiondesk.adapters.cli import main; main()"]


@contextlib.contextmanager
def database(url: str | None, tmp: Path) -> Iterator[str]:
    """A fresh database for the run: an SQLite file in tmp, or a new database on a PostgreSQL server."""
    if not url:
        yield f"sqlite:///{tmp / 'fuzz.db'}"
        return
    if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        yield url
        return
    import psycopg

    server = url.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"md_fuzz_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = server.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    def __init__(self, database_url: str, workdir: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "MISSIONDESK_DATABASE_URL": database_url, "MISSIONDESK_BOOTSTRAP_USER": BOOT_USER,
               "MISSIONDESK_BOOTSTRAP_PASSWORD": BOOT_PASSWORD}
        self.log_path = workdir / "server.log"
        self.log = open(self.log_path, "w+")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([*serve_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                     cwd=workdir, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer /api/v1/health within 60 s")
            time.sleep(0.1)

    def log_text(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


# -- the village -------------------------------------------------------------------------------------
def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


class Seeder:
    """A thin HTTP client that insists on the status it expects: the seed is part of the proof."""

    def __init__(self, base: str):
        self.http = httpx.Client(base_url=base + "/api/v1", timeout=60)
        self.tokens: dict[str, str] = {}

    def login(self, username: str, password: str = PASSWORD) -> str:
        r = self.http.post("/auth/token", json={"username": username, "password": password})
        if r.status_code != 200:
            raise RuntimeError(f"sign-in as {username} -> {r.status_code}: {r.text}")
        self.tokens[username] = r.json()["access_token"]
        return self.tokens[username]

    def ok(self, who: str, method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200, 201)) -> Any:
        r = self.http.request(method, path, json=body, headers={"Authorization": f"Bearer {self.tokens[who]}"})
        if r.status_code not in expect:
            raise RuntimeError(f"seeding: {who} {method} {path} -> {r.status_code}: {r.text[:500]}")
        return r.json() if r.content else None

    def shinobi(self, name: str, rank: str, clearance: str = "public", divisions: tuple[str, ...] = (),
                specialties: tuple[str, ...] = (), username: str | None = None, roles: tuple[str, ...] = ()) -> int:
        body: dict[str, Any] = {"name": name, "rank": rank, "clearance": clearance, "divisions": list(divisions),
                                "specialties": list(specialties)}
        if username:
            body["account"] = {"username": username, "password": PASSWORD, "roles": list(roles)}
        sid = self.ok(BOOT_USER, "POST", "/shinobi", body, expect=(201,))["id"]
        if username:
            self.login(username)
        return sid


def seed_village(base: str, rng: random.Random) -> dict[str, Any]:
    d = Seeder(base)
    d.login(BOOT_USER, BOOT_PASSWORD)
    now = datetime.now(UTC).replace(microsecond=0)
    v: dict[str, Any] = {"hokage": 1}
    v["genin"] = d.shinobi("Sarutobi Konohamaru", "genin", username=GENIN)
    v["clerk"] = d.shinobi("Umino Iruka", "chunin", "confidential", username="clerk", roles=("clerk",))
    v["medic"] = d.shinobi("Haruno Sakura", "jonin", "top_secret", ("anbu", "medical"), ("healing",),
                           username="medic", roles=("medic",))
    v["council"] = d.shinobi("Mitokado Homura", "jonin", "top_secret", username="council", roles=("council",))
    v["anbu"] = d.shinobi("Hatake Kakashi", "jonin", "top_secret", ("anbu",), ("sharingan", "tracking"),
                          username="anbu")
    v["udon"] = d.shinobi("Udon", "genin")
    v["moegi"] = d.shinobi("Moegi", "genin")
    v["shikamaru"] = d.shinobi("Nara Shikamaru", "chunin", "confidential", specialties=("strategy",))
    v["neji"] = d.shinobi("Hyuga Neji", "jonin", "secret", ("anbu",))
    v["yamato"] = d.shinobi("Yamato", "jonin", "secret", ("anbu",))
    v["sai"] = d.shinobi("Sai", "chunin", "secret", ("anbu",))
    v["jiraiya"] = d.shinobi("Jiraiya", "special_jonin", "top_secret")
    people = [v[k] for k in ("genin", "clerk", "medic", "council", "anbu", "udon", "moegi", "shikamaru", "neji",
                             "yamato", "sai", "jiraiya")]
    d.ok(BOOT_USER, "POST", f"/shinobi/{v['medic']}/partners", {"partner_id": v["anbu"]})
    d.ok("clerk", "POST", f"/shinobi/{v['genin']}/partners", {"partner_id": v["udon"]})
    d.ok(BOOT_USER, "POST", f"/shinobi/{v['neji']}/partners", {"partner_id": v["shikamaru"]})

    # a week of nights, 22:00 to 06:00 (five hours for two of them), ending on the day before yesterday's
    # morning at the latest, so that departures at `day` + 10:00 are in the past and rested
    day = (now - timedelta(days=1)).replace(hour=0, minute=0, second=0)
    for sid in people[:-1]:  # nothing for Jiraiya: his fatigue is unknown
        hours = 5 if sid in (v["udon"], v["sai"]) else 8
        for k in range(7):
            start = day - timedelta(days=k, hours=2) + timedelta(minutes=rng.randint(-30, 30))
            end = start + timedelta(hours=hours)
            who = GENIN if sid == v["genin"] else BOOT_USER
            d.ok(who, "POST", f"/shinobi/{sid}/sleep", {"start": iso(start), "end": iso(end)})

    # missions of every rank and classification
    m: dict[str, int] = {}
    for rank, cls, kind in [("D", "public", "chores"), ("D", "confidential", "delivery"),
                            ("C", "public", "escort"), ("C", "secret", "escort"), ("B", "public", "recon"),
                            ("B", "confidential", "recon"), ("A", "secret", "defense"), ("A", "public", "defense"),
                            ("S", "top_secret", "assassination"), ("S", "secret", "retrieval")]:
        body = {"title": f"{rank}-{cls}-{kind}", "rank": rank, "kind": kind, "classification": cls,
                "reward_ryo": {"D": 5000, "C": 50_000, "B": 100_000, "A": 500_000, "S": 3_000_000}[rank],
                "posted_at": iso(now - timedelta(days=rng.randint(2, 30))), "description": f"a {rank} mission"}
        m[f"{rank}_{cls}"] = d.ok("clerk" if rank in "DCB" and cls != "secret" else BOOT_USER, "POST", "/missions",
                                  body, expect=(201,))["id"]
    d.ok(BOOT_USER, "POST", f"/missions/{m['A_secret']}/authorizations")
    d.ok(BOOT_USER, "POST", f"/missions/{m['S_top_secret']}/authorizations")
    d.ok("council", "POST", f"/missions/{m['S_top_secret']}/authorizations")
    d.ok("council", "POST", f"/missions/{m['S_secret']}/authorizations")  # one of two: still pending
    v["missions"] = m

    # a team out on a B mission, through the gate; another mission done, with a casualty and a specimen
    d.ok(BOOT_USER, "POST", f"/missions/{m['B_public']}/assignments",
         {"shinobi_ids": [v["neji"], v["yamato"]], "departs_at": iso(day + timedelta(hours=10))}, expect=(201,))
    d.ok("clerk", "POST", "/gate/events", {"direction": "out", "at": iso(day + timedelta(hours=10)),
                                           "shinobi_ids": [v["neji"], v["yamato"]]})
    d.ok(BOOT_USER, "POST", f"/missions/{m['C_public']}/assignments",
         {"shinobi_ids": [v["genin"], v["udon"], v["moegi"]], "departs_at": iso(day - timedelta(hours=14))},
         expect=(201,))
    d.ok(GENIN, "POST", f"/missions/{m['C_public']}/report",
         {"outcome": "success", "at": iso(day - timedelta(hours=6)), "summary": "escorted the bridge builder",
          "casualties": [{"shinobi_id": v["moegi"], "status": "injured",
                          "injury": {"body_part": "left arm", "kind": "cut", "severity": "minor"}}],
          "specimens": [{"description": "a kunai of unknown make"}]})
    d.ok(BOOT_USER, "POST", f"/missions/{m['D_public']}/assignments",
         {"shinobi_ids": [v["genin"]], "departs_at": iso(day + timedelta(hours=9))}, expect=(201,))
    d.ok(BOOT_USER, "POST", f"/missions/{m['D_public']}/report",
         {"outcome": "aborted", "at": iso(day + timedelta(hours=12))})
    d.ok("clerk", "POST", f"/missions/{m['D_confidential']}/assignments",
         {"shinobi_ids": [v["clerk"]], "departs_at": iso(day + timedelta(hours=9))}, expect=(201,))
    d.ok("clerk", "POST", f"/missions/{m['D_confidential']}/report",
         {"outcome": "failure", "at": iso(day + timedelta(hours=13)), "summary": "the cat got away"})
    # a refused S attempt for a shinobi with a partner on rest: alerts for the partner
    d.ok("medic", "POST", f"/shinobi/{v['shikamaru']}/restrictions",
         {"kind": "rest", "reason": "concussion", "starts_at": iso(now - timedelta(days=1)),
          "ends_at": iso(now + timedelta(days=3))}, expect=(201,))
    r = d.ok("medic", "POST", f"/shinobi/{v['udon']}/restrictions",
             {"kind": "light_duty", "reason": "sprained ankle", "starts_at": iso(now - timedelta(days=2))},
             expect=(201,))
    d.ok(BOOT_USER, "POST", f"/restrictions/{r['id']}/file")
    d.ok(BOOT_USER, "POST", f"/missions/{m['S_top_secret']}/assignments",
         {"shinobi_ids": [v["shikamaru"], v["anbu"], v["medic"], v["jiraiya"]]}, expect=(409,))
    d.ok(BOOT_USER, "POST", f"/shinobi/{v['sai']}/welfare-holds",
         {"reason": "lost his brother", "since": iso(now - timedelta(days=5))}, expect=(201,))
    hold = d.ok("medic", "POST", f"/shinobi/{v['moegi']}/welfare-holds",
                {"reason": "first mission injury", "since": iso(now - timedelta(days=2))}, expect=(201,))
    d.ok("medic", "POST", f"/welfare-holds/{hold['id']}/lift", {"at": iso(now - timedelta(hours=5)),
                                                                "note": "talked it through"})
    injury = d.ok("medic", "POST", f"/shinobi/{v['moegi']}/injuries",
                  {"body_part": "left arm", "kind": "cut", "severity": "minor", "at": iso(now - timedelta(days=2)),
                   "mission_id": m["C_public"]}, expect=(201,))
    d.ok("medic", "POST", f"/shinobi/{v['moegi']}/treatments",
         {"at": iso(now - timedelta(days=2)), "injury_id": injury.get("id")}, expect=(201,))
    d.ok("medic", "POST", f"/shinobi/{v['moegi']}/medications",
         {"drug": "soldier pill", "amount": 1, "at": iso(now - timedelta(days=2))}, expect=(201,))
    d.ok("medic", "POST", f"/shinobi/{v['moegi']}/medical-notes",
         {"text": "healing well", "at": iso(now - timedelta(days=1))}, expect=(201,))

    # briefs: two readable, one destroyed
    for key in ("B_confidential", "A_secret", "C_secret", "D_confidential"):
        d.ok(BOOT_USER, "POST", f"/missions/{m[key]}/brief", {"text": f"the brief of {key}"}, expect=(201,))
    d.ok(BOOT_USER, "GET", f"/missions/{m['A_secret']}/brief")
    d.ok(BOOT_USER, "POST", f"/missions/{m['C_secret']}/brief/destroy", {"reason": "compromised"})

    # custody: a detainee handed on, with an audience request; another released
    det = d.ok("anbu", "POST", "/custody", {"name": "Kabuto", "origin": "Otogakure",
                                            "at": iso(now - timedelta(days=1)), "escort_ids": [v["anbu"]]},
               expect=(201,))
    d.ok(BOOT_USER, "POST", f"/custody/{det['id']}/transfers",
         {"to_ids": [v["yamato"], v["sai"]], "at": iso(now - timedelta(hours=12))}, expect=(201,))
    d.ok("anbu", "POST", f"/custody/{det['id']}/audience-requests",
         {"with": "hokage", "at": iso(now - timedelta(hours=6))}, expect=(201,))
    det2 = d.ok(BOOT_USER, "POST", "/custody", {"name": "Sasori's puppet", "at": iso(now - timedelta(days=4)),
                                                 "escort_ids": [v["neji"]], "in_village": True}, expect=(201,))
    d.ok(BOOT_USER, "POST", f"/custody/{det2['id']}/release",
         {"outcome": "released", "at": iso(now - timedelta(days=3)), "note": "wood"}, expect=(200, 201))
    d.ok("anbu", "POST", "/gate/events", {"direction": "in", "at": iso(now - timedelta(hours=1)),
                                          "shinobi_ids": [v["anbu"]], "detainee_ids": [det["id"]]})
    top = max(max(people), max(m.values()), det2["id"])
    v["max_id"] = top + 3
    d.http.close()
    return v


# -- fuzzing -------------------------------------------------------------------------------------------
def documented_success_status(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 2xx or 3xx must be one the operation documents: nothing else describes its body."""
    if 200 <= response.status_code < 400:
        documented = {str(c) for c in case.operation.responses.status_codes}
        ok = (str(response.status_code) in documented or f"{str(response.status_code)[0]}XX" in documented
              or "default" in documented)
        if not ok:
            raise AssertionError(f"status {response.status_code} is not documented "
                                 f"(documented: {', '.join(sorted(documented))})")
    return None


def error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    """CONTRACT.md: every error has the body {"error": {"code", "message", "details": [...]}}."""
    if response.status_code >= 400:
        try:
            body = json.loads(response.content)
        except ValueError:
            raise AssertionError("an error body that is not JSON") from None
        err = body.get("error") if isinstance(body, dict) else None
        if not (isinstance(err, dict) and isinstance(err.get("code"), str) and isinstance(err.get("message"), str)
                and isinstance(err.get("details"), list)):
            raise AssertionError("an error body without the envelope {\"error\": {\"code\", \"message\", \"details\"}}")
    return None


CHECKS: list[Callable[..., bool | None]] = [not_a_server_error, response_schema_conformance,
                                            documented_success_status, error_envelope]


@dataclass
class Finding:
    role: str
    operation: str
    check: str
    title: str
    detail: str
    request: str
    status: int | None
    response: str
    count: int = 0
    roles: set[str] = field(default_factory=set)


@dataclass
class Stats:
    """What one job (or the whole run, once merged) saw. Plain data: it crosses process boundaries."""

    examples: dict[tuple[str, str], int] = field(default_factory=dict)  # (role, operation) -> requests
    server_errors: int = 0
    schema_violations: int = 0
    unanswered: int = 0
    not_sent: int = 0
    relogins: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    samples: dict[int, tuple[str, str]] = field(default_factory=dict)  # a status the contract does not name

    def count(self, role: str, operation: str, status: int | None) -> None:
        self.examples[(role, operation)] = self.examples.get((role, operation), 0) + 1
        if status is not None:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def found(self, key: tuple[str, str, str], new: Finding) -> None:
        """Count a failure; keep the smallest request that showed it."""
        role, old = new.role, self.findings.get(key)
        if old is not None and len(new.request) >= len(old.request):
            new = old
        elif old is not None:
            new.count, new.roles = old.count, old.roles
        new.count += 1
        new.roles.add(role)
        self.findings[key] = new

    def merge(self, other: Stats) -> None:
        for k, n in other.examples.items():
            self.examples[k] = self.examples.get(k, 0) + n
        for k, n in other.statuses.items():
            self.statuses[k] = self.statuses.get(k, 0) + n
        self.server_errors += other.server_errors
        self.schema_violations += other.schema_violations
        self.unanswered += other.unanswered
        self.not_sent += other.not_sent
        self.relogins += other.relogins
        self.notes += other.notes
        for status, sample in other.samples.items():
            if status not in self.samples or len(sample[0]) < len(self.samples[status][0]):
                self.samples[status] = sample
        for key, f in other.findings.items():
            old = self.findings.get(key)
            if old is None:
                self.findings[key] = f
                continue
            keep = f if len(f.request) < len(old.request) else old
            keep.count, keep.roles = old.count + f.count, old.roles | f.roles
            self.findings[key] = keep


class Role:
    def __init__(self, name: str, username: str, password: str, base: str):
        self.name, self.username, self.password, self.base = name, username, password, base
        self.token = ""
        self.login()

    def login(self) -> None:
        """Sign in; a 429 (the fuzzed failures from this address throttle it too) is waited out as its
        Retry-After says, for up to two minutes."""
        deadline = time.monotonic() + 120
        while True:
            r = httpx.post(self.base + "/api/v1/auth/token",
                           json={"username": self.username, "password": self.password}, timeout=60)
            if r.status_code == 429 and time.monotonic() < deadline:
                time.sleep(min(30.0, float(r.headers.get("Retry-After", "1")) + 0.1))
                continue
            if r.status_code != 200:
                raise RuntimeError(f"sign-in as {self.username} -> {r.status_code}: {r.text}")
            self.token = r.json()["access_token"]
            return


def describe_request(response: Any, base: str) -> str:
    req = response.request
    url = req.url.removeprefix(base)
    body = req.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    text = f"{req.method} {url}"
    if body:
        text += f"\n      body: {body[:600]}{'…' if len(body) > 600 else ''}"
    return text


def steer(case: Any, data: Any, max_id: int, protected: set[str]) -> None:
    """Draw ids among the seeded ones and times near now; keep the seeded accounts out of /auth/token."""
    def small(v: Any) -> Any:
        return data.draw(st.integers(1, max_id)) if isinstance(v, int) and not isinstance(v, bool) else v

    def near_now(v: Any) -> Any:
        if not isinstance(v, str) or not data.draw(st.booleans()):
            return v
        t = datetime.now(UTC) + timedelta(minutes=data.draw(st.integers(-30 * 24 * 60, 7 * 24 * 60)))
        offset = data.draw(st.sampled_from(["Z", "+09:00", "-05:00"]))
        return t.strftime("%Y-%m-%dT%H:%M:%S") + offset if offset != "Z" else iso(t.replace(microsecond=0))

    def walk(obj: Any) -> Any:
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                key = str(k)
                if key.endswith("_id") and data.draw(st.integers(0, 3)) > 0:
                    out[k] = small(v)
                elif key.endswith("_ids") and isinstance(v, list) and data.draw(st.integers(0, 3)) > 0:
                    out[k] = [small(x) for x in v]
                elif key in TIME_KEYS:
                    out[k] = near_now(v)
                else:
                    out[k] = walk(v)
            return out
        if isinstance(obj, list):
            return [walk(x) for x in obj]
        return obj

    if case.path_parameters:
        case.path_parameters = {k: (small(v) if data.draw(st.integers(0, 3)) > 0 else v)
                                for k, v in case.path_parameters.items()}
    if case.query:
        case.query = walk(case.query)
    body = getattr(case, "body", None)
    if isinstance(body, dict | list):
        case.body = walk(copy.deepcopy(body))
        if case.operation.path.endswith("/auth/token") and isinstance(case.body, dict):
            name = case.body.get("username")
            if isinstance(name, str) and name.strip().lower() in protected:
                case.body["username"] = f"fuzz-{name}"


def takes_input(operation: Any) -> bool:
    return any(True for _ in operation.iter_parameters()) or len(operation.body) > 0


@dataclass(frozen=True)
class Job:
    """One operation in one generation mode for one role: what a worker process is handed."""

    base: str
    role: str
    username: str
    password: str
    method: str
    path: str
    mode: str
    n: int
    seed: int
    max_id: int
    protected: frozenset[str]


_CACHE: dict[Any, Any] = {}  # per process: the loaded schema and the signed-in roles


def load_schema(base: str) -> Any:
    if base not in _CACHE:
        # with-security-parameters off: the Authorization header is ours (the role's token), never one that
        # negative mode drops or garbles, so that every request is signed in as the role it is counted for
        config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
        _CACHE[base] = schemathesis.openapi.from_url(base + "/openapi.json", config=config)
    return _CACHE[base]


def run_job(job: Job) -> Stats:
    stats = Stats()
    label = f"{job.method} {job.path}"
    try:
        operation = load_schema(job.base)[job.path][job.method]
        key = (job.base, job.role)
        if key not in _CACHE:
            _CACHE[key] = Role(job.role, job.username, job.password, job.base)
        fuzz_operation(operation, schemathesis.GenerationMode(job.mode), job, _CACHE[key], stats)
    except Exception as exc:  # never hide a job that could not run
        stats.notes.append(f"{job.role} {label} [{job.mode}]: the job failed: {type(exc).__name__}: {exc}")
    return stats


def record_response(stats: Stats, role: Role, case: Any, response: Any) -> None:
    label = case.operation.label
    failures: list[tuple[str, Failure]] = []
    for check in CHECKS:
        try:
            case.validate_response(response, checks=[check])
        except FailureGroup as group:
            failures.extend((check.__name__, f) for f in group.exceptions)
        except AssertionError as exc:  # a check that raised outside a group
            failures.append((check.__name__, Failure(operation=label, message=str(exc))))
    stats.count(role.name, label, response.status_code)
    if response.status_code >= 500:
        stats.server_errors += 1
    if any(name in SCHEMA_CHECKS for name, _ in failures):
        stats.schema_violations += 1
    request = describe_request(response, role.base)
    text = response.content.decode("utf-8", errors="replace")[:300]
    status = response.status_code
    sample = f"{label}: {request}"
    if status not in CONTRACT_STATUSES and len(sample) < len(stats.samples.get(status, (sample + "-", ""))[0]):
        stats.samples[status] = (sample, text)
    for name, f in failures:
        detail = f.message or ""
        unique = getattr(f, "_unique_key", None) or f.title
        stats.found((label, name, str(unique)),
                    Finding(role.name, label, name, f.title, detail[:1200], request, response.status_code, text))


def fuzz_operation(operation: Any, mode: schemathesis.GenerationMode, job: Job, role: Role, stats: Stats) -> None:
    label = operation.label
    try:
        strategy = operation.as_strategy(generation_mode=mode)
    except Exception as exc:  # schemathesis cannot build cases for this operation in this mode
        stats.notes.append(f"{role.name} {label} [{mode.value}]: no strategy: {type(exc).__name__}: {exc}")
        return
    session = requests.Session()

    @hypothesis.settings(max_examples=job.n, deadline=None, database=None, phases=[Phase.generate],
                         suppress_health_check=list(HealthCheck), report_multiple_bugs=False, print_blob=False)
    @hypothesis.seed(job.seed ^ zlib.crc32(f"{role.name} {label} {mode.value}".encode()))
    # the nonce keeps Hypothesis from stopping early on an operation with few possible inputs (or none)
    @hypothesis.given(case=strategy, data=st.data(), nonce=st.integers(0, 10**9))
    def run(case: Any, data: Any, nonce: int) -> None:
        steer(case, data, job.max_id, job.protected)
        token = role.token
        try:
            response = case.call(base_url=role.base, session=session, timeout=60,
                                 headers={"Authorization": f"Bearer {token}"})
            if response.status_code == 401 and b"INVALID_TOKEN" in response.content:
                role.login()
                stats.relogins += 1
                response = case.call(base_url=role.base, session=session, timeout=60,
                                     headers={"Authorization": f"Bearer {role.token}"})
        except requests.RequestException as exc:  # the server did not answer
            stats.unanswered += 1
            stats.count(role.name, label, None)
            stats.found((label, "unanswered", type(exc).__name__),
                        Finding(role.name, label, "unanswered", type(exc).__name__, str(exc)[:300],
                                f"{case.method} {case.formatted_path}", None, ""))
            return
        except Exception as exc:  # the client could not build or send this request: not the server's fault
            stats.not_sent += 1
            stats.notes.append(f"{role.name} {label} [{mode.value}]: a case not sent: {type(exc).__name__}: "
                               f"{str(exc)[:200]}")
            return
        record_response(stats, role, case, response)

    try:
        run()
    except Exception as exc:  # Hypothesis gave up (e.g. Unsatisfiable): report, never hide
        stats.notes.append(f"{role.name} {label} [{mode.value}]: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        session.close()


def check_logout(role: Role, stats: Stats, schema: Any) -> None:
    """The one excluded operation, called once per role with its own fresh token and checked like the rest."""
    operation = schema["/api/v1/auth/logout"]["POST"]
    role.login()
    case = operation.Case()
    response = case.call(base_url=role.base, headers={"Authorization": f"Bearer {role.token}"}, timeout=60)
    record_response(stats, role, case, response)


def server_tracebacks(log: str) -> list[tuple[str, int]]:
    """Distinct unexpected errors in the server's log: the app's last frame and the exception, with a count."""
    found: dict[str, int] = {}
    for chunk in log.split("\nunexpected error\n")[1:]:
        chunk = chunk.split("\nERROR:")[0]
        frames = re.findall(r'^\s+File "([^"]*missiondesk/[^"]*)", line (\d+), in (\S+)', chunk, re.M)
        errors = re.findall(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)\b.*)$", chunk, re.M)
        where = f"{frames[-1][0].split('missiondesk/', 1)[-1]}:{frames[-1][1]} in {frames[-1][2]}" if frames else "?"
        key = f"{where}: {errors[-1][:300] if errors else '?'}"
        found[key] = found.get(key, 0) + 1
    return sorted(found.items(), key=lambda kv: -kv[1])


def fuzz_role(role: Role, operations: list[Any], args: argparse.Namespace, village: dict[str, Any],
              stats: Stats, protected: frozenset[str]) -> int:
    jobs = [Job(role.base, role.name, role.username, role.password, op.method.upper(), op.path, mode.value, n,
                args.seed, village["max_id"], protected)
            for mode, n in ((schemathesis.GenerationMode.POSITIVE, args.examples),
                            (schemathesis.GenerationMode.NEGATIVE, args.negative)) if n > 0
            for op in operations if mode == schemathesis.GenerationMode.POSITIVE or takes_input(op)]
    if args.workers <= 1:
        for job in jobs:
            stats.merge(run_job(job))
        return len(jobs)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=context) as pool:
        for job, future in [(job, pool.submit(run_job, job)) for job in jobs]:
            try:
                stats.merge(future.result())
            except Exception as exc:  # a worker process died
                stats.notes.append(f"{job.role} {job.method} {job.path} [{job.mode}]: worker failed: {exc!r}")
    return len(jobs)


# -- hostile bodies ----------------------------------------------------------------------------------
# Bodies no schema describes, sent over raw sockets (so that a lying or endless body can be sent at all):
# deeply nested JSON, bodies past the server's limit (declared, streamed chunked, or with a Content-Length
# that lies), and lists far longer than any the API takes. See the docstring's "Hostile bodies".
KIB, MIB, MB = 1024, 1024 * 1024, 1000 * 1000
NEST_DEPTHS = (20, 320, 1000, 5000)
HUGE = 100 * MB  # bytes in an endless body
LIST_LENGTHS = (10_000, 1_000_000)
CONCURRENT = 8  # endless bodies sent at once
QUICK_ANSWER = 5.0  # seconds: a long list is refused within this, or it is a problem
_BLOCK = b"a" * (256 * KIB)


def body_limit() -> int:
    """The server's MISSIONDESK_MAX_BODY_BYTES: it inherits this process's environment (default 1 MiB)."""
    return int(os.environ.get("MISSIONDESK_MAX_BODY_BYTES", str(MIB)))


@dataclass
class Answer:
    status: int | None
    body: bytes
    latency: float  # from the first byte of the request to the whole answer (or to giving up)
    sent: int  # body bytes sent before the answer came (or the connection ended)
    ended: str  # how the exchange ended when it had no answer, or the sender's error


def padded(head: bytes, total: int, tail: bytes = b'"}') -> Iterator[bytes]:
    """`head`, then "a"s, then `tail`: exactly `total` bytes (a JSON string that grows to any size)."""
    yield head
    left = total - len(head) - len(tail)
    while left > 0:
        yield _BLOCK[:left]
        left -= len(_BLOCK)
    yield tail


def pieces(body: bytes) -> Iterator[bytes]:
    for i in range(0, len(body), len(_BLOCK)):
        yield body[i:i + len(_BLOCK)]


def exchange(port: int, method: str, path: str, headers: dict[str, str], body: Iterator[bytes] | bytes, *,
             chunked: bool = False, half_close: bool = False, timeout: float = 30.0) -> Answer:
    """One request on a fresh connection, the body sent piece by piece until the server answers (it may answer
    before the body is through: then nothing more is sent). Headers are sent as given, lies included."""
    start = time.monotonic()
    sent, ended = 0, ""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
                *(f"{k}: {v}" for k, v in headers.items())]
        if chunked:
            head.append("Transfer-Encoding: chunked")
        try:
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
            for piece in pieces(body) if isinstance(body, bytes) else body:
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered (or closed): stop sending
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
                sent += len(piece)
            else:
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
                if half_close:
                    sock.shutdown(socket.SHUT_WR)
        except OSError as exc:  # the server closed while the body was going out: read what it said
            ended = f"{type(exc).__name__} while sending"
        try:
            response = http.client.HTTPResponse(sock, method=method)
            response.begin()
            data = response.read()
            return Answer(response.status, data, time.monotonic() - start, sent, ended)
        except (OSError, http.client.HTTPException) as exc:
            ended = ", ".join(x for x in (ended, f"no answer: {type(exc).__name__}") if x)
            return Answer(None, b"", time.monotonic() - start, sent, ended)
    finally:
        sock.close()


def envelope_code(body: bytes) -> str | None:
    """The error envelope's code, or None when the body is not the contract's {"error": {...}}."""
    try:
        err = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return None
    ok = (isinstance(err, dict) and isinstance(err.get("code"), str) and isinstance(err.get("message"), str)
          and isinstance(err.get("details"), list))
    return err["code"] if ok else None


@dataclass
class Category:
    name: str
    sent: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    server_errors: int = 0
    max_latency: float = 0.0
    slowest: str = ""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    memory: list[str] = field(default_factory=list)

    def check(self, label: str, a: Answer, want: str, *, envelope: bool = True) -> Answer:
        """Count an answer and hold it to `want`: "413" (with the envelope, PAYLOAD_TOO_LARGE), "4xx", "not 413"
        (any answer under 500 but 413), "4xx or none" (a client that stops mid-body may get no answer).
        `envelope`: a 4xx must have the error envelope (not for HTTP-level refusals, made before the app runs)."""
        self.sent += 1
        key = str(a.status) if a.status is not None else "none"
        self.statuses[key] = self.statuses.get(key, 0) + 1
        if a.latency > self.max_latency:
            self.max_latency, self.slowest = a.latency, label
        status = a.status
        if status is not None and status >= 500:
            self.server_errors += 1
        code = envelope_code(a.body)
        if want == "413":
            ok = status == 413 and code == "PAYLOAD_TOO_LARGE"
        elif want == "not 413":
            ok = status is not None and status < 500 and status != 413
        else:
            ok = (status is not None and 400 <= status < 500) or (status is None and want == "4xx or none")
        if ok and envelope and status is not None and 400 <= status < 500 and code is None:
            ok = False
        if not ok:
            self.problems.append(f"{label}: wanted {want}{' with the envelope' if envelope else ''}, got {key}"
                                 f"{' (' + a.ended + ')' if a.ended else ''}: {a.body[:200]!r}")
        return a


def nested(depth: int, kind: str) -> str:
    return "[" * depth + "]" * depth if kind == "array" else '{"a": ' * depth + "1" + "}" * depth


def memory(pid: int) -> dict[str, float]:
    """The server's resident set now and its high-water mark (VmRSS, VmHWM), in MB."""
    out = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
    return out


def reset_peak(pid: int) -> bool:
    """Reset the server's VmHWM to its current RSS (Linux: 5 to /proc/PID/clear_refs), so that the peak read
    afterwards is the peak of what came between."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def fmt_memory(m: dict[str, float]) -> str:
    return f"VmRSS {m.get('VmRSS', float('nan')):.1f} MB, VmHWM {m.get('VmHWM', float('nan')):.1f} MB"


def hostile_bodies(server: Server, token: str, village: dict[str, Any]) -> list[Category]:
    port, pid, limit = server.port, server.proc.pid, body_limit()
    hokage = {"Authorization": f"Bearer {token}"}
    m = village["missions"]
    report_path = f"/api/v1/missions/{m['B_public']}/report"
    assign_path = f"/api/v1/missions/{m['A_public']}/assignments"
    at = iso(datetime.now(UTC).replace(microsecond=0))
    js = {"Content-Type": "application/json"}

    def post(cat: Category, label: str, path: str, body: bytes, want: str, auth: dict[str, str],
             method: str = "POST", content_type: dict[str, str] = js) -> Answer:
        headers = {**content_type, **auth, "Content-Length": str(len(body))}
        return cat.check(f"{method} {path} {label}", exchange(port, method, path, headers, body), want)

    def healthy(cat: Category) -> None:
        if server.proc.poll() is not None:
            cat.problems.append(f"the server died (exit {server.proc.returncode})")
            raise RuntimeError(f"the server died during the {cat.name} part")
        try:
            if httpx.get(server.base + "/api/v1/health", timeout=10).status_code != 200:
                cat.problems.append("GET /api/v1/health did not answer 200 after the part")
        except httpx.HTTPError as exc:
            cat.problems.append(f"GET /api/v1/health after the part: {type(exc).__name__}")

    def part(cat: Category, run: Callable[[Category], None]) -> Category:
        before, reset = memory(pid), reset_peak(pid)
        run(cat)
        healthy(cat)
        after = memory(pid)
        cat.memory = [f"before the part: {fmt_memory(before)} (the peak since the server started)",
                      f"after the part:  {fmt_memory(after)}" + (" (the peak during the part: VmHWM was reset)"
                                                                 if reset else " (VmHWM could not be reset)")]
        return cat

    # -- deeply nested JSON, as a field's value and as the whole body, signed in or not
    def nesting(cat: Category) -> None:
        for depth in NEST_DEPTHS:
            arr, obj = nested(depth, "array"), nested(depth, "object")
            for path, body, auth, method in (
                    ("/api/v1/auth/token", '{"username": ' + arr + ', "password": "x"}', {}, "POST"),
                    ("/api/v1/auth/token", obj, {}, "POST"),
                    ("/api/v1/missions", '{"title": "x", "rank": "D", "kind": ' + arr + "}", hokage, "POST"),
                    (report_path, f'{{"outcome": "success", "at": "{at}", "specimens": {arr}, '
                                  f'"casualties": [{obj}]}}', hokage, "POST"),
                    (assign_path, '{"shinobi_ids": ' + arr + "}", hokage, "POST"),
                    ("/api/v1/gate/events", arr, hokage, "POST"),
                    (f"/api/v1/shinobi/{village['udon']}", '{"specialties": ' + obj + "}", hokage, "PATCH")):
                post(cat, f"depth {depth}", path, body.encode(), "4xx", auth, method)

    # -- bodies past the limit: declared, streamed, lied about
    def huge(cat: Category) -> None:
        login = b'{"username": "'
        for path, auth, ctype, head in (
                ("/api/v1/auth/token", {}, js, login),
                ("/api/v1/missions", hokage, js, b'{"title": "x", "rank": "D", "kind": "'),
                ("/api/v1/gate/events", hokage, js, b'{"direction": "out", "note": "'),
                ("/login", {}, {"Content-Type": "application/x-www-form-urlencoded"}, b"username=")):
            tail = b"" if head == b"username=" else b'"}'
            for size, want, label in ((limit + 1, "413", "limit + 1 bytes, declared"),
                                      (limit, "not 413", "exactly the limit, declared")):
                headers = {**ctype, **auth, "Content-Length": str(size)}
                cat.check(f"POST {path} {label}", exchange(port, "POST", path, headers, padded(head, size, tail)),
                          want, envelope=path.startswith("/api/") or want == "413")
            cat.check(f"POST {path} limit + 1 bytes, chunked",
                      exchange(port, "POST", path, {**ctype, **auth}, padded(head, limit + 1, tail), chunked=True),
                      "413")
        for path, auth, head in (("/api/v1/auth/token", {}, login),
                                 ("/api/v1/missions", hokage, b'{"title": "x", "rank": "D", "kind": "')):
            a = cat.check(f"POST {path} 100 MB, chunked", exchange(
                port, "POST", path, {**js, **auth}, padded(head, HUGE), chunked=True), "413")
            cat.notes.append(f"POST {path} 100 MB chunked: {a.status} after {a.sent / MB:.1f} MB of "
                             f"{HUGE / MB:.0f} MB sent (the sockets' buffers included), in {a.latency:.3f} s")
            a = cat.check(f"POST {path} 100 MB, declared", exchange(
                port, "POST", path, {**js, **auth, "Content-Length": str(HUGE)}, padded(head, HUGE)), "413")
            cat.notes.append(f"POST {path} 100 MB declared: {a.status} after {a.sent / MB:.1f} MB sent, "
                             f"in {a.latency:.3f} s")
            # Content-Length lies low: by HTTP/1.1 the body ends where it says, and what follows is the next
            # request, so no 413 can be owed; the HTTP layer refuses the garbage (its own 400, no envelope, the
            # connection closed) and the server must never read on towards 100 MB
            for declared in (KIB, limit):
                a = cat.check(f"POST {path} 100 MB under Content-Length: {declared}", exchange(
                    port, "POST", path, {**js, **auth, "Content-Length": str(declared)}, padded(head, HUGE)), "4xx",
                    envelope=False)
                cat.notes.append(f"POST {path} Content-Length {declared} with 100 MB behind it: {a.status} after "
                                 f"{a.sent / MB:.1f} MB sent{' (' + a.ended + ')' if a.ended else ''}")
            # Content-Length lies high: 100 MB declared, 10 bytes sent, then the client stops writing
            cat.check(f"POST {path} 100 MB declared, 10 bytes sent", exchange(
                port, "POST", path, {**js, **auth, "Content-Length": str(HUGE)}, login[:10], half_close=True), "413")
            # under the limit declared, fewer bytes sent, then the client stops writing: no answer is owed
            cat.check(f"POST {path} {limit // 2} bytes declared, 10 sent", exchange(
                port, "POST", path, {**js, **auth, "Content-Length": str(limit // 2)}, login[:10], half_close=True),
                "4xx or none")
        # several endless bodies at once: each refused, the server's memory still flat
        with ThreadPoolExecutor(CONCURRENT) as pool:
            answers = list(pool.map(lambda _: exchange(port, "POST", "/api/v1/auth/token", js, padded(login, HUGE),
                                                       chunked=True), range(CONCURRENT)))
        for a in answers:
            cat.check(f"POST /api/v1/auth/token 100 MB chunked, {CONCURRENT} at once", a, "413")
        # framing the HTTP layer refuses before the app runs (no envelope: it is not the app's answer)
        path = "/api/v1/auth/token"
        for label, headers, body in (
                ("Content-Length: -1", {"Content-Length": "-1"}, b"{}"),
                ("Content-Length: 1e9", {"Content-Length": "1e9"}, b"{}"),
                ("two Content-Lengths", {"Content-Length": "2", "content-length": "99999999"}, b"{}")):
            cat.check(f"POST {path} {label}", exchange(port, "POST", path, {**js, **headers}, body), "4xx",
                      envelope=False)
        cat.check(f"POST {path} chunk larger than its size line", exchange(
            port, "POST", path, {**js, "Transfer-Encoding": "chunked"}, b"4\r\n" + b"a" * 200 * KIB + b"\r\n0\r\n\r\n"),
            "4xx", envelope=False)

    # -- lists far past every cap, and one as long as fits under the limit
    def lists(cat: Category) -> None:
        fits = (limit - 64) // 2  # "1," per element
        for n in (*LIST_LENGTHS, fits):
            ids = ("[" + ",".join(["1"] * n) + "]").encode()
            label = f"{n:,} elements" + (" (as many as fit)" if n == fits else "")
            cases = [
                (report_path, b'{"outcome": "success", "at": "' + at.encode() + b'", "specimens": ['
                 + b",".join([b'{"description": "x"}'] * n) + b"]}", hokage, "specimens"),
                (report_path, b'{"outcome": "success", "at": "' + at.encode() + b'", "casualties": ['
                 + b",".join([b'{"shinobi_id": 1, "status": "injured"}'] * n) + b"]}", hokage, "casualties"),
                (assign_path, b'{"shinobi_ids": ' + ids + b"}", hokage, "shinobi_ids"),
                ("/api/v1/gate/events", b'{"direction": "out", "at": "' + at.encode() + b'", "shinobi_ids": '
                 + ids + b"}", hokage, "shinobi_ids"),
                ("/api/v1/auth/token", b'{"username": ' + ids + b', "password": "x"}', {}, "username"),
            ]
            for path, body, auth, name in cases:
                if n == fits and len(body) > limit:
                    continue  # only the list of ids is sized to fit
                a = post(cat, f"{name}: {label} ({len(body) / MIB:.2f} MiB)", path, body, "4xx", auth)
                if a.latency > QUICK_ANSWER:
                    cat.problems.append(f"POST {path} {name}: {label}: answered in {a.latency:.1f} s, over "
                                        f"{QUICK_ANSWER:.0f} s")

    return [part(Category("nested JSON"), nesting), part(Category("huge bodies"), huge),
            part(Category("long lists"), lists)]


def report_hostile(categories: list[Category]) -> None:
    print(f"\nhostile bodies (the server's body limit: {body_limit():,} bytes)")
    print(f"{'category':<16}{'requests':>9}{'5xx':>6}{'max latency':>13}   statuses")
    for c in categories:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(c.statuses.items()))
        print(f"{c.name:<16}{c.sent:>9}{c.server_errors:>6}{c.max_latency:>11.3f} s   {statuses}")
    for c in categories:
        print(f"{c.name}: slowest {c.slowest} ({c.max_latency:.3f} s)")
        for line in c.memory:
            print(f"  server memory {line}")
        for note in c.notes:
            print(f"  {note}")
        for problem in c.problems:
            print(f"  PROBLEM: {problem}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--examples", type=int, default=100, help="positive cases per operation per role (100)")
    ap.add_argument("--negative", type=int, default=None,
                    help="negative (schema-violating) cases per operation per role (default: half of --examples)")
    ap.add_argument("--quick", action="store_true", help="for CI: 25 examples per operation per role")
    ap.add_argument("--seed", type=int, default=20260314)
    ap.add_argument("--workers", type=int, default=2,
                    help="operations fuzzed at once, each worker a process (default 2; 1 is fully reproducible)")
    ap.add_argument("--database", help="a PostgreSQL URL: a fresh database is made on that server for the run and "
                    "dropped after it (the URL's own database is only used to connect); another URL is used as is")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (database, server log)")
    ap.add_argument("--part", choices=("all", "schema", "hostile"), default="all",
                    help="schemathesis against the schema, the hostile bodies, or both (default)")
    args = ap.parse_args()
    if args.quick:
        args.examples = 25
    if args.negative is None:
        args.negative = args.examples // 2

    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="md-fuzz-"))
    stats = Stats()
    tracebacks: list[tuple[str, int]] = []
    engine = "?"
    operations: list[Any] = []
    hostile: list[Category] = []
    seeded_at = started
    try:
        with database(args.database, tmp) as url:
            engine = url.split(":", 1)[0].split("+")[0]
            server = Server(url, tmp)
            try:
                village = seed_village(server.base, random.Random(args.seed))
                hostile_token = Role("hostile", BOOT_USER, BOOT_PASSWORD, server.base).token  # before any fuzzing
                seeded_at = time.monotonic()
                schema = load_schema(server.base)
                for result in schema.get_all_operations():
                    op = result.ok()
                    if not op.path.startswith("/api/"):
                        raise RuntimeError(f"a path outside /api/ in the schema: {op.path}")
                    if (op.method.upper(), op.path) not in EXCLUDED:
                        operations.append(op)
                protected = frozenset({BOOT_USER, GENIN, "clerk", "medic", "council", "anbu"})
                roles = (("genin", GENIN, PASSWORD), ("hokage", BOOT_USER, BOOT_PASSWORD))
                for role_name, username, password in roles if args.part != "hostile" else ():
                    t0 = time.monotonic()
                    role = Role(role_name, username, password, server.base)
                    runs = fuzz_role(role, operations, args, village, stats, protected)
                    check_logout(role, stats, schema)
                    print(f"  {role_name}: {runs} runs (operation × generation mode) in {time.monotonic() - t0:.0f} s",
                          flush=True)
                    if server.proc.poll() is not None:
                        raise RuntimeError(f"the server died during the {role_name} run")
                if args.part != "schema":
                    t0 = time.monotonic()
                    hostile = hostile_bodies(server, hostile_token, village)
                    print(f"  hostile bodies: {sum(c.sent for c in hostile)} requests in {time.monotonic() - t0:.0f} s",
                          flush=True)
            finally:
                server.stop()
                tracebacks = server_tracebacks(server.log_text())
    finally:
        if not args.keep and not stats.findings and not tracebacks and not any(c.problems for c in hostile):
            shutil.rmtree(tmp, ignore_errors=True)
    wall = time.monotonic() - started
    report(args, stats, engine, operations, wall, seeded_at - started, tracebacks, tmp)
    if hostile:
        report_hostile(hostile)
    bad = (stats.server_errors or stats.schema_violations or stats.unanswered
           or any(c.server_errors or c.problems for c in hostile))
    print("\nRESULT: " + ("FAIL" if bad else "PASS: zero 5xx, zero responses that break the schema"
                          + (", every hostile body refused with a 4xx" if hostile else "")))
    return 1 if bad else 0


def free_form_operations(operations: list[Any]) -> list[str]:
    """Operations whose every documented 2xx JSON body is a free-form object (or a list of them)."""
    out = []
    for op in operations:
        bodies = []
        for code, response in op.definition.raw.get("responses", {}).items():
            if str(code).startswith("2"):
                bodies.append(response.get("content", {}).get("application/json", {}).get("schema"))
        bodies = [b for b in bodies if b is not None]

        def loose(b: dict[str, Any]) -> bool:
            if b.get("type") == "array":
                return loose(b.get("items", {}))
            return "$ref" not in b and "properties" not in b and b.get("type", "object") == "object"

        if bodies and all(loose(b) for b in bodies):
            out.append(op.label)
    return out


def report(args: argparse.Namespace, stats: Stats, engine: str, operations: list[Any], wall: float, seeding: float,
           tracebacks: list[tuple[str, int]], tmp: Path) -> None:
    free_form = free_form_operations(operations)
    roles = ("genin", "hokage")
    ops_tested = len({op for (_, op) in stats.examples})
    per_role = {r: sum(n for (role, _), n in stats.examples.items() if role == r) for r in roles}
    fuzzed = {(r, op): n for (r, op), n in stats.examples.items() if op != "POST /api/v1/auth/logout"}
    fewest = {r: min(((n, op) for (role, op), n in fuzzed.items() if role == r), default=(0, "-")) for r in roles}
    print()
    print(f"schemathesis {schemathesis.__version__} against missiondesk on {engine}, seed {args.seed}, "
          f"{args.examples} positive + {args.negative} negative cases per operation per role, "
          f"{args.workers} worker(s)")
    print("checks: not_a_server_error, response_schema_conformance, documented_success_status (2xx/3xx only), "
          "error_envelope (4xx/5xx); status_code_conformance is not applied to 4xx (see the docstring)")
    print()
    print(f"{'operations tested':<40}{ops_tested:>8}   ({len(operations)} fuzzed; POST /api/v1/auth/logout "
          f"called once per role)")
    for r in roles:
        n, op = fewest[r]
        print(f"{'examples run as ' + r:<40}{per_role[r]:>8}   (fewest for one fuzzed operation: {n}, {op})")
    print(f"{'5xx responses':<40}{stats.server_errors:>8}")
    print(f"{'schema violations':<40}{stats.schema_violations:>8}")
    print(f"{'requests the server did not answer':<40}{stats.unanswered:>8}")
    print(f"{'cases the client could not send':<40}{stats.not_sent:>8}")
    print(f"{'re-logins after 401 INVALID_TOKEN':<40}{stats.relogins:>8}")
    print(f"{'wall time':<40}{wall:>7.0f}s   (server start and seeding {seeding:.0f} s)")
    print("statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(stats.statuses.items())))
    if free_form:
        print(f"note: {len(free_form)} operation(s) document their 2xx body only as a free-form object or array of "
              f"objects, so schema conformance can catch little there: {', '.join(free_form)}")
    for status, (request, text) in sorted(stats.samples.items()):
        print(f"a status CONTRACT.md does not name: {status}, e.g. {request}\n      -> {text[:200]}")
    notes = sorted(set(stats.notes))
    for note in notes[:40]:
        print(f"note: {note}")
    if len(notes) > 40:
        print(f"note: … and {len(notes) - 40} more")
    if stats.findings:
        print(f"\n{len(stats.findings)} distinct failure(s), each with the smallest request seen:")
        for i, f in enumerate(sorted(stats.findings.values(), key=lambda f: (f.operation, f.check)), 1):
            who = ", ".join(sorted(f.roles))
            print(f"\n[{i}] {f.operation}   check: {f.check}   {f.title}   ×{f.count} (as {who})")
            if f.detail and f.check != "not_a_server_error":
                print("    " + f.detail.replace("\n", "\n    ")[:1200])
            print(f"    request:  {f.request}")
            print(f"    response: {f.status} {f.response}")
    if tracebacks:
        print("\ndistinct unexpected errors in the server log (the app's last frame: the exception):")
        for tb, count in tracebacks:
            print(f"  ×{count} {tb}")
    if stats.findings or tracebacks or args.keep:
        print(f"\ndatabase and server log kept in {tmp}")


if __name__ == "__main__":
    sys.exit(main())
