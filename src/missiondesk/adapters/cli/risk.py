"""Risk and recommendation: `recommend` (one mission's team), `plan` (the whole board), `risk` (the model)."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .common import AsOpt, AtOpt, DatabaseOpt, MissionArg, Session, fails_cleanly, out, parse_time

commands = typer.Typer()


@commands.command()
@fails_cleanly
def recommend(mission_id: MissionArg, departs_at: AtOpt = None, database: DatabaseOpt = None,
              as_user: AsOpt = None) -> None:
    """The best eligible team for a mission, why each member, and the runners-up."""
    from ...domain.risk import casualty_cost
    from ...services import risk

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
    assert r.estimate is not None and r.expected_value is not None  # a team is always priced
    out.print(f"success {r.estimate.success:.0%}, casualty {r.estimate.casualty:.0%}, "
              f"expected value {r.expected_value:,.0f} ryo")
    if r.expected_value < 0:
        out.print(f"[bold red]not worth sending:[/] even the best eligible team is expected to cost more in "
                  f"casualties (counted at {casualty_cost(r.mission.rank):,} ryo each) than the mission brings")
    if r.runners_up:
        out.print("runners-up: " + "; ".join(p.why for p in r.runners_up))


@commands.command()
@fails_cleanly
def plan(departs_at: AtOpt = None, time_limit: Annotated[float, typer.Option(help="Seconds for the solver.")] = 5.0,
         database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Propose teams for the whole board (OR-Tools); nothing is assigned until each is accepted with `assign`."""
    from rich.progress import Progress

    from ...services import plans

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
    if p.left_out:
        t = Table("mission", "why", title="Left out: cannot be staffed")
        for x in p.left_out:
            t.add_row(f"{x.mission_id} · {p.board[x.mission_id].title}", x.reason)
        out.print(t)
    out.print("accept a team with: missiondesk assign MISSION SHINOBI… (every check runs then)")


@commands.command("risk")
@fails_cleanly
def risk_cmd(refit: Annotated[bool, typer.Option(help="Refit from the village's reports (hokage).")] = False,
             database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """The risk model in use, and its calibration (Brier score, reliability curve)."""
    from ...services import risk

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
