"""`audit`: the audit log's hash chain, verified and checkpointed (signed with MISSIONDESK_AUDIT_KEY)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ...domain.errors import DomainError
from .common import DatabaseOpt, err, fails_cleanly, out

if TYPE_CHECKING:
    from ...config import Settings

audit_app = typer.Typer(help="The audit log's hash chain: verify it, checkpoint it.", no_args_is_help=True)


def audit_key(settings: Settings) -> bytes:
    from .. import audit_checkpoints

    key = audit_checkpoints.key_of(settings)
    if key is None:
        raise DomainError("set MISSIONDESK_AUDIT_KEY (16 characters or more) to sign and check checkpoints",
                          code="AUDIT_KEY_MISSING")
    return key


@audit_app.command("checkpoint")
@fails_cleanly
def audit_checkpoint(file: Annotated[Path | None, typer.Argument(
                         help="Write here (else into MISSIONDESK_AUDIT_CHECKPOINTS).")] = None,
                     database: DatabaseOpt = None) -> None:
    """Sign the chain's size and head hash (HMAC, MISSIONDESK_AUDIT_KEY) and write it to FILE or the checkpoint
    folder. Refused (CHECKPOINT_REFUSED) when the chain does not hold, from the beginning, or does not extend the
    newest automatic checkpoint: a rewritten or cut tail is never signed over."""
    from ...config import Settings
    from ...runtime import start
    from ...services import audit
    from .. import audit_checkpoints

    settings = Settings.from_env(database)
    key = audit_key(settings)
    kept = audit_checkpoints.checkpointing(settings)
    store = audit_checkpoints.CheckpointFile(file) if file else kept.folder
    if store is None:
        raise DomainError("name a FILE, or set MISSIONDESK_AUDIT_CHECKPOINTS to a folder",
                          code="CHECKPOINT_FOLDER_MISSING")
    rt = start(settings, bootstrap=False)
    cp = audit.write_checkpoint(rt.uow, store, key, rt.clock.now(), after=kept.folder, full=True)
    if cp is None:  # not reached without a cadence; kept for the type checker
        raise typer.Exit(1)
    where = file or Path(store.where) / audit_checkpoints.file_name(cp)
    out.print(f"checkpoint: {cp.checkpoint.entries} entries, head {cp.checkpoint.head_hash[:16]}…, written to {where}")


@audit_app.command("verify")
@fails_cleanly
def audit_verify(checkpoint: Annotated[Path | None, typer.Option(
                     help="A file from `audit checkpoint` (else the newest in MISSIONDESK_AUDIT_CHECKPOINTS).")] = None,
                 full: Annotated[bool, typer.Option(
                     "--full", help="Walk the whole chain, not only the entries since the checkpoint.")] = False,
                 database: DatabaseOpt = None) -> None:
    """Walk the hash chain and hold it to the newest checkpoint (or --checkpoint): a truncated or rewritten tail
    that a checkpoint covers is caught. From that checkpoint on (its signed entry unchanged), so the cost follows
    the entries since; --full, or no checkpoint, walks it all. Exit 1 if bad."""
    from ...config import Settings
    from ...runtime import start
    from ...services import audit
    from .. import audit_checkpoints

    settings = Settings.from_env(database)
    against: audit.CheckpointStore | None
    key: bytes | None
    if checkpoint is not None:
        against, key = audit_checkpoints.CheckpointFile(checkpoint), audit_key(settings)
    else:
        kept = audit_checkpoints.checkpointing(settings)
        against, key = kept.folder, kept.key
    rt = start(settings, bootstrap=False)
    check = audit.verify(rt.uow, against, key, full=full)
    if check.ok:
        out.print(f"[green]ok[/]: {check.summary}")
        return
    err.print(f"[bold red]{check.problem}[/]: {check.summary}")
    raise typer.Exit(1)
