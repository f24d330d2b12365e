"""The board: `mission post/authorize/edit/cancel/list`, and `report` (a mission's end)."""
from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.table import Table

from ...domain.ranks import Classification, MissionRank
from .common import AsOpt, DatabaseOpt, MissionArg, Session, fails_cleanly, out, parse_time

commands = typer.Typer()
mission_app = typer.Typer(help="The mission board.", no_args_is_help=True)

# `report`'s outcomes: the values of domain.missions.Outcome, spelled out here because importing that module
# imports domain.risk and with it numpy (about a quarter of a second) before any command could run, `--help`
# included. tests/e2e/test_cli_startup.py holds the two equal; the command hands the domain an Outcome.
OutcomeName = Literal["success", "failure", "aborted"]


@mission_app.command("post")
@fails_cleanly
def mission_post(title: Annotated[str, typer.Argument(help="The board's title.", show_default=False)],
                 rank: Annotated[MissionRank, typer.Argument(help="D to S.", show_default=False)],
                 kind: Annotated[str, typer.Argument(help="escort, retrieval, ...", show_default=False)],
                 classification: Annotated[Classification, typer.Option(help="Who may read it.")
                                           ] = Classification.PUBLIC,
                 reward_ryo: Annotated[int | None, typer.Option("--reward-ryo", "--reward",
                                                                help="Ryo; default the suggested price.")] = None,
                 min_team_size: Annotated[int | None, typer.Option("--min-team-size", "--min-team",
                                                                   help="Fewest members; default by rank.")] = None,
                 description: Annotated[str | None, typer.Option(help="What the board says of it.")] = None,
                 database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Post a mission on the board (A and S wait for authorisation)."""
    from ...services import missions

    s = Session(database, as_user)
    v = missions.post_mission(s.uow, s.caller, missions.PostMission(
        title=title, rank=rank, kind=kind, classification=classification, reward_ryo=reward_ryo,
        min_team_size=min_team_size, description=description), s.now())
    m = v.mission
    out.print(f"mission {m.id}: {m.title} ({m.rank.value}, {m.status.value}, {m.reward_ryo:,} ryo, "
              f"team ≥ {m.min_team_size})")


@mission_app.command("authorize")
@fails_cleanly
def mission_authorize(mission_id: MissionArg, database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Sign an A- or S-rank mission's authorisation (the hokage, or two of the council)."""
    from ...services import missions

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
                 reward_ryo: Annotated[int | None, typer.Option("--reward-ryo", "--reward",
                                                                help="Ryo, within the rank's band.")] = None,
                 min_team_size: Annotated[int | None, typer.Option("--min-team-size", "--min-team",
                                                                   help="Fewest members.")] = None,
                 description: Annotated[str | None, typer.Option(help="What the board says of it (\"\" clears it).")
                                        ] = None,
                 database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Change a mission still on the board (open or waiting for authorisation): only the options given."""
    from ...services import missions

    s = Session(database, as_user)
    m = missions.edit_mission(s.uow, s.caller, mission_id, missions.EditMission(
        title=title, kind=kind, classification=classification, reward_ryo=reward_ryo, min_team_size=min_team_size,
        description=description), s.now()).mission
    out.print(f"mission {m.id}: {m.title} ({m.rank.value}, {m.status.value}, {m.classification.value}, "
              f"{m.reward_ryo:,} ryo, team ≥ {m.min_team_size})")


@mission_app.command("cancel")
@fails_cleanly
def mission_cancel(mission_id: MissionArg,
                   reason: Annotated[str, typer.Option(help="Why (kept on the audit log).", show_default=False)],
                   database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Take a mission off the board for good (a proposed team is declined)."""
    from ...services import missions

    s = Session(database, as_user)
    m = missions.cancel_mission(s.uow, s.caller, mission_id, reason, s.now()).mission
    out.print(f"mission {m.id} cancelled: {m.title}")


@mission_app.command("list")
@fails_cleanly
def mission_list(database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """The board: every mission you may see."""
    from ...services import missions

    s = Session(database, as_user)
    t = Table("id", "rank", "title", "status", "reward", "team ≥", "posted")
    for m in (v.mission for v in missions.list_missions(s.uow, s.caller)):
        t.add_row(str(m.id), m.rank.value, m.title, m.status.value, f"{m.reward_ryo:,}", str(m.min_team_size),
                  m.posted_at.date().isoformat())
    out.print(t)


@commands.command()
@fails_cleanly
def report(mission_id: MissionArg,
           outcome: Annotated[OutcomeName, typer.Argument(help="How it ended.", show_default=False)],
           at: Annotated[str, typer.Option(help="ISO time with offset.")],
           summary: Annotated[str | None, typer.Option(help="The after-action report's words.")] = None,
           kia: Annotated[list[int] | None, typer.Option(help="Killed in action (repeatable).")] = None,
           mia: Annotated[list[int] | None, typer.Option(help="Missing in action (repeatable).")] = None,
           injured: Annotated[list[int] | None, typer.Option(help="Injured (repeatable).")] = None,
           specimen: Annotated[list[str] | None, typer.Option(help="Repeatable.")] = None,
           database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """File a mission report: closes the mission, frees the team, marks the fallen."""
    from ...domain.missions import Casualty, CasualtyStatus, Outcome
    from ...services import reports

    s = Session(database, as_user)
    casualties = tuple(Casualty(i, st) for st, ids in ((CasualtyStatus.KIA, kia), (CasualtyStatus.MIA, mia),
                                                       (CasualtyStatus.INJURED, injured)) for i in ids or ())
    r = reports.file_report(s.uow, s.caller, mission_id, reports.FileReport(
        outcome=Outcome(outcome), at=parse_time(at, "at"), summary=summary, casualties=casualties,
        specimens=tuple(specimen or ())), s.now())
    out.print(f"mission {mission_id} reported: {r.mission_status.value}; "
              f"{len(r.welfare_hold_ids)} survivor(s) placed on welfare hold")
