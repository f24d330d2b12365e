"""The command line: the same services as the API, no HTTP in between.

Every command acts as an account (`--as`, or MISSIONDESK_USER, default the bootstrap user);
a refused or failed command prints the reason to stderr and exits non-zero.

One module per group of commands. A module imports at its top only Typer, Rich and the small pure domain
modules its signatures name; the runtime (SQLAlchemy, Alembic), the services and the frameworks they pull in
(numpy, OR-Tools, scikit-learn, argon2, FastAPI, uvicorn) are imported inside the commands, so that `--help`
and each command's start-up pay only for what the command uses (tests/e2e/test_cli_startup.py).
"""
from __future__ import annotations

import sys

import typer

from ...clock import ClockSettingInvalid
from . import alerts, assignments, audit, backup, custody, fitness, gate, missions, risk, roster, serve
from .common import err

__all__ = ["app", "main"]

app = typer.Typer(help="missiondesk: the mission office of a hidden village.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
# The commands of the root, in the order `missiondesk --help` lists them (each module's `commands`, added
# without a name, lends its commands to the root), then the groups.
for commands in (serve.commands, fitness.commands, assignments.commands, missions.commands, risk.commands,
                 backup.commands):
    app.add_typer(commands)
app.add_typer(alerts.alerts_app, name="alerts")
app.add_typer(assignments.assignment_app, name="assignment")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(gate.gate_app, name="gate")
app.add_typer(custody.custody_app, name="custody")
app.add_typer(roster.shinobi_app, name="shinobi")
app.add_typer(missions.mission_app, name="mission")
app.add_typer(fitness.sleep_app, name="sleep")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except ClockSettingInvalid as e:
        err.print(f"[bold red]error[/] CLOCK_INVALID: {e}")
        sys.exit(2)
