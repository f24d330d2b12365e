"""Teams: `assign` (send or propose one), and `assignment accept/decline` (answer a proposal)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .common import AsOpt, DatabaseOpt, MissionArg, Session, fails_cleanly, out, parse_time

if TYPE_CHECKING:
    from ...domain.roster import Assignment

commands = typer.Typer()
assignment_app = typer.Typer(help="Proposed teams: accept or decline.", no_args_is_help=True)

AssignmentArg = Annotated[int, typer.Argument(help="The proposed team's id (in the proposal's alert).",
                                              show_default=False)]


@commands.command()
@fails_cleanly
def assign(mission_id: MissionArg,
           shinobi_ids: Annotated[list[int], typer.Argument(help="The team's shinobi ids.", show_default=False)],
           departs_at: Annotated[str | None, typer.Option(help="ISO time with offset; default now.")] = None,
           override: Annotated[str | None, typer.Option(help="The hokage's written justification.")] = None,
           database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Send a team on a mission (a clerk or the hokage), or propose one that includes yourself: the
    others then accept or decline (`missiondesk assignment accept ID`). A refusal lists every reason
    and exits 1."""
    from ...services import assignments

    s = Session(database, as_user)
    a = assignments.assign_team(s.uow, s.caller, mission_id, assignments.AssignTeam(
        shinobi_ids=tuple(shinobi_ids), departs_at=parse_time(departs_at, "departs_at"),
        override_justification=override), s.now(), s.rt.policy)
    _print_assignment(a)


def _print_assignment(a: Assignment) -> None:
    out.print(f"assignment {a.id} ({a.status.value}): mission {a.mission_id}, team {list(a.shinobi_ids)}, departs "
              f"{a.departs_at.isoformat()}" + (" (override)" if a.override_justification else "")
              + (f"; awaiting {list(a.awaiting_ids)}" if a.awaiting_ids else ""))


@assignment_app.command("accept")
@fails_cleanly
def assignment_accept(assignment_id: AssignmentArg, database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Accept a proposed team that names you. The rules run again; the last acceptance sends the team."""
    from ...services import assignments

    s = Session(database, as_user)
    _print_assignment(assignments.accept_proposal(s.uow, s.caller, assignment_id, s.now(), s.rt.policy))


@assignment_app.command("decline")
@fails_cleanly
def assignment_decline(assignment_id: AssignmentArg, database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Decline a proposed team that names you: it will not be sent."""
    from ...services import assignments

    s = Session(database, as_user)
    _print_assignment(assignments.decline_proposal(s.uow, s.caller, assignment_id, s.now()))
