"""The command line: the same services as the API, no HTTP in between.

Every command acts as an account (`--as`, or MISSIONDESK_USER, default the bootstrap user);
a refused or failed command prints the reason to stderr and exits non-zero.

One module per group of commands. A module imports at its top only Typer, Rich and the small pure domain
modules its signatures name; the runtime (SQLAlchemy, Alembic), the services and the frameworks they pull in
(numpy, OR-Tools, scikit-learn, argon2, FastAPI, uvicorn) are imported inside the commands, and a group's
commands are built only when the group is used, so that `--help` and each command's start-up pay only for what
the command uses (tests/e2e/test_cli_startup.py, bench/cli.py).
"""
from __future__ import annotations

import sys
from collections.abc import MutableMapping
from typing import TYPE_CHECKING

import typer
from typer.core import TyperGroup

from ...clock import ClockSettingInvalid
from . import alerts, assignments, audit, backup, custody, fitness, gate, missions, risk, roster, serve
from .common import err

if TYPE_CHECKING:
    from typer._click.core import Command  # Typer vendors Click (typer._click) and names no Command of its own

__all__ = ["app", "main"]


def built_when_used(group: typer.Typer) -> typer.Typer:
    """`group` as the root holds it: its help, and its commands built (Typer reads each one's signature, the
    costliest step of start-up after the imports) the first time something asks for them, when the group runs or
    shows its help; not for `missiondesk --help`, nor for a command of another group."""

    class Deferred(TyperGroup):
        _built: MutableMapping[str, Command] | None = None

        @property
        def commands(self) -> MutableMapping[str, Command]:
            if self._built is None:
                self._built = typer.main.get_group(group).commands
            return self._built

        @commands.setter
        def commands(self, given: MutableMapping[str, Command]) -> None:  # TyperGroup.__init__'s: none of its own
            assert not given, "the commands are the group's"

    return typer.Typer(cls=Deferred, help=group.info.help, no_args_is_help=group.info.no_args_is_help)


app = typer.Typer(help="missiondesk: the mission office of a hidden village.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
# The commands of the root, in the order `missiondesk --help` lists them (each module's `commands`, added
# without a name, lends its commands to the root), then the groups.
for commands in (serve.commands, fitness.commands, assignments.commands, missions.commands, risk.commands,
                 backup.commands):
    app.add_typer(commands)
app.add_typer(built_when_used(alerts.alerts_app), name="alerts")
app.add_typer(built_when_used(assignments.assignment_app), name="assignment")
app.add_typer(built_when_used(audit.audit_app), name="audit")
app.add_typer(built_when_used(gate.gate_app), name="gate")
app.add_typer(built_when_used(custody.custody_app), name="custody")
app.add_typer(built_when_used(roster.shinobi_app), name="shinobi")
app.add_typer(built_when_used(missions.mission_app), name="mission")
app.add_typer(built_when_used(fitness.sleep_app), name="sleep")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except ClockSettingInvalid as e:
        err.print(f"[bold red]error[/] CLOCK_INVALID: {e}")
        sys.exit(2)
