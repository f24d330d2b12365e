"""`gate`: arrivals, departures, who is inside."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ...domain.gate import Direction
from .common import AsOpt, AtOpt, DatabaseOpt, Session, err, fails_cleanly, out, parse_time

gate_app = typer.Typer(help="The gate: arrivals, departures, who is inside.", no_args_is_help=True)

ShinobiOpt = Annotated[list[int] | None, typer.Option("--shinobi", "-s", help="Shinobi id (repeatable).")]
DetaineeOpt = Annotated[list[int] | None, typer.Option("--detainee", "-d", help="Detainee id (repeatable).")]


def _log_gate(direction: Direction, shinobi: list[int] | None, detainee: list[int] | None, at: str | None,
              database: str | None, as_user: str | None, override: str | None = None) -> None:
    from ...services import gate

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
    from ...services import gate

    s = Session(database, as_user)
    inside = gate.present(s.uow, s.caller, s.now())
    t = Table("kind", "id", "name", title=f"Inside the village at {s.now():%Y-%m-%d %H:%M} UTC")
    for x in inside.shinobi:
        t.add_row("shinobi", str(x.id), x.name)
    for d in inside.detainees:
        t.add_row("detainee", str(d.id), d.name)
    out.print(t)
