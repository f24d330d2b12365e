"""The command line: the same services as the API, no HTTP in between.

Every command acts as an account (`--as`, or MISSIONDESK_USER, default the bootstrap user);
a refused or failed command prints the reason to stderr and exits non-zero.
"""
from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from ..clock import ClockSettingInvalid
from ..config import Settings
from ..domain.access import Caller
from ..domain.custody import DetaineeStatus
from ..domain.errors import DomainError
from ..domain.gate import Direction
from ..domain.medical import RestrictionKind
from ..domain.missions import Casualty, CasualtyStatus, Outcome
from ..domain.ranks import Classification, MissionRank, Role, ShinobiRank
from ..domain.risk import casualty_cost
from ..runtime import Runtime, start
from ..services import alerts as alerting
from ..services import assignments, audit, auth, custody, fitness, gate, medical, missions, plans, reports, risk, roster
from . import audit_checkpoints

app = typer.Typer(help="missiondesk: the mission office of a hidden village.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
shinobi_app = typer.Typer(help="The roster.", no_args_is_help=True)
mission_app = typer.Typer(help="The mission board.", no_args_is_help=True)
sleep_app = typer.Typer(help="Sleep logs.", no_args_is_help=True)
gate_app = typer.Typer(help="The gate: arrivals, departures, who is inside.", no_args_is_help=True)
custody_app = typer.Typer(help="Custody of detainees (the ANBU and the hokage).", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log's hash chain: verify it, checkpoint it.", no_args_is_help=True)
assignment_app = typer.Typer(help="Proposed teams: accept or decline.", no_args_is_help=True)
alerts_app = typer.Typer(help="Your alerts: read them, acknowledge a duty-of-care call.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
app.add_typer(assignment_app, name="assignment")
app.add_typer(audit_app, name="audit")
app.add_typer(gate_app, name="gate")
app.add_typer(custody_app, name="custody")
app.add_typer(shinobi_app, name="shinobi")
app.add_typer(mission_app, name="mission")
app.add_typer(sleep_app, name="sleep")

out = Console()
err = Console(stderr=True)

DatabaseOpt = Annotated[str | None, typer.Option("--database", help="Database URL (else MISSIONDESK_DATABASE_URL).")]
AsOpt = Annotated[str | None, typer.Option("--as", help="Act as this account (else MISSIONDESK_USER).")]
HostOpt = Annotated[str, typer.Option(help="Address to listen on.")]
PortOpt = Annotated[int, typer.Option(help="Port to listen on.")]
WorkerOpt = Annotated[bool, typer.Option(help="Deliver and escalate alerts in this process.")]
MissionArg = Annotated[int, typer.Argument(help="The mission's id (`mission list`).", show_default=False)]
ShinobiArg = Annotated[int, typer.Argument(help="The shinobi's id (`shinobi list`).", show_default=False)]
DetaineeArg = Annotated[int, typer.Argument(help="The detainee's id (`custody show`, `gate present`).",
                                            show_default=False)]
AssignmentArg = Annotated[int, typer.Argument(help="The proposed team's id (in the proposal's alert).",
                                              show_default=False)]
F = TypeVar("F", bound=Callable[..., Any])


class Session:
    """One command's runtime and caller."""

    def __init__(self, database: str | None, as_user: str | None):
        self.rt: Runtime = start(Settings.from_env(database))
        username = as_user or os.environ.get("MISSIONDESK_USER") or self.rt.settings.bootstrap_user
        self.caller: Caller = auth.caller_for_username(self.rt.uow, username)

    @property
    def uow(self):
        return self.rt.uow

    def now(self) -> datetime:
        """The service's clock (MISSIONDESK_CLOCK, else the real time)."""
        return self.rt.clock.now()


def fails_cleanly(fn: F) -> F:
    """Domain errors become a message on stderr and exit status 1."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DomainError as e:
            err.print(f"[bold red]error[/] {e.code}: {e.message}")
            if e.details and e.code == "ASSIGNMENT_REFUSED":
                err.print(reasons_table(e.details))
            elif e.details:
                for d in e.details:
                    err.print(f"  {d}")
            raise typer.Exit(1) from None

    return run  # type: ignore[return-value]


def parse_time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(f"{name}: not an ISO 8601 time: {value!r}", code="VALIDATION_ERROR") from None
    if t.tzinfo is None:
        raise DomainError(f"{name}: a time needs an offset, e.g. 2026-03-14T06:30:00Z", code="VALIDATION_ERROR")
    if not 1900 <= t.year <= 9000:
        raise DomainError(f"{name}: a time between the years 1900 and 9000", code="VALIDATION_ERROR")
    return t


def reasons_table(details: list[dict[str, Any]], title: str = "Refused") -> Table:
    t = Table(title=title, show_lines=False)
    t.add_column("shinobi")
    t.add_column("code", style="bold")
    t.add_column("why")
    t.add_column("clears")
    for d in details:
        clears = d.get("clears_at")
        t.add_row(str(d.get("shinobi_id") if d.get("shinobi_id") is not None else "team"), d["code"], d["message"],
                  (clears.isoformat() if isinstance(clears, datetime) else clears) or "–")
    return t


# -- serving -----------------------------------------------------------------------------------------
@app.command()
@fails_cleanly
def serve(host: HostOpt = "127.0.0.1", port: PortOpt = 8000, database: DatabaseOpt = None,
          worker: WorkerOpt = True) -> None:
    """Migrate the database, then serve the page, the API and a worker that delivers and escalates alerts.

    --no-worker: run `missiondesk worker` beside it instead. With MISSIONDESK_AUDIT_KEY and
    MISSIONDESK_AUDIT_CHECKPOINTS set, signed checkpoints of the audit log are written as it grows."""
    _serve(Settings.from_env(database), host, port, with_worker=worker)


def _serve(settings: Settings, host: str, port: int, banner: Callable[[str], None] | None = None, *,
           with_worker: bool = True) -> None:
    import uvicorn

    from .web.app import create_app
    from .worker import describe, make_worker

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


@app.command("worker")
@fails_cleanly
def worker_cmd(database: DatabaseOpt = None,
               once: Annotated[bool, typer.Option(help="One pass over what is due, then exit.")] = False,
               name: Annotated[str | None, typer.Option(help="This worker's name in the attempts' record.")] = None
               ) -> None:
    """Deliver alerts (e-mail, webhooks) and escalate unacknowledged ones, until stopped.

    Any number may run against PostgreSQL, on any machines; each delivery is claimed by one at a time."""
    import signal

    from .worker import describe, make_worker

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


@alerts_app.command("list")
@fails_cleanly
def alerts_list(unread: Annotated[bool, typer.Option(help="Only those not yet read.")] = False,
                database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Your alerts, newest first; those still to acknowledge are marked."""
    s = Session(database, as_user)
    t = Table(title="Alerts")
    for col in ("id", "kind", "when", "ack", "message"):
        t.add_column(col)
    for v in alerting.list_alerts(s.uow, s.caller, unread_only=unread):
        a = v.alert
        ack = "ACK NEEDED" if v.needs_ack else ("acknowledged" if v.acknowledged_at else "")
        t.add_row(str(a.id), a.kind + (" (office copy)" if a.office_copy else ""), a.created_at.isoformat(), ack,
                  a.message)
    out.print(t)


@alerts_app.command("ack")
@fails_cleanly
def alerts_ack(alert_id: Annotated[int, typer.Argument(help="The alert's id (`alerts list`).", show_default=False)],
               database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Acknowledge an alert of yours: a duty-of-care call stops climbing to the medic on duty and the hokage."""
    s = Session(database, as_user)
    v = alerting.acknowledge_alert(s.uow, s.caller, alert_id, s.now())
    out.print(f"alert {alert_id} acknowledged" + (" (the ladder had been acknowledged already)"
                                                  if v.acknowledged_by not in (None, s.caller.shinobi_id) else ""))


@app.command()
def demo(host: HostOpt = "127.0.0.1", port: PortOpt = 8000,
         database: Annotated[str, typer.Option(help="Demo database (recreated).")] = "sqlite:///missiondesk-demo.db",
         seed_only: Annotated[bool, typer.Option(help="Seed and exit without serving.")] = False) -> None:
    """Seed a demo village (the cast and the night of the incident), then serve it."""
    from ..demo import seed_demo

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


@app.command()
def migrate(database: DatabaseOpt = None) -> None:
    """Bring the database schema up to date."""
    rt = start(Settings.from_env(database), bootstrap=False)
    out.print(f"database at head: {rt.settings.database_url}")


# -- the roster ----------------------------------------------------------------------------------------
@shinobi_app.command("add")
@fails_cleanly
def shinobi_add(name: Annotated[str, typer.Argument(help="Full name, as the roster shows it.", show_default=False)],
                rank: Annotated[ShinobiRank, typer.Argument(help="Genin, chunin, jonin...", show_default=False)],
                clearance: Annotated[Classification, typer.Option(help="What they may read.")
                                     ] = Classification.PUBLIC,
                division: Annotated[list[str] | None, typer.Option(help="A division, e.g. anbu (repeatable).")] = None,
                specialty: Annotated[list[str] | None, typer.Option(help="A specialty, e.g. sensor (repeatable).")
                                     ] = None,
                username: Annotated[str | None, typer.Option(help="Give them an account with this username.")] = None,
                password: Annotated[str | None, typer.Option(envvar="MISSIONDESK_NEW_PASSWORD",
                                                             help="The new account's password.")] = None,
                role: Annotated[list[Role] | None, typer.Option(help="The account's office role (repeatable).")
                                ] = None,
                database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Add a shinobi, with an account when --username is given."""
    s = Session(database, as_user)
    account = None
    if username:
        if not password:
            raise DomainError("--password (or MISSIONDESK_NEW_PASSWORD) is needed with --username",
                              code="PASSWORD_REQUIRED")
        account = roster.NewAccount(username=username, password=password, roles=tuple(role or ()))
    created = roster.add_shinobi(s.uow, s.caller, roster.AddShinobi(
        name=name, rank=rank, clearance=clearance, divisions=tuple(division or ()),
        specialties=tuple(specialty or ()), account=account), s.now())
    out.print(f"shinobi {created.id}: {created.name} ({created.rank.value}, {created.clearance.value})")


@shinobi_app.command("list")
@fails_cleanly
def shinobi_list(database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """The roster: every shinobi you may see, with status and partners."""
    s = Session(database, as_user)
    t = Table("id", "name", "rank", "clearance", "status", "partners")
    for x in roster.list_shinobi(s.uow, s.caller):
        t.add_row(str(x.id), x.name, x.rank.value, x.clearance.value, x.status.value,
                  ", ".join(map(str, x.partner_ids)))
    out.print(t)


@shinobi_app.command("partner")
@fails_cleanly
def shinobi_partner(shinobi_id: ShinobiArg,
                    partner_id: Annotated[int, typer.Argument(help="The partner's id.", show_default=False)],
                    database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Link two shinobi as designated partners."""
    s = Session(database, as_user)
    roster.link_partners(s.uow, s.caller, shinobi_id, partner_id, s.now())
    out.print(f"partners: {shinobi_id} ↔ {partner_id}")


@shinobi_app.command("restrict")
@fails_cleanly
def shinobi_restrict(shinobi_id: ShinobiArg,
                     kind: Annotated[RestrictionKind, typer.Argument(help="A rest order or light duty.",
                                                                     show_default=False)],
                     reason: Annotated[str, typer.Argument(help="Why, in the medic's words.", show_default=False)],
                     starts_at: Annotated[str | None, typer.Option(help="ISO time with offset; default now.")] = None,
                     ends_at: Annotated[str | None, typer.Option(help="ISO time with offset; default until lifted.")
                                        ] = None,
                     database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Record a medic's rest or light-duty order (restricts duty at once)."""
    s = Session(database, as_user)
    r = medical.add_restriction(s.uow, s.caller, shinobi_id, medical.AddRestriction(
        kind=kind, reason=reason, starts_at=parse_time(starts_at, "starts_at") or s.now(),
        ends_at=parse_time(ends_at, "ends_at")), s.now(), policy=s.rt.policy)
    out.print(f"restriction {r.id}: {r.kind.value} for shinobi {shinobi_id}, {r.status.value}")


# -- sleep and fitness ---------------------------------------------------------------------------------
@sleep_app.command("log")
@fails_cleanly
def sleep_log(shinobi_id: ShinobiArg,
              start: Annotated[str, typer.Argument(help="Fell asleep: ISO time with offset.", show_default=False)],
              end: Annotated[str, typer.Argument(help="Woke: ISO time with offset.", show_default=False)],
              database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Log a sleep episode: START and END are ISO times with an offset."""
    s = Session(database, as_user)
    _, e = medical.log_sleep(s.uow, s.caller, shinobi_id, parse_time(start, "start"), parse_time(end, "end"), s.now(),
                             policy=s.rt.policy)
    out.print(f"sleep logged for shinobi {shinobi_id}: {e.start.isoformat()} → {e.end.isoformat()}")


@app.command("fitness")
@fails_cleanly
def fitness_cmd(shinobi_id: ShinobiArg,
                mission: Annotated[int | None, typer.Option("--mission", help="Judge for this mission's id too.")
                                   ] = None,
                at: Annotated[str | None, typer.Option(help="ISO time with offset; default now.")] = None,
                database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Is this shinobi fit to depart (on this mission, at this time)? Every reason, in a table."""
    s = Session(database, as_user)
    when = parse_time(at, "at") or s.now()
    v = fitness.check_fitness(s.uow, s.caller, shinobi_id, mission_id=mission, at=when, policy=s.rt.policy)
    f = v.fatigue
    verdict = "[bold green]FIT[/]" if v.fit else "[bold red]NOT FIT[/]"
    out.print(f"shinobi {shinobi_id} at {when.isoformat()}: {verdict}")
    t = Table("fatigue", "value")
    t.add_row("level", f.level)
    for label, value in (("KSS (decision, no inertia)", f.kss), ("KSS with inertia", f.kss_with_inertia),
                         ("effectiveness % (decision)", f.effectiveness),
                         ("effectiveness % with inertia", f.effectiveness_with_inertia),
                         ("hours awake", f.hours_awake)):
        t.add_row(label, "–" if value is None else f"{value:.2f}")
    if f.estimated:
        t.add_row("estimated", f.basis or "yes")
    out.print(t)
    if v.reasons:
        out.print(reasons_table([assignments.reason_detail(r) for r in v.reasons], title="Reasons"))
    for w in v.warnings:
        out.print(f"[yellow]warning[/] {w}")
    if not v.fit:
        raise typer.Exit(3)


# -- the board -----------------------------------------------------------------------------------------
@mission_app.command("post")
@fails_cleanly
def mission_post(title: Annotated[str, typer.Argument(help="The board's title.", show_default=False)],
                 rank: Annotated[MissionRank, typer.Argument(help="D to S.", show_default=False)],
                 kind: Annotated[str, typer.Argument(help="escort, retrieval, ...", show_default=False)],
                 classification: Annotated[Classification, typer.Option(help="Who may read it.")
                                           ] = Classification.PUBLIC,
                 reward: Annotated[int | None, typer.Option(help="Ryo; default the suggested price.")] = None,
                 min_team: Annotated[int | None, typer.Option(help="Fewest members; default by rank.")] = None,
                 description: Annotated[str | None, typer.Option(help="What the board says of it.")] = None,
                 database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Post a mission on the board (A and S wait for authorisation)."""
    s = Session(database, as_user)
    v = missions.post_mission(s.uow, s.caller, missions.PostMission(
        title=title, rank=rank, kind=kind, classification=classification, reward_ryo=reward,
        min_team_size=min_team, description=description), s.now())
    m = v.mission
    out.print(f"mission {m.id}: {m.title} ({m.rank.value}, {m.status.value}, {m.reward_ryo:,} ryo, "
              f"team ≥ {m.min_team_size})")


@mission_app.command("authorize")
@fails_cleanly
def mission_authorize(mission_id: MissionArg, database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Sign an A- or S-rank mission's authorisation (the hokage, or two of the council)."""
    s = Session(database, as_user)
    m = missions.authorize_mission(s.uow, s.caller, mission_id, s.now()).mission
    out.print(f"mission {m.id} authorised by {', '.join(m.authorized_by)}: {m.status.value}")


@mission_app.command("edit")
@fails_cleanly
def mission_edit(mission_id: MissionArg,
                 title: Annotated[str | None, typer.Option(help="A new title.")] = None,
                 kind: Annotated[str | None, typer.Option(help="A new kind.")] = None,
                 classification: Annotated[Classification | None, typer.Option(help="Up to your own clearance.")
                                           ] = None,
                 reward: Annotated[int | None, typer.Option(help="Ryo, within the rank's band.")] = None,
                 min_team: Annotated[int | None, typer.Option(help="Fewest members.")] = None,
                 description: Annotated[str | None, typer.Option(help="What the board says of it (\"\" clears it).")
                                        ] = None,
                 database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Change a mission still on the board (open or waiting for authorisation): only the options given."""
    s = Session(database, as_user)
    m = missions.edit_mission(s.uow, s.caller, mission_id, missions.EditMission(
        title=title, kind=kind, classification=classification, reward_ryo=reward, min_team_size=min_team,
        description=description), s.now()).mission
    out.print(f"mission {m.id}: {m.title} ({m.rank.value}, {m.status.value}, {m.classification.value}, "
              f"{m.reward_ryo:,} ryo, team ≥ {m.min_team_size})")


@mission_app.command("cancel")
@fails_cleanly
def mission_cancel(mission_id: MissionArg,
                   reason: Annotated[str, typer.Option(help="Why (kept on the audit log).", show_default=False)],
                   database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Take a mission off the board for good (a proposed team is declined)."""
    s = Session(database, as_user)
    m = missions.cancel_mission(s.uow, s.caller, mission_id, reason, s.now()).mission
    out.print(f"mission {m.id} cancelled: {m.title}")


@mission_app.command("list")
@fails_cleanly
def mission_list(database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """The board: every mission you may see."""
    s = Session(database, as_user)
    t = Table("id", "rank", "title", "status", "reward", "team ≥", "posted")
    for m in (v.mission for v in missions.list_missions(s.uow, s.caller)):
        t.add_row(str(m.id), m.rank.value, m.title, m.status.value, f"{m.reward_ryo:,}", str(m.min_team_size),
                  m.posted_at.date().isoformat())
    out.print(t)


@app.command()
@fails_cleanly
def assign(mission_id: MissionArg,
           shinobi_ids: Annotated[list[int], typer.Argument(help="The team's shinobi ids.", show_default=False)],
           departs_at: Annotated[str | None, typer.Option(help="ISO time with offset; default now.")] = None,
           override: Annotated[str | None, typer.Option(help="The hokage's written justification.")] = None,
           database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Send a team on a mission (a clerk or the hokage), or propose one that includes yourself: the
    others then accept or decline (`missiondesk assignment accept ID`). A refusal lists every reason
    and exits 1."""
    s = Session(database, as_user)
    a = assignments.assign_team(s.uow, s.caller, mission_id, assignments.AssignTeam(
        shinobi_ids=tuple(shinobi_ids), departs_at=parse_time(departs_at, "departs_at"),
        override_justification=override), s.now(), s.rt.policy)
    _print_assignment(a)


def _print_assignment(a) -> None:
    out.print(f"assignment {a.id} ({a.status.value}): mission {a.mission_id}, team {list(a.shinobi_ids)}, departs "
              f"{a.departs_at.isoformat()}" + (" (override)" if a.override_justification else "")
              + (f"; awaiting {list(a.awaiting_ids)}" if a.awaiting_ids else ""))


@assignment_app.command("accept")
@fails_cleanly
def assignment_accept(assignment_id: AssignmentArg, database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Accept a proposed team that names you. The rules run again; the last acceptance sends the team."""
    s = Session(database, as_user)
    _print_assignment(assignments.accept_proposal(s.uow, s.caller, assignment_id, s.now(), s.rt.policy))


@assignment_app.command("decline")
@fails_cleanly
def assignment_decline(assignment_id: AssignmentArg, database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Decline a proposed team that names you: it will not be sent."""
    s = Session(database, as_user)
    _print_assignment(assignments.decline_proposal(s.uow, s.caller, assignment_id, s.now()))


@app.command()
@fails_cleanly
def report(mission_id: MissionArg,
           outcome: Annotated[Outcome, typer.Argument(help="How it ended.", show_default=False)],
           at: Annotated[str, typer.Option(help="ISO time with offset.")],
           summary: Annotated[str | None, typer.Option(help="The after-action report's words.")] = None,
           kia: Annotated[list[int] | None, typer.Option(help="Killed in action (repeatable).")] = None,
           mia: Annotated[list[int] | None, typer.Option(help="Missing in action (repeatable).")] = None,
           injured: Annotated[list[int] | None, typer.Option(help="Injured (repeatable).")] = None,
           specimen: Annotated[list[str] | None, typer.Option(help="Repeatable.")] = None,
           database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """File a mission report: closes the mission, frees the team, marks the fallen."""
    s = Session(database, as_user)
    casualties = tuple(Casualty(i, st) for st, ids in ((CasualtyStatus.KIA, kia), (CasualtyStatus.MIA, mia),
                                                       (CasualtyStatus.INJURED, injured)) for i in ids or ())
    r = reports.file_report(s.uow, s.caller, mission_id, reports.FileReport(
        outcome=outcome, at=parse_time(at, "at"), summary=summary, casualties=casualties,
        specimens=tuple(specimen or ())), s.now())
    out.print(f"mission {mission_id} reported: {r['mission_status']}; "
              f"{len(r['welfare_hold_ids'])} survivor(s) placed on welfare hold")


# -- the gate ------------------------------------------------------------------------------------------
def _log_gate(direction: Direction, shinobi: list[int] | None, detainee: list[int] | None, at: str | None,
              database: str | None, as_user: str | None, override: str | None = None) -> None:
    s = Session(database, as_user)
    r = gate.log_gate(s.uow, s.caller, gate.GateEntry(direction=direction, at=parse_time(at, "at") or s.now(),
                                                      shinobi_ids=tuple(shinobi or ()),
                                                      detainee_ids=tuple(detainee or ()),
                                                      override_justification=override), s.now(), policy=s.rt.policy)
    who = [f"shinobi {i}" for i in r.shinobi_ids] + [f"detainee {i}" for i in r.detainee_ids]
    out.print(f"gate {direction.value}: {', '.join(who)} at {r.at.isoformat()}")
    for f in r.flags:
        person = f"shinobi {f.shinobi_id}" if f.shinobi_id is not None else f"detainee {f.detainee_id}"
        err.print(f"[yellow]flagged[/] {person}: {f.code} (kept in the log and the audit)")


ShinobiOpt = Annotated[list[int] | None, typer.Option("--shinobi", "-s", help="Shinobi id (repeatable).")]
DetaineeOpt = Annotated[list[int] | None, typer.Option("--detainee", "-d", help="Detainee id (repeatable).")]
AtOpt = Annotated[str | None, typer.Option(help="ISO time with offset; default now.")]


@gate_app.command("in")
@fails_cleanly
def gate_in(shinobi: ShinobiOpt = None, detainee: DetaineeOpt = None, at: AtOpt = None,
            database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Log arrivals through the gate."""
    _log_gate(Direction.IN, shinobi, detainee, at, database, as_user)


@gate_app.command("out")
@fails_cleanly
def gate_out(shinobi: ShinobiOpt = None, detainee: DetaineeOpt = None, at: AtOpt = None,
             override: Annotated[str | None, typer.Option(
                 help="The hokage's justification, to let a booked team member go whom the rules refuse.")] = None,
             database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Log departures through the gate. A member of a booked team is judged again at the gate: if a
    rule refuses them, nobody is logged out (exit 1, every reason in a table)."""
    _log_gate(Direction.OUT, shinobi, detainee, at, database, as_user, override)


@gate_app.command("present")
@fails_cleanly
def gate_present(database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Who is inside the village now."""
    s = Session(database, as_user)
    inside = gate.present(s.uow, s.caller, s.now())
    t = Table("kind", "id", "name", title=f"Inside the village at {s.now():%Y-%m-%d %H:%M} UTC")
    for x in inside["shinobi"]:
        t.add_row("shinobi", str(x.id), x.name)
    for d in inside["detainees"]:
        t.add_row("detainee", str(d.id), d.name)
    out.print(t)


# -- custody -------------------------------------------------------------------------------------------
@custody_app.command("intake")
@fails_cleanly
def custody_intake(name: Annotated[str, typer.Argument(help="The detainee's name.", show_default=False)],
                   escort: Annotated[list[int], typer.Option("--escort", help="Repeatable.")],
                   origin: Annotated[str | None, typer.Option(help="Where they were taken.")] = None,
                   at: AtOpt = None, database: DatabaseOpt = None,
                   as_user: AsOpt = None) -> None:
    """Take someone into custody, held by their escort."""
    s = Session(database, as_user)
    d = custody.take_into_custody(s.uow, s.caller, custody.Intake(
        name=name, at=parse_time(at, "at") or s.now(), escort_ids=tuple(escort), origin=origin), s.now())
    out.print(f"detainee {d.id}: {d.name}, held by {list(d.custodian_ids)}")


@custody_app.command("transfer")
@fails_cleanly
def custody_transfer(detainee_id: DetaineeArg, to: Annotated[list[int], typer.Option("--to", help="Repeatable.")],
                     at: AtOpt = None, database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Hand a detainee on to new custodians."""
    s = Session(database, as_user)
    d = custody.transfer(s.uow, s.caller, detainee_id, tuple(to), parse_time(at, "at") or s.now(), s.now())
    out.print(f"detainee {d.id} now held by {list(d.custodian_ids)}")


@custody_app.command("release")
@fails_cleanly
def custody_release(detainee_id: DetaineeArg,
                    transferred_out: Annotated[bool, typer.Option(help="Handed to another village, not freed.")
                                               ] = False,
                    note: Annotated[str | None, typer.Option(help="Why, for the record.")] = None, at: AtOpt = None,
                    database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """End custody: a release, or a transfer out of the village."""
    s = Session(database, as_user)
    status = DetaineeStatus.TRANSFERRED_OUT if transferred_out else DetaineeStatus.RELEASED
    d = custody.end_custody(s.uow, s.caller, detainee_id, status, parse_time(at, "at") or s.now(), note, s.now())
    out.print(f"detainee {d.id}: {d.status.value}")


@custody_app.command("show")
@fails_cleanly
def custody_show(detainee_id: DetaineeArg, database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """A detainee's chain of custody, oldest first."""
    s = Session(database, as_user)
    d = custody.get_detainee(s.uow, s.caller, detainee_id)
    people = {p.id: p.name for p in roster.list_shinobi(s.uow, s.caller)}
    held = d.held_for(s.now())
    t = Table("#", "from", "custodians", "handed over by",
              title=f"{d.name} ({d.origin or 'origin unknown'}): {d.status.value}, held "
                    f"{held.total_seconds() / 3600:.1f} h since {d.detained_since:%Y-%m-%d %H:%M} UTC")
    for i, link in enumerate(d.chain, 1):
        t.add_row(str(i), f"{link.at:%Y-%m-%d %H:%M}", ", ".join(people.get(c, str(c)) for c in link.custodian_ids),
                  link.by or "")
    if d.ended_at:
        t.add_row("end", f"{d.ended_at:%Y-%m-%d %H:%M}", d.status.value, d.end_note or "")
    out.print(t)
    for r in d.audience_requests:
        out.print(f"audience with the {r.with_} asked {r.at:%Y-%m-%d %H:%M}: {r.status.value}")


# -- risk and recommendation -----------------------------------------------------------------------------
@app.command()
@fails_cleanly
def recommend(mission_id: MissionArg, departs_at: AtOpt = None, database: DatabaseOpt = None,
              as_user: AsOpt = None) -> None:
    """The best eligible team for a mission, why each member, and the runners-up."""
    s = Session(database, as_user)
    r = risk.recommend(s.uow, s.caller, mission_id, departs_at=parse_time(departs_at, "departs_at") or s.now(),
                       policy=s.rt.policy)
    m = r.mission
    out.print(f"[bold]{m.rank.value} · {m.title}[/]: {r.eligible} eligible shinobi, model: {r.model}")
    if not r.team:
        t = Table("reason", "shinobi kept out", title=f"No team of {m.min_team_size} can go")
        for code, n in sorted(r.shortfall.items(), key=lambda kv: -kv[1]):
            t.add_row(code, str(n))
        out.print(t)
        raise typer.Exit(3)
    t = Table("id", "who", "strength", "why", title="Recommended team")
    for p in r.team:
        t.add_row(str(p.member.id), p.name, f"{p.strength:.1f}", p.why)
    out.print(t)
    out.print(f"success {r.estimate.success:.0%}, casualty {r.estimate.casualty:.0%}, "
              f"expected value {r.expected_value:,.0f} ryo")
    if r.expected_value < 0:
        out.print(f"[bold red]not worth sending:[/] even the best eligible team is expected to cost more in "
                  f"casualties (counted at {casualty_cost(r.mission.rank):,} ryo each) than the mission brings")
    if r.runners_up:
        out.print("runners-up: " + "; ".join(p.why for p in r.runners_up))


@app.command()
@fails_cleanly
def plan(departs_at: AtOpt = None, time_limit: Annotated[float, typer.Option(help="Seconds for the solver.")] = 5.0,
         database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Propose teams for the whole board (OR-Tools); nothing is assigned until each is accepted with `assign`."""
    from rich.progress import Progress

    s = Session(database, as_user)
    with Progress(transient=True) as bar:
        task = bar.add_task("planning", total=1.0)

        def progress(phase: str, done: float) -> None:
            bar.update(task, completed=done, description=phase)

        p = plans.plan_board(s.uow, s.caller, departs_at=parse_time(departs_at, "departs_at") or s.now(),
                            policy=s.rt.policy, time_limit=time_limit, progress=progress)
    t = Table("mission", "team", "success", "casualty", "expected value",
              title=f"Plan: {len(p.teams)} teams, value {p.value:,.0f} of a bound {p.upper_bound:,.0f} "
                    f"(gap {p.gap:.2%})")
    for team in p.teams:
        t.add_row(f"{team.mission.id} · {team.mission.title}", ", ".join(map(str, team.shinobi_ids)),
                  f"{team.estimate.success:.0%}", f"{team.estimate.casualty:.0%}", f"{team.expected_value:,.0f}")
    out.print(t)
    if p.left_empty:
        out.print(f"left empty: missions {', '.join(map(str, p.left_empty))}")
    out.print("accept a team with: missiondesk assign MISSION SHINOBI… (every check runs then)")


@app.command("risk")
@fails_cleanly
def risk_cmd(refit: Annotated[bool, typer.Option(help="Refit from the village's reports (hokage).")] = False,
             database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """The risk model in use, and its calibration (Brier score, reliability curve)."""
    s = Session(database, as_user)
    model = risk.refit(s.uow, s.caller, s.now(), s.rt.policy) if refit else risk.describe_model(s.uow, s.caller)
    out.print(f"model: {model.source} ({model.reports} reports); success a0, a1, a2 = "
              f"{', '.join(f'{v:.2f}' for v in model.success)}; casualty b0, b1, b2 = "
              f"{', '.join(f'{v:.2f}' for v in model.casualty)}")
    for name, cal in (model.calibration or {}).items():
        t = Table("predicted", "observed", "missions", title=f"{name}: Brier {cal['brier']:.3f} over {cal['n']}")
        for b in cal["reliability"]:
            t.add_row(f"{b['predicted']:.2f}", f"{b['observed']:.2f}", str(b["count"]))
        out.print(t)


# -- backups -------------------------------------------------------------------------------------------
@app.command("backup")
@fails_cleanly
def backup_cmd(file: Annotated[Path, typer.Argument(help="Write the backup here.", show_default=False)],
               database: DatabaseOpt = None,
               force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False) -> None:
    """Back up the database to FILE (SQLite: online backup API, integrity-checked; PostgreSQL: pg_dump). Never
    onto the live database; an existing FILE only with --force; written beside FILE and renamed when complete."""
    from .db import backup

    settings = Settings.from_env(database)
    kept = audit_checkpoints.checkpointing(settings)
    rt = start(settings, bootstrap=False)
    checked = backup.backup(rt.engine, file, force=force)
    check = audit.verify(rt.uow, kept.folder, kept.key)
    out.print(f"backed up to {file} ({checked}); audit chain {'ok' if check.ok else check.problem}, "
              f"{check.entries} entries")
    if not check.ok:
        err.print(f"[bold red]{check.problem}[/]: {check.summary}")


@app.command("restore")
@fails_cleanly
def restore_cmd(file: Annotated[Path, typer.Argument(help="A file from `backup`.", show_default=False)],
                checkpoint: Annotated[Path | None, typer.Option(
                    help="Hold the backup's audit log to this checkpoint file (else to the newest automatic "
                         "checkpoint it should contain).")] = None,
                database: DatabaseOpt = None,
                yes: Annotated[bool, typer.Option("--yes", help="Replace the database without asking.")] = False
                ) -> None:
    """Replace the database with the backup in FILE (stop the app servers first). The backup's own audit chain is
    verified first, on a copy, and held to --checkpoint (or the newest automatic checkpoint it covers): a backup
    that fails replaces nothing (exit 1, BACKUP_AUDIT_BROKEN)."""
    from .db import backup

    settings = Settings.from_env(database)
    kept = audit_checkpoints.checkpointing(settings)
    against = audit_checkpoints.CheckpointFile(checkpoint) if checkpoint else kept.folder
    key = _audit_key(settings) if checkpoint else kept.key
    if not yes and not typer.confirm(f"Replace everything in {settings.database_url} with {file}?"):
        raise typer.Exit(1)
    rt = start(settings, migrate_schema=False, bootstrap=False)
    with backup.staged(rt.engine, file) as copy:
        before = audit.verify(copy.uow, against, key, within=checkpoint is None)
        if not before.ok:
            raise DomainError(f"the backup's audit log fails verification, {before.problem}: {before.summary}; "
                              f"nothing was restored", code="BACKUP_AUDIT_BROKEN",
                              details=[{"problem": before.problem, "first_bad_seq": before.first_bad_seq,
                                        "entries": before.entries}])
        checked = copy.restore()
    rt = start(settings, bootstrap=False)  # a backup from an older version is migrated forward
    chain = audit.verify(rt.uow)
    if not chain.ok:
        err.print(f"[bold red]restored, but the audit chain is broken at seq {chain.first_bad_seq}[/]")
        raise typer.Exit(1)
    cp = before.checkpoint
    against_note = {audit.CHECKED: f"; the backup matched the checkpoint of {cp.entries} entries" if cp else "",
                    audit.NONE_YET: "; no checkpoint covers the backup", audit.NOT_CONFIGURED: ""}[before.checkpoints]
    out.print(f"restored from {file} ({checked}); audit chain ok, {chain.entries} entries{against_note}")
    if kept.folder is not None:  # checkpoints of the log just replaced would call the restored one truncated
        moved, aside = kept.folder.set_aside(chain.entries, rt.clock.now())
        if moved:
            out.print(f"{moved} checkpoint(s) of the replaced log, covering more than {chain.entries} entries, "
                      f"moved to {aside}")


# -- the audit log -------------------------------------------------------------------------------------
def _audit_key(settings: Settings) -> bytes:
    key = audit_checkpoints.key_of(settings)
    if key is None:
        raise DomainError("set MISSIONDESK_AUDIT_KEY (16 characters or more) to sign and check checkpoints",
                          code="AUDIT_KEY_MISSING")
    return key


@audit_app.command("checkpoint")
@fails_cleanly
def audit_checkpoint(file: Annotated[Path | None, typer.Argument(
                         help="Write here (else into MISSIONDESK_AUDIT_CHECKPOINTS).")] = None,
                     database: DatabaseOpt = None) -> None:
    """Sign the chain's size and head hash (HMAC, MISSIONDESK_AUDIT_KEY) and write it to FILE or the checkpoint
    folder. Refused (CHECKPOINT_REFUSED) when the chain does not hold, from the beginning, or does not extend the
    newest automatic checkpoint: a rewritten or cut tail is never signed over."""
    settings = Settings.from_env(database)
    key = _audit_key(settings)
    kept = audit_checkpoints.checkpointing(settings)
    store = audit_checkpoints.CheckpointFile(file) if file else kept.folder
    if store is None:
        raise DomainError("name a FILE, or set MISSIONDESK_AUDIT_CHECKPOINTS to a folder",
                          code="CHECKPOINT_FOLDER_MISSING")
    rt = start(settings, bootstrap=False)
    cp = audit.write_checkpoint(rt.uow, store, key, rt.clock.now(), after=kept.folder, full=True)
    if cp is None:  # not reached without a cadence; kept for the type checker
        raise typer.Exit(1)
    where = file or Path(store.where) / audit_checkpoints.file_name(cp)
    out.print(f"checkpoint: {cp.checkpoint.entries} entries, head {cp.checkpoint.head_hash[:16]}…, written to {where}")


@audit_app.command("verify")
@fails_cleanly
def audit_verify(checkpoint: Annotated[Path | None, typer.Option(
                     help="A file from `audit checkpoint` (else the newest in MISSIONDESK_AUDIT_CHECKPOINTS).")] = None,
                 database: DatabaseOpt = None) -> None:
    """Walk the hash chain and hold it to the newest checkpoint (or --checkpoint): a truncated or rewritten tail
    that a checkpoint covers is caught. Exit 1 if bad."""
    settings = Settings.from_env(database)
    if checkpoint is not None:
        against, key = audit_checkpoints.CheckpointFile(checkpoint), _audit_key(settings)
    else:
        kept = audit_checkpoints.checkpointing(settings)
        against, key = kept.folder, kept.key
    rt = start(settings, bootstrap=False)
    check = audit.verify(rt.uow, against, key)
    if check.ok:
        out.print(f"[green]ok[/]: {check.summary}")
        return
    err.print(f"[bold red]{check.problem}[/]: {check.summary}")
    raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except ClockSettingInvalid as e:
        err.print(f"[bold red]error[/] CLOCK_INVALID: {e}")
        sys.exit(2)
