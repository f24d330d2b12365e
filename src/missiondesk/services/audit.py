"""The audit log: every state change, every refused attempt, every override; its hash chain verified,
against the newest signed checkpoint kept outside the database when the operator keeps them."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from ..domain.access import Caller
from ..domain.audit import (
    GENESIS,
    AuditEntry,
    ChainCheck,
    Checkpoint,
    CheckpointCadence,
    CheckpointInvalid,
    SignedCheckpoint,
    against_checkpoint,
    checkpoint_due,
    signature_ok,
    signed,
)
from ..domain.audit import verify as _verify
from ..domain.errors import DomainError, Invalid
from . import authz
from .paging import Paged, Window
from .unit_of_work import Transaction, UnitOfWork, transactional


def record(tx: Transaction, now: datetime, actor: Caller | str | None, action: str, target: str | None,
           **details: Any) -> AuditEntry:
    """Append one entry in the caller's transaction, so it stands or falls with the change."""
    name = actor.username if isinstance(actor, Caller) else actor
    return tx.audit.append(at=now, actor=name, action=action, target=target, details=details)


def list_entries(uow: UnitOfWork, caller: Caller, window: Window = Window(after=0), *, actor: str | None = None,
                 action: str | None = None, target: str | None = None, since: datetime | None = None,
                 until: datetime | None = None) -> Paged[AuditEntry]:
    """The log in order, a page at a time: the entries after the seq `window.after` that match."""
    uow.flush_security()  # what this process noted is in the log before the log is read
    return _list_entries(uow, caller, window, actor=actor, action=action, target=target, since=since, until=until)


@transactional(write=False)
def _list_entries(tx: Transaction, caller: Caller, window: Window, *, actor: str | None, action: str | None,
                  target: str | None, since: datetime | None, until: datetime | None) -> Paged[AuditEntry]:
    authz.require(tx, caller, "readAudit")
    if since is not None and until is not None and until < since:
        raise Invalid("until is before since", code="TIME_RANGE_INVALID")
    rows = tx.audit.list(actor=actor, action=action, target=target, since=since, until=until,
                         after_seq=window.after or 0, limit=window.limit + 1)
    return Paged.cut(rows, window, key=lambda e: e.seq)


# -- checkpoints ---------------------------------------------------------------------------------------
class CheckpointStore(Protocol):
    """Where signed checkpoints are kept, outside the database: a folder of the operator's choosing, one
    file named on the command line (adapters/audit_checkpoints.py), a list in memory in the tests."""

    where: str

    def newest(self, *, at_most: int | None = None) -> SignedCheckpoint | None:
        """The checkpoint covering the most entries (at most `at_most`, when given); None when there is
        none. CheckpointInvalid when what is kept cannot be read as checkpoints."""
        ...

    def save(self, checkpoint: SignedCheckpoint) -> str:
        """Keep it (whole or not at all); returns where."""
        ...


class CheckpointRefused(DomainError):
    """The chain does not extend the newest checkpoint (or does not hold): signing its head would vouch for
    a tampered log, so no checkpoint is written."""

    code = "CHECKPOINT_REFUSED"


# what `AuditCheck.checkpoints` says: no store or no key given; a store with nothing in it yet; checked
NOT_CONFIGURED, NONE_YET, CHECKED = "not_configured", "none_yet", "checked"


@dataclass(frozen=True)
class AuditCheck:
    """The chain walked, and held against the newest checkpoint when there is one to hold it against."""

    ok: bool
    entries: int
    first_bad_seq: int | None
    reason: str | None  # why the first bad entry is bad (ChainCheck.reason)
    problem: str | None  # CHAIN_BROKEN | TRUNCATED | REWRITTEN | CHECKPOINT_FORGED | CHECKPOINT_INVALID
    checkpoints: str  # NOT_CONFIGURED | NONE_YET | CHECKED
    checkpoint: Checkpoint | None  # the checkpoint held against, when its signature holds
    note: str | None = None  # what was wrong with the checkpoint store, for people
    walked_from: int = 0  # the walk began after this seq: the checkpoint's, when only the entries since it were

    @property
    def summary(self) -> str:
        cp = self.checkpoint
        against = (f"the checkpoint of {cp.entries} entries at {cp.at.isoformat(timespec='seconds')}"
                   if cp else "")
        if self.problem is None:
            tail = {NOT_CONFIGURED: "; no checkpoints are kept (set MISSIONDESK_AUDIT_KEY and "
                                    "MISSIONDESK_AUDIT_CHECKPOINTS), so a rewritten or cut tail would go unseen",
                    NONE_YET: "; no checkpoint written yet",
                    CHECKED: f" and matches {against}"}[self.checkpoints]
            since = (f" (walked from entry {self.walked_from + 1}: the entries before it are vouched for by the "
                     "signed checkpoint; a full verification walks them too)") if self.walked_from else ""
            return f"{self.entries} entries, the chain holds{tail}{since}"
        where = f" at seq {self.first_bad_seq} ({self.reason})" if self.first_bad_seq is not None else ""
        return {"CHAIN_BROKEN": f"the chain is broken{where}",
                "TRUNCATED": f"the log holds {self.entries} entries, fewer than {against}: its tail was deleted",
                "REWRITTEN": f"entry {cp.entries if cp else '?'} is not the one {against} signed: "
                             "the log was rewritten and re-hashed",
                "CHECKPOINT_FORGED": "the newest checkpoint's signature does not match: an altered or "
                                     "foreign checkpoint, or the wrong MISSIONDESK_AUDIT_KEY",
                "CHECKPOINT_INVALID": f"the newest checkpoint cannot be read: {self.note}",
                }.get(self.problem, self.problem)


@dataclass(frozen=True)
class _Newest:
    checkpoint: Checkpoint | None
    status: str
    problem: str | None = None
    note: str | None = None


def _newest(store: CheckpointStore | None, key: bytes | None, at_most: int | None = None) -> _Newest:
    """The newest checkpoint in `store`, its signature checked with `key`."""
    if store is None or not key:
        return _Newest(None, NOT_CONFIGURED)
    try:
        found = store.newest(at_most=at_most)
    except CheckpointInvalid as e:
        return _Newest(None, CHECKED, "CHECKPOINT_INVALID", e.message)
    if found is None:
        return _Newest(None, NONE_YET)
    if not signature_ok(found.checkpoint, found.signature, key):
        return _Newest(None, CHECKED, "CHECKPOINT_FORGED")
    return _Newest(found.checkpoint, CHECKED)


def _judge(tx: Transaction, chain: ChainCheck, newest: _Newest) -> AuditCheck:
    problem = None if chain.ok else "CHAIN_BROKEN"
    cp = newest.checkpoint
    problem = problem or newest.problem
    if problem is None and cp is not None:
        problem = against_checkpoint(chain, tx.audit.get(cp.entries) if cp.entries else None, cp).problem
    return AuditCheck(ok=problem is None, entries=chain.entries, first_bad_seq=chain.first_bad_seq,
                      reason=chain.reason, problem=problem, checkpoints=newest.status, checkpoint=cp,
                      note=newest.note)


def _walk(tx: Transaction, newest: _Newest, full: bool) -> AuditCheck:
    """The chain held against the newest checkpoint: from it on, when there is one and `full` is not asked (the
    cost follows the entries written since; the entry it signed must still be the one it signed), else all of
    it."""
    cp = newest.checkpoint
    if full or cp is None or cp.entries == 0 or newest.problem is not None:
        return _judge(tx, _verify(tx.audit.walk()), newest)
    anchor = tx.audit.get(cp.entries)
    if anchor is None or anchor.hash != cp.head_hash:  # cut or rewritten up to the checkpoint: walk it all
        return _judge(tx, _verify(tx.audit.walk()), newest)
    since = _verify(tx.audit.walk(after=cp.entries), after=(cp.entries, cp.head_hash))
    total = ChainCheck(since.ok, cp.entries + since.entries, since.first_bad_seq, since.reason)
    return replace(_judge(tx, total, newest), walked_from=cp.entries)


@transactional(write=False)
def _verify_for(tx: Transaction, caller: Caller, newest: _Newest, full: bool) -> AuditCheck:
    authz.require(tx, caller, "readAudit")
    return _walk(tx, newest, full)


@transactional(write=False)
def _verify_against(tx: Transaction, newest: _Newest, full: bool) -> AuditCheck:
    return _walk(tx, newest, full)


@transactional(write=False)
def _verify_within(tx: Transaction, checkpoints: CheckpointStore | None, key: bytes | None) -> AuditCheck:
    chain = _verify(tx.audit.walk())
    return _judge(tx, chain, _newest(checkpoints, key, at_most=chain.entries))


def verify_chain(uow: UnitOfWork, caller: Caller, checkpoints: CheckpointStore | None = None,
                 key: bytes | None = None, *, full: bool = False) -> AuditCheck:
    """The chain held against the newest checkpoint in `checkpoints` (the API, the page): walked from that
    checkpoint on, or, with `full` or none to start from, from the beginning."""
    uow.flush_security()
    # the checkpoint is read before the chain: one written meanwhile covers only entries the walk will see
    return _verify_for(uow, caller, _newest(checkpoints, key), full)


PAGE_WALKS_AT_MOST = 5_000  # with no checkpoint to start from, the audit page walks a log this long on every view


@dataclass(frozen=True)
class PageCheck:
    """The chain as the audit page shows it: `check` None when it was not walked on this view (no checkpoint to
    start from and more than PAGE_WALKS_AT_MOST entries: walking 100,000 takes seconds), until asked."""

    check: AuditCheck | None
    entries: int  # the log's length


def verify_for_page(uow: UnitOfWork, caller: Caller, checkpoints: CheckpointStore | None = None,
                    key: bytes | None = None, *, walk_all: bool = False) -> PageCheck:
    """As verify_chain, but a long log with no checkpoint is walked only when `walk_all` asks."""
    uow.flush_security()
    return _page_check(uow, caller, _newest(checkpoints, key), walk_all)


@transactional(write=False)
def _page_check(tx: Transaction, caller: Caller, newest: _Newest, walk_all: bool) -> PageCheck:
    authz.require(tx, caller, "readAudit")
    head = tx.audit.head()
    entries = head.seq if head else 0
    if newest.checkpoint is None and newest.problem is None and entries > PAGE_WALKS_AT_MOST and not walk_all:
        return PageCheck(None, entries)
    return PageCheck(_walk(tx, newest, False), entries)


def verify(uow: UnitOfWork, checkpoints: CheckpointStore | None = None, key: bytes | None = None, *,
           within: bool = False, full: bool = True) -> AuditCheck:
    """The chain as the operator sees it (the CLI, backup, restore); the API's verify_chain checks the caller
    first. Walked whole unless `full` is False (then from the newest checkpoint on, as the API and the page do).
    `within`: against the newest checkpoint the log should already contain (a backup, older than the newest
    checkpoints, is held to the newest one it covers), walked whole."""
    uow.flush_security()
    if within:
        return _verify_within(uow, checkpoints, key)
    return _verify_against(uow, _newest(checkpoints, key), full)


@transactional(write=False)
def make_checkpoint(tx: Transaction, key: bytes, now: datetime, *, after: Checkpoint | None = None,
                    cadence: CheckpointCadence | None = None, full: bool = False) -> SignedCheckpoint | None:
    """The chain's size and head hash, signed with `key` (HMAC-SHA-256), to be kept outside the database,
    once the log is seen to extend `after` (the last checkpoint: its entry unchanged, the chain holding from
    it to the head; `full`, or no `after`: holding from the beginning). With a cadence, None when no
    checkpoint is due yet. An edit behind `after` that was not re-hashed changes no signed hash, so the
    writer's walk from `after` need not see it: verification, which walks it all, reports it."""
    if not key:
        raise Invalid("a checkpoint needs a signing key (MISSIONDESK_AUDIT_KEY)", code="AUDIT_KEY_MISSING")
    head = tx.audit.head()
    entries = head.seq if head else 0
    if cadence is not None and not checkpoint_due(after, entries, now, cadence):
        return None
    start = (0, GENESIS)
    if after is not None and after.entries > 0:
        if entries < after.entries:
            raise CheckpointRefused(f"the log holds {entries} entries, fewer than the last checkpoint's "
                                    f"{after.entries}: its tail was deleted", details=[{"problem": "TRUNCATED"}])
        anchor = tx.audit.get(after.entries)
        if anchor is None or anchor.hash != after.head_hash:
            raise CheckpointRefused(f"entry {after.entries} is not the one the last checkpoint signed: the log "
                                    "was rewritten", details=[{"problem": "REWRITTEN"}])
        start = (0, GENESIS) if full else (after.entries, after.head_hash)
    chain = _verify(tx.audit.walk(after=start[0], until=entries), after=start)
    if not chain.ok:
        raise CheckpointRefused(f"the chain is broken at seq {chain.first_bad_seq} ({chain.reason})",
                                details=[{"problem": "CHAIN_BROKEN", "first_bad_seq": chain.first_bad_seq}])
    return signed(Checkpoint(entries=entries, head_hash=head.hash if head else "", at=now), key)


def write_checkpoint(uow: UnitOfWork, store: CheckpointStore, key: bytes, now: datetime, *,
                     after: CheckpointStore | None, cadence: CheckpointCadence | None = None, full: bool = False
                     ) -> SignedCheckpoint | None:
    """Sign the log's head and keep it in `store`, provided the log extends the newest checkpoint in `after`
    (the automatic ones): a tail rewritten or cut since is refused (CHECKPOINT_REFUSED), never signed over.
    The chain is walked from that checkpoint on (`full`, or no checkpoint: from the beginning). With a
    cadence, only when one is due; returns what was written."""
    if not key:
        raise Invalid("a checkpoint needs a signing key (MISSIONDESK_AUDIT_KEY)", code="AUDIT_KEY_MISSING")
    uow.flush_security()  # what this process noted is covered too
    newest = _newest(after, key)
    if newest.problem is not None and after is not None:
        what = "unreadable" if newest.problem == "CHECKPOINT_INVALID" else "forged"
        raise CheckpointRefused(f"the newest checkpoint in {after.where} is {what}"
                                f"{': ' + newest.note if newest.note else ''}", details=[{"problem": newest.problem}])
    made = make_checkpoint(uow, key, now, after=newest.checkpoint, cadence=cadence, full=full)
    if made is not None:
        store.save(made)
    return made
