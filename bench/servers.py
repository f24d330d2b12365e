"""A real `missiondesk serve` for benchmarks: a fresh database, a server on a free port, signed-in clients.

    with fresh_database(args.database, tmp) as url:           # SQLite in tmp, or a new md_bench_* database
        with Server(url, tmp, env={"MISSIONDESK_CLOCK": CLOCK}, bootstrap_password=PASSWORD) as server:
            api = server.api_client("hokage", PASSWORD)        # httpx, base_url /api/v1, bearer token
            page = server.page_client("clerk", PASSWORD)       # httpx, signed in through the /login form

The server runs in its own process with the environment given on top of this one's (any MISSIONDESK_* of
the caller's is dropped first, so a developer's settings never leak into a benchmark), logs to a file in the
work folder, and is waited for until /api/v1/health answers; `stop()` sends SIGTERM, then SIGKILL after 15 s.
"""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def executable() -> str:
    """The `missiondesk` beside this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "missiondesk"
    return str(beside) if beside.exists() else (shutil.which("missiondesk") or str(beside))


@contextlib.contextmanager
def fresh_database(server_url: str | None, tmp: Path, *, prefix: str = "md_bench_") -> Iterator[str]:
    """A new, empty database, dropped afterwards: a SQLite file in `tmp` when no server is given, else a
    database named `prefix` + random hex on that PostgreSQL server (postgresql://host:port/any). Yields its URL
    (postgresql+psycopg:// for PostgreSQL)."""
    if not server_url or server_url.startswith("sqlite"):
        yield server_url or f"sqlite:///{tmp / 'bench.db'}"
        return
    import psycopg

    plain = server_url.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"{prefix}{secrets.token_hex(5)}"
    with psycopg.connect(plain, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{plain.rsplit('/', 1)[0].replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        with psycopg.connect(plain, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """One `missiondesk serve --host 127.0.0.1 --port <free>` on `database_url`."""

    def __init__(self, database_url: str, workdir: Path, *, env: Mapping[str, str] | None = None,
                 bootstrap_password: str | None = None, worker: bool = True, name: str = "server"):
        self.database_url = database_url
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.api = self.base + "/api/v1"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MISSIONDESK_")}
        self.env["MISSIONDESK_DATABASE_URL"] = database_url
        if bootstrap_password:
            self.env["MISSIONDESK_BOOTSTRAP_PASSWORD"] = bootstrap_password
        self.env.update(env or {})
        self.args = [executable(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if not worker:
            self.args.append("--no-worker")
        self.logpath = workdir / f"{name}-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self._log = None
        self._clients: list[httpx.Client] = []

    # -- life ---------------------------------------------------------------------------------------------
    def start(self, timeout: float = 120) -> float:
        """Start and wait until /api/v1/health answers 200; the seconds it took (migrations included)."""
        t0 = time.monotonic()
        self._log = open(self.logpath, "a")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(self.args, cwd=self.workdir, env=self.env, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if httpx.get(self.api + "/health", timeout=1).status_code == 200:
                    return time.monotonic() - t0
            except httpx.HTTPError:
                pass
            if time.monotonic() - t0 > timeout:
                self.stop()
                raise RuntimeError(f"the server did not answer /api/v1/health in {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.05)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Close the clients handed out, SIGTERM the server (SIGKILL after 15 s), close its log."""
        for c in self._clients:
            c.close()
        self._clients.clear()
        if self.alive():
            assert self.proc is not None
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self, chars: int = 3000) -> str:
        if self._log is not None:
            self._log.flush()
        try:
            return self.logpath.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- signing in -----------------------------------------------------------------------------------------
    def token(self, username: str, password: str) -> str:
        """A bearer token from POST /auth/token; a 429 (the sign-in throttle, or argon2 busy) is waited out as
        Retry-After says."""
        last = ""
        for _ in range(20):
            r = httpx.post(self.api + "/auth/token", json={"username": username, "password": password}, timeout=60)
            if r.status_code == 200:
                return r.json()["access_token"]
            last = f"{r.status_code} {r.text[:300]}"
            if r.status_code != 429:
                break
            time.sleep(float(r.headers.get("Retry-After") or 1))
        raise RuntimeError(f"sign-in as {username}: {last}")

    def api_client(self, username: str, password: str, timeout: float = 120) -> httpx.Client:
        """A keep-alive client on /api/v1 carrying `username`'s bearer token."""
        c = httpx.Client(base_url=self.api, timeout=timeout,
                         headers={"Authorization": f"Bearer {self.token(username, password)}"})
        self._clients.append(c)
        return c

    def page_client(self, username: str, password: str, timeout: float = 120) -> httpx.Client:
        """A keep-alive client on the site signed in as a browser is: GET /login (its CSRF cookie and token),
        POST /login with the form; the session cookie stays in the client."""
        c = httpx.Client(base_url=self.base, timeout=timeout)
        last = ""
        for _ in range(20):
            form = c.get("/login")
            found = CSRF.search(form.text)
            if form.status_code != 200 or not found:
                raise RuntimeError(f"GET /login: {form.status_code}, no CSRF token in the form")
            r = c.post("/login", data={"username": username, "password": password, "csrf": found.group(1),
                                       "next": "/board"})
            if r.status_code == 303 and "md_session" in c.cookies:
                self._clients.append(c)
                return c
            last = f"{r.status_code} {r.text[:300]}"
            if r.status_code != 429:
                break
            time.sleep(float(r.headers.get("Retry-After") or 1))
        c.close()
        raise RuntimeError(f"page sign-in as {username}: {last}")
