"""Running the office: serve the page and the API, run the alert worker, seed the demo, migrate."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from .common import DatabaseOpt, HostOpt, PortOpt, fails_cleanly, out

if TYPE_CHECKING:
    from ...config import Settings

commands = typer.Typer()

WorkerOpt = Annotated[bool, typer.Option(help="Deliver and escalate alerts in this process.")]


@commands.command()
@fails_cleanly
def serve(host: HostOpt = "127.0.0.1", port: PortOpt = 8000, database: DatabaseOpt = None,
          worker: WorkerOpt = True) -> None:
    """Migrate the database, then serve the page, the API and a worker that delivers and escalates alerts.

    --no-worker: run `missiondesk worker` beside it instead. With MISSIONDESK_AUDIT_KEY and
    MISSIONDESK_AUDIT_CHECKPOINTS set, signed checkpoints of the audit log are written as it grows."""
    from ...config import Settings

    _serve(Settings.from_env(database), host, port, with_worker=worker)


def quiet_collector() -> None:
    """Everything made at start-up (the app, its policy, the libraries) frozen out of the garbage collector's
    generations, and young collections made rarer: a read of the whole roster makes some 200,000 short-lived
    objects, and each full pass walked every long-lived one too. In process, the roster page's read at 10,000
    shinobi: p95 237 -> 105-109 ms, p50 114 -> 100 ms (40 reads). Cycles are still collected."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)


def _serve(settings: Settings, host: str, port: int, banner: Callable[[str], None] | None = None, *,
           with_worker: bool = True) -> None:
    import uvicorn

    from ...runtime import start
    from .. import audit_checkpoints
    from ..web.app import create_app
    from ..worker import describe, make_worker

    rt = start(settings)
    application = create_app(rt.uow, rt.settings, rt.policy)
    address = f"http://{host}:{port}"
    if banner:
        banner(address)
    else:
        out.print(f"missiondesk serving on {address} (database: {settings.database_url})")
    out.print(audit_checkpoints.describe(settings))
    writer = audit_checkpoints.start_checkpoints(rt.uow, settings)  # off the request path, on its own thread
    out.print(describe(settings) if with_worker else "alerts: no worker in this process (--no-worker): run "
              "`missiondesk worker` beside it, or nothing is delivered or escalated")
    alert_worker = make_worker(rt).start() if with_worker else None
    quiet_collector()
    try:
        uvicorn.run(application, host=host, port=port, log_level="warning",
                    # pages hold a live stream of alerts open (server-sent events): a stop waits this long for
                    # responses still being sent, then ends them, instead of waiting out each stream
                    timeout_graceful_shutdown=2,
                    # a client's own address is what the sign-in throttle counts: X-Forwarded-For is believed only
                    # from the proxies the operator names (FORWARDED_ALLOW_IPS), never by default
                    proxy_headers="FORWARDED_ALLOW_IPS" in os.environ)
    finally:
        if alert_worker is not None:
            alert_worker.stop()
        if writer is not None:
            writer.stop()  # and one last checkpoint if the log grew since the newest


@commands.command("worker")
@fails_cleanly
def worker_cmd(database: DatabaseOpt = None,
               once: Annotated[bool, typer.Option(help="One pass over what is due, then exit.")] = False,
               name: Annotated[str | None, typer.Option(help="This worker's name in the attempts' record.")] = None
               ) -> None:
    """Deliver alerts (e-mail, webhooks) and escalate unacknowledged ones, until stopped.

    Any number may run against PostgreSQL, on any machines; each delivery is claimed by one at a time."""
    import signal

    from ...config import Settings
    from ...runtime import start
    from ..worker import describe, make_worker

    rt = start(Settings.from_env(database), bootstrap=False)
    w = make_worker(rt, name)
    if once:
        timers, sent = w.run_once()
        out.print(f"worker {w.name}: {timers} escalation(s) and review(s) raised, {sent} delivery attempt(s)")
        return
    out.print(f"worker {w.name} on {rt.settings.database_url}; {describe(rt.settings)}")
    signal.signal(signal.SIGTERM, lambda *_: w.stop(timeout=0))
    with contextlib.suppress(KeyboardInterrupt):
        w.run_forever()


@commands.command()
def demo(host: HostOpt = "127.0.0.1", port: PortOpt = 8000,
         database: Annotated[str, typer.Option(help="Demo database (recreated).")] = "sqlite:///missiondesk-demo.db",
         seed_only: Annotated[bool, typer.Option(help="Seed and exit without serving.")] = False) -> None:
    """Seed a demo village (the cast and the night of the incident), then serve it."""
    from ...config import Settings
    from ...demo import seed_demo

    logins = seed_demo(Settings.from_env(database))
    settings = logins.settings  # the demo's clock starts at the dawn of its night

    def banner(address: str) -> None:
        out.print(f"[bold]missiondesk demo[/]: open [link={address}/board]{address}/board[/]  "
                  f"(database {settings.database_url})")
        t = Table(title="Logins (same password for all)")
        t.add_column("username")
        t.add_column("who")
        for username, who in logins.accounts:
            t.add_row(username, who)
        out.print(t)
        out.print(f"password: [bold]{logins.password}[/]")
        out.print(f"the village's clock reads {settings.clock.now():%Y-%m-%d %H:%M} UTC, the dawn of its night, "
                  "and runs on from there")
        out.print(f"try: curl -s {address}/api/v1/auth/token -H 'content-type: application/json' "
                  f"-d '{{\"username\":\"hokage\",\"password\":\"{logins.password}\"}}'")

    if seed_only:
        banner(f"http://{host}:{port}")
        return
    _serve(settings, host, port, banner)


@commands.command()
def migrate(database: DatabaseOpt = None) -> None:
    """Bring the database schema up to date."""
    from ...config import Settings
    from ...runtime import start

    rt = start(Settings.from_env(database), bootstrap=False)
    out.print(f"database at head: {rt.settings.database_url}")
