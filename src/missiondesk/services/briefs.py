"""Classified briefs: written by the office, read by the cleared (every read on the record, in
the read's own transaction), destroyed for good by anyone who may read them."""
from __future__ import annotations

from datetime import datetime

from ..domain.access import Caller
from ..domain.briefs import Brief
from ..domain.errors import Conflict, Gone, Invalid, NotFound
from . import authz
from .audit import record
from .missions import visible_mission
from .unit_of_work import Transaction, transactional


def _latest(tx: Transaction, mission_id: int) -> Brief | None:
    brief: Brief | None = tx.briefs.latest(mission_id)
    return brief


def _gone(brief: Brief) -> Gone:
    assert brief.destroyed_at is not None
    return Gone("the brief was destroyed", code="BRIEF_DESTROYED",
                details=[{"destroyed_at": brief.destroyed_at.isoformat(), "destroyed_by": brief.destroyed_by,
                          "reason": brief.destroy_reason}])


def _live_brief(tx: Transaction, caller: Caller, mission_id: int, action: str) -> Brief:
    """The mission's live brief, after need-to-know: 404 when the mission is hidden or has no brief,
    410 when its brief was destroyed."""
    m = visible_mission(tx, caller, mission_id)
    brief = _latest(tx, mission_id)
    if brief is None:
        raise NotFound("brief", mission_id)
    if brief.destroyed_at is not None:
        raise _gone(brief)
    authz.require(tx, caller, action, authz.brief_resource(m.id, m.classification, destroyed=False), hide=True)
    return brief


@transactional(write=True)
def write_brief(tx: Transaction, caller: Caller, mission_id: int, text: str, now: datetime) -> Brief:
    """The brief written (the web answer leaves its text out: it is read, and recorded, through read_brief)."""
    m = visible_mission(tx, caller, mission_id)
    authz.require(tx, caller, "writeBrief", authz.mission_resource(m.id, m.classification))
    if not text.strip():
        raise Invalid("a brief needs text", code="TEXT_REQUIRED")
    live = _latest(tx, mission_id)
    if live is not None and live.destroyed_at is None:
        raise Conflict("this mission already has a brief; destroy it before writing another", code="BRIEF_EXISTS")
    brief: Brief = tx.briefs.add(mission_id, text, caller.username, now)
    record(tx, now, caller, "brief.written", f"mission:{mission_id}", brief_id=brief.id)
    tx.commit()
    return brief


@transactional(write=True)
def read_brief(tx: Transaction, caller: Caller, mission_id: int, now: datetime) -> Brief:
    """The text, with the read on the record in the same transaction: no record, no read."""
    brief = _live_brief(tx, caller, mission_id, "readBrief")
    record(tx, now, caller, "brief.read", f"mission:{mission_id}", brief_id=brief.id)
    tx.commit()
    return brief


@transactional(write=True)
def destroy_brief(tx: Transaction, caller: Caller, mission_id: int, reason: str, now: datetime) -> Brief:
    """Erase the text for good; keep who, when and why."""
    if not reason.strip():
        raise Invalid("say why the brief is destroyed", code="REASON_REQUIRED")
    brief = _live_brief(tx, caller, mission_id, "destroyBrief")
    tx.briefs.destroy(brief.id, caller.username, reason, now)
    record(tx, now, caller, "brief.destroy", f"mission:{mission_id}", brief_id=brief.id, reason=reason)
    tx.scrub()
    result = _latest(tx, mission_id)
    assert result is not None  # the brief just destroyed
    tx.commit()
    return result
