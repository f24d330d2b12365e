"""A real `missiondesk serve` in a subprocess, on SQLite or PostgreSQL, spoken to over HTTP."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ..conftest import BOOT_PASSWORD, DAWN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# `missiondesk serve` as the console script runs it (the same main()), but hashing at argon2's least cost, as the
# tests in this process do (tests/conftest.py): the accounts seeded here and those made over HTTP there are hashed
# alike, and no sign-in spends 40 ms of a core on OWASP's cost. passwords.use_cost is reachable from no setting or
# variable, so the test server is started through it. The README tour (test_readme_tour.py) and test_cli.py still
# run the installed `missiondesk` itself, at production cost.
SERVE_CHEAPLY = """import sys
from missiondesk.services import passwords
passwords.use_cost(time_cost=1, memory_cost=8, parallelism=1)
from missiondesk.adapters.cli import main
sys.argv[0] = "missiondesk"
sys.exit(main())
"""


class Server:
    def __init__(self, url: str, workdir: Path, clock: str = DAWN, env: dict[str, str] | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "MISSIONDESK_DATABASE_URL": url, "MISSIONDESK_BOOTSTRAP_PASSWORD": BOOT_PASSWORD,
               "MISSIONDESK_BOOTSTRAP_USER": "hokage", "MISSIONDESK_CLOCK": clock, **(env or {})}
        self.log = open(workdir / "server.log", "w+")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-c", SERVE_CHEAPLY,
                                      "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                     cwd=workdir, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"server exited: {self.log.read()[-3000:]}")
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in 60 s")
            time.sleep(0.1)

    def token(self, username: str = "hokage", password: str = BOOT_PASSWORD) -> str:
        r = httpx.post(self.base + "/api/v1/auth/token", json={"username": username, "password": password})
        r.raise_for_status()
        return r.json()["access_token"]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture
def server(database_url, tmp_path):
    s = Server(database_url, tmp_path)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def village(tmp_path_factory):
    """The demo village on a server of the browser module's own, on the demo's clock: (server, password)."""
    from .browser import demo_village

    yield from demo_village(tmp_path_factory)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    from .browser import chromium

    yield from chromium()


@pytest.fixture(scope="module")
def api(village):
    """`api("iruka")`: an HTTP client signed in as that demo account (with the demo's password, or `secret`),
    for setting up and reading the record beside a browser test."""
    server, password = village
    clients: dict[str, httpx.Client] = {}

    def client(username: str, secret: str | None = None) -> httpx.Client:
        if username not in clients:
            r = httpx.post(server.base + "/api/v1/auth/token",
                           json={"username": username, "password": secret or password})
            assert r.status_code == 200, r.text
            clients[username] = httpx.Client(base_url=server.base + "/api/v1", timeout=10,
                                             headers={"Authorization": f"Bearer {r.json()['access_token']}"})
        return clients[username]

    yield client
    for c in clients.values():
        c.close()
