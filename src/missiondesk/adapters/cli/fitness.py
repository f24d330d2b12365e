"""Sleep and fitness: `sleep log`, and `fitness` (is this shinobi fit to depart?)."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .common import AsOpt, DatabaseOpt, Session, ShinobiArg, fails_cleanly, out, parse_time, reasons_table

commands = typer.Typer()
sleep_app = typer.Typer(help="Sleep logs.", no_args_is_help=True)


@sleep_app.command("log")
@fails_cleanly
def sleep_log(shinobi_id: ShinobiArg,
              start: Annotated[str, typer.Argument(help="Fell asleep: ISO time with offset.", show_default=False)],
              end: Annotated[str, typer.Argument(help="Woke: ISO time with offset.", show_default=False)],
              database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Log a sleep episode: START and END are ISO times with an offset."""
    from ...services import medical

    s = Session(database, as_user)
    _, e = medical.log_sleep(s.uow, s.caller, shinobi_id, parse_time(start, "start"), parse_time(end, "end"), s.now(),
                             policy=s.rt.policy)
    out.print(f"sleep logged for shinobi {shinobi_id}: {e.start.isoformat()} → {e.end.isoformat()}")


@commands.command("fitness")
@fails_cleanly
def fitness_cmd(shinobi_id: ShinobiArg,
                mission: Annotated[int | None, typer.Option("--mission", help="Judge for this mission's id too.")
                                   ] = None,
                at: Annotated[str | None, typer.Option(help="ISO time with offset; default now.")] = None,
                database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Is this shinobi fit to depart (on this mission, at this time)? Every reason, in a table."""
    from ...services import assignments, fitness

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
