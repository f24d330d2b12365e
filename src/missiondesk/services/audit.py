"""The audit log: every state change, every refused attempt, every override."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.access import Caller
from ..domain.audit import AuditEntry, ChainCheck, verify
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
    return verify(tx.audit.walk())
