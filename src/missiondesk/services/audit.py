"""The audit log: every state change, every refused attempt, every override."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.access import Caller
from ..domain.audit import (
    AuditEntry,
    ChainCheck,
    Checkpoint,
    CheckpointCheck,
    against_checkpoint,
    sign,
    signature_ok,
)
from ..domain.audit import verify as _verify
from ..domain.errors import Invalid
from . import authz
from .unit_of_work import Transaction, transactional

MAX_PAGE = 1000


def record(tx: Transaction, now: datetime, actor: Caller | str | None, action: str, target: str | None,
           **details: Any) -> AuditEntry:
    """Append one entry in the caller's transaction, so it stands or falls with the change."""
    name = actor.username if isinstance(actor, Caller) else actor
    return tx.audit.append(at=now, actor=name, action=action, target=target, details=details)


@transactional(write=False)
def list_entries(tx: Transaction, caller: Caller, *, actor: str | None = None, action: str | None = None,
                 target: str | None = None, since: datetime | None = None, until: datetime | None = None,
                 after_seq: int = 0, limit: int = MAX_PAGE) -> list[AuditEntry]:
    authz.require(tx, caller, "readAudit")
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE}", code="LIMIT_INVALID")
    if since is not None and until is not None and until < since:
        raise Invalid("until is before since", code="TIME_RANGE_INVALID")
    return tx.audit.list(actor=actor, action=action, target=target, since=since, until=until,
                         after_seq=after_seq, limit=limit)


@transactional(write=False)
def verify_chain(tx: Transaction, caller: Caller) -> ChainCheck:
    authz.require(tx, caller, "readAudit")
    return _verify(tx.audit.walk())


@transactional(write=False)
def verify(tx: Transaction) -> ChainCheck:
    """The chain as the operator sees it (the CLI); the API's verify_chain checks the caller first."""
    return _verify(tx.audit.walk())




@transactional(write=False)
def make_checkpoint(tx: Transaction, key: bytes, now: datetime) -> dict[str, Any]:
    """The chain's size and head hash, signed with `key` (HMAC-SHA-256), to be kept outside the
    database: a later verify against it catches a truncated tail, which the chain alone cannot."""
    if not key:
        raise Invalid("a checkpoint needs a signing key (MISSIONDESK_AUDIT_KEY)", code="AUDIT_KEY_MISSING")
    head = tx.audit.head()
    cp = Checkpoint(entries=head.seq if head else 0, head_hash=head.hash if head else "", at=now)
    return {"entries": cp.entries, "head_hash": cp.head_hash, "at": cp.at.isoformat(timespec="microseconds"),
            "signature": sign(cp, key)}


@transactional(write=False)
def verify_with_checkpoint(tx: Transaction, saved: dict[str, Any], key: bytes) -> CheckpointCheck:
    try:
        cp = Checkpoint(entries=int(saved["entries"]), head_hash=str(saved["head_hash"]),
                        at=datetime.fromisoformat(saved["at"]))
        signature = str(saved["signature"])
    except (KeyError, TypeError, ValueError) as e:
        raise Invalid(f"not a missiondesk checkpoint: {e}", code="CHECKPOINT_INVALID") from None
    if not signature_ok(cp, signature, key):
        raise Invalid("the checkpoint's signature does not match: wrong key or an altered file",
                      code="CHECKPOINT_FORGED")
    chain = _verify(tx.audit.walk())
    return against_checkpoint(chain, tx.audit.get(cp.entries) if cp.entries else None, cp)
