"""`alerts`: your alerts, and acknowledging a duty-of-care call."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .common import AsOpt, DatabaseOpt, Session, fails_cleanly, out

alerts_app = typer.Typer(help="Your alerts: read them, acknowledge a duty-of-care call.", no_args_is_help=True)


@alerts_app.command("list")
@fails_cleanly
def alerts_list(unread: Annotated[bool, typer.Option(help="Only those not yet read.")] = False,
                database: DatabaseOpt = None, as_user: AsOpt = None) -> None:
    """Your alerts, newest first; those still to acknowledge are marked."""
    from ...services import alerts as alerting

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
    from ...services import alerts as alerting

    s = Session(database, as_user)
    v = alerting.acknowledge_alert(s.uow, s.caller, alert_id, s.now())
    out.print(f"alert {alert_id} acknowledged" + (" (the ladder had been acknowledged already)"
                                                  if v.acknowledged_by not in (None, s.caller.shinobi_id) else ""))
