"""`backup` and `restore`: the database to a file and back, the audit chain checked each way."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ...domain.errors import DomainError
from .audit import audit_key
from .common import DatabaseOpt, err, fails_cleanly, out

commands = typer.Typer()


@commands.command("backup")
@fails_cleanly
def backup_cmd(file: Annotated[Path, typer.Argument(help="Write the backup here.", show_default=False)],
               database: DatabaseOpt = None,
               force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False) -> None:
    """Back up the database to FILE (SQLite: online backup API, integrity-checked; PostgreSQL: pg_dump). Never
    onto the live database; an existing FILE only with --force; written beside FILE and renamed when complete."""
    from ...config import Settings
    from ...runtime import start
    from ...services import audit
    from .. import audit_checkpoints
    from ..db import backup

    settings = Settings.from_env(database)
    kept = audit_checkpoints.checkpointing(settings)
    rt = start(settings, bootstrap=False)
    checked = backup.backup(rt.engine, file, force=force)
    check = audit.verify(rt.uow, kept.folder, kept.key)
    out.print(f"backed up to {file} ({checked}); audit chain {'ok' if check.ok else check.problem}, "
              f"{check.entries} entries")
    if not check.ok:
        err.print(f"[bold red]{check.problem}[/]: {check.summary}")


@commands.command("restore")
@fails_cleanly
def restore_cmd(file: Annotated[Path, typer.Argument(help="A file from `backup`.", show_default=False)],
                checkpoint: Annotated[Path | None, typer.Option(
                    help="Hold the backup's audit log to this checkpoint file (else to the newest automatic "
                         "checkpoint it should contain).")] = None,
                database: DatabaseOpt = None,
                yes: Annotated[bool, typer.Option("--yes", help="Replace the database without asking.")] = False
                ) -> None:
    """Replace the database with the backup in FILE (stop the app servers first). The backup's own audit chain is
    verified first, on a copy, and held to --checkpoint (or the newest automatic checkpoint it covers): a backup
    that fails replaces nothing (exit 1, BACKUP_AUDIT_BROKEN)."""
    from ...config import Settings
    from ...runtime import start
    from ...services import audit
    from .. import audit_checkpoints
    from ..db import backup

    settings = Settings.from_env(database)
    kept = audit_checkpoints.checkpointing(settings)
    against = audit_checkpoints.CheckpointFile(checkpoint) if checkpoint else kept.folder
    key = audit_key(settings) if checkpoint else kept.key
    if not yes and not typer.confirm(f"Replace everything in {settings.database_url} with {file}?"):
        raise typer.Exit(1)
    rt = start(settings, migrate_schema=False, bootstrap=False)
    with backup.staged(rt.engine, file) as copy:
        before = audit.verify(copy.uow, against, key, within=checkpoint is None)
        if not before.ok:
            raise DomainError(f"the backup's audit log fails verification, {before.problem}: {before.summary}; "
                              f"nothing was restored", code="BACKUP_AUDIT_BROKEN",
                              details=[{"problem": before.problem, "first_bad_seq": before.first_bad_seq,
                                        "entries": before.entries}])
        checked = copy.restore()
    rt = start(settings, bootstrap=False)  # a backup from an older version is migrated forward
    chain = audit.verify(rt.uow)
    if not chain.ok:
        err.print(f"[bold red]restored, but the audit chain is broken at seq {chain.first_bad_seq}[/]")
        raise typer.Exit(1)
    cp = before.checkpoint
    against_note = {audit.CHECKED: f"; the backup matched the checkpoint of {cp.entries} entries" if cp else "",
                    audit.NONE_YET: "; no checkpoint covers the backup", audit.NOT_CONFIGURED: ""}[before.checkpoints]
    out.print(f"restored from {file} ({checked}); audit chain ok, {chain.entries} entries{against_note}")
    if kept.folder is not None:  # checkpoints of the log just replaced would call the restored one truncated
        moved, aside = kept.folder.set_aside(chain.entries, rt.clock.now())
        if moved:
            out.print(f"{moved} checkpoint(s) of the replaced log, covering more than {chain.entries} entries, "
                      f"moved to {aside}")
