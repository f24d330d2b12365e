"""`custody`: detainees taken in, handed on, released, and their chain of custody."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .common import AsOpt, AtOpt, DatabaseOpt, Session, fails_cleanly, out, parse_time

custody_app = typer.Typer(help="Custody of detainees (the ANBU and the hokage).", no_args_is_help=True)

DetaineeArg = Annotated[int, typer.Argument(help="The detainee's id (`custody show`, `gate present`).",
                                            show_default=False)]


@custody_app.command("intake")
@fails_cleanly
def custody_intake(name: Annotated[str, typer.Argument(help="The detainee's name.", show_default=False)],
                   escort: Annotated[list[int], typer.Option("--escort", help="Repeatable.")],
                   origin: Annotated[str | None, typer.Option(help="Where they were taken.")] = None,
                   at: AtOpt = None, database: DatabaseOpt = None,
                   as_user: AsOpt = None) -> None:
    """Take someone into custody, held by their escort."""
    from ...services import custody

    s = Session(database, as_user)
    d = custody.take_into_custody(s.uow, s.caller, custody.Intake(
        name=name, at=parse_time(at, "at") or s.now(), custodian_ids=tuple(escort), origin=origin), s.now())
    out.print(f"detainee {d.id}: {d.name}, held by {list(d.custodian_ids)}")


@custody_app.command("transfer")
@fails_cleanly
def custody_transfer(detainee_id: DetaineeArg, to: Annotated[list[int], typer.Option("--to", help="Repeatable.")],
                     at: AtOpt = None, database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Hand a detainee on to new custodians."""
    from ...services import custody

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
    from ...domain.custody import DetaineeStatus
    from ...services import custody

    s = Session(database, as_user)
    status = DetaineeStatus.TRANSFERRED_OUT if transferred_out else DetaineeStatus.RELEASED
    d = custody.end_custody(s.uow, s.caller, detainee_id, status, parse_time(at, "at") or s.now(), note, s.now())
    out.print(f"detainee {d.id}: {d.status.value}")


@custody_app.command("show")
@fails_cleanly
def custody_show(detainee_id: DetaineeArg, database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """A detainee's chain of custody, oldest first."""
    from ...services import custody_view

    s = Session(database, as_user)
    record = custody_view.custody_record(s.uow, s.caller, detainee_id)  # the detainee's page: the chain named
    d, people = record.detainee, record.names
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
