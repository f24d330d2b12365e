"""What every command shares: its options and arguments, its session (runtime and caller), clean failures,
ISO times and the table of reasons.

Nothing heavy at import: `Session` imports the runtime (SQLAlchemy, Alembic) and the services when a command
opens one, so that `--help` and Typer's parsing never pay for them.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, overload

import typer
from rich.console import Console
from rich.table import Table

from ...domain.errors import DomainError

if TYPE_CHECKING:
    from ...domain.access import Caller
    from ...runtime import Runtime
    from ...services.unit_of_work import UnitOfWork

out = Console()
err = Console(stderr=True)

DatabaseOpt = Annotated[str | None, typer.Option("--database", help="Database URL (else MISSIONDESK_DATABASE_URL).")]
AsOpt = Annotated[str | None, typer.Option("--as", help="Act as this account (else MISSIONDESK_USER).")]
AtOpt = Annotated[str | None, typer.Option(help="ISO time with offset; default now.")]
HostOpt = Annotated[str, typer.Option(help="Address to listen on.")]
PortOpt = Annotated[int, typer.Option(help="Port to listen on.")]
MissionArg = Annotated[int, typer.Argument(help="The mission's id (`mission list`).", show_default=False)]
ShinobiArg = Annotated[int, typer.Argument(help="The shinobi's id (`shinobi list`).", show_default=False)]
F = TypeVar("F", bound=Callable[..., Any])


class Session:
    """One command's runtime and caller."""

    def __init__(self, database: str | None, as_user: str | None):
        from ...config import Settings
        from ...runtime import start
        from ...services import auth

        self.rt: Runtime = start(Settings.from_env(database))
        username = as_user or os.environ.get("MISSIONDESK_USER") or self.rt.settings.bootstrap_user
        self.caller: Caller = auth.caller_for_username(self.rt.uow, username)

    @property
    def uow(self) -> UnitOfWork:
        return self.rt.uow

    def now(self) -> datetime:
        """The service's clock (MISSIONDESK_CLOCK, else the real time)."""
        return self.rt.clock.now()


def fails_cleanly(fn: F) -> F:
    """Domain errors become a message on stderr and exit status 1."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DomainError as e:
            err.print(f"[bold red]error[/] {e.code}: {e.message}")
            if e.details and e.code == "ASSIGNMENT_REFUSED":
                err.print(reasons_table(e.details))
            elif e.details:
                for d in e.details:
                    err.print(f"  {d}")
            raise typer.Exit(1) from None

    return run  # type: ignore[return-value]


@overload
def parse_time(value: str, name: str) -> datetime: ...
@overload
def parse_time(value: None, name: str) -> None: ...
@overload
def parse_time(value: str | None, name: str) -> datetime | None: ...
def parse_time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(f"{name}: not an ISO 8601 time: {value!r}", code="VALIDATION_ERROR") from None
    if t.tzinfo is None:
        raise DomainError(f"{name}: a time needs an offset, e.g. 2026-03-14T06:30:00Z", code="VALIDATION_ERROR")
    if not 1900 <= t.year <= 9000:
        raise DomainError(f"{name}: a time between the years 1900 and 9000", code="VALIDATION_ERROR")
    return t


def reasons_table(details: list[dict[str, Any]], title: str = "Refused") -> Table:
    t = Table(title=title, show_lines=False)
    t.add_column("shinobi")
    t.add_column("code", style="bold")
    t.add_column("why")
    t.add_column("clears")
    for d in details:
        clears = d.get("clears_at")
        t.add_row(str(d.get("shinobi_id") if d.get("shinobi_id") is not None else "team"), d["code"], d["message"],
                  (clears.isoformat() if isinstance(clears, datetime) else clears) or "–")
    return t
