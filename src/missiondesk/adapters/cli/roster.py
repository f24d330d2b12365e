"""`shinobi`: the roster: add, list, partner, and a medic's restriction."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ...domain.errors import DomainError
from ...domain.medical import RestrictionKind
from ...domain.ranks import Classification, Role, ShinobiRank
from .common import AsOpt, DatabaseOpt, Session, ShinobiArg, fails_cleanly, out, parse_time

shinobi_app = typer.Typer(help="The roster.", no_args_is_help=True)


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
    from ...services import roster

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
    from ...services import roster

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
    from ...services import roster

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
    from ...services import medical

    s = Session(database, as_user)
    r = medical.add_restriction(s.uow, s.caller, shinobi_id, medical.AddRestriction(
        kind=kind, reason=reason, starts_at=parse_time(starts_at, "starts_at") or s.now(),
        ends_at=parse_time(ends_at, "ends_at")), s.now(), policy=s.rt.policy)
    out.print(f"restriction {r.id}: {r.kind.value} for shinobi {shinobi_id}, {r.status.value}")
