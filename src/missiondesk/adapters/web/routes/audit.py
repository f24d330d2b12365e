from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request, Response

from ....services import audit
from ....services.paging import Window
from ...audit_checkpoints import checkpointing
from ..deps import CurrentCaller, Deps
from ..schemas import AuditEntryRead, AuditVerifyRead
from .common import MAX_PAGE, aware, link_next

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=list[AuditEntryRead])
def list_audit(caller: CurrentCaller, c: Deps, request: Request, response: Response, actor: str | None = None,
               action: str | None = None, target: str | None = None, since: datetime | None = None,
               until: datetime | None = None, after_seq: int = Query(default=0, ge=0),
               limit: int = Query(default=MAX_PAGE, ge=1, le=MAX_PAGE)) -> list[AuditEntryRead]:
    """The log in order, `limit` entries after `after_seq`; the next page's URL in the `Link` header."""
    page = audit.list_entries(c.uow, caller, Window(after_seq, limit), actor=actor, action=action, target=target,
                              since=aware(since, "since") if since else None,
                              until=aware(until, "until") if until else None)
    link_next(request, response, page.next_after, param="after_seq")
    return [AuditEntryRead(seq=e.seq, at=e.at, actor=e.actor, action=e.action, target=e.target, details=e.details,
                           prev_hash=e.prev_hash, hash=e.hash) for e in page.items]


@router.get("/audit/verify", response_model=AuditVerifyRead)
def verify(caller: CurrentCaller, c: Deps, full: bool = False) -> AuditVerifyRead:
    """The hash chain held against the newest signed checkpoint (MISSIONDESK_AUDIT_CHECKPOINTS): a
    rewritten-and-rehashed or deleted tail that a checkpoint covers is reported (REWRITTEN, TRUNCATED). Walked
    from that checkpoint on (the entry it signed must be unchanged), so its cost follows the entries since;
    `full=true`, or no checkpoint, walks the whole chain."""
    kept = checkpointing(c.settings)
    return AuditVerifyRead.of(audit.verify_chain(c.uow, caller, kept.folder, kept.key, full=full))
