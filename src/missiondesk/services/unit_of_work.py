"""The unit of work: one transaction per use case. Only services commit.

A service function is written against a `Transaction` (its repositories and `commit`) and
wrapped with `@transactional(write=...)`, which opens the transaction from the `UnitOfWork`
the adapter passes in, rolls back whatever was not committed, and retries a bounded number
of times when the engine reports a transient conflict (busy, serialization, deadlock).

A write is `exclusive` by default: on PostgreSQL it takes the office's one-writer lock, so that a use case's
checks and writes form one step and the audit chain grows one entry at a time. The outbox's claims and
attempts (services/outbox.py) are not: they check nothing, write no audit entry, and lock their own rows.
"""
from __future__ import annotations

import functools
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from . import ports

P = ParamSpec("P")
R = TypeVar("R")

MAX_ATTEMPTS = 5


class Transaction(Protocol):
    """One use case's view of the store: its repositories (services/ports.py), read-only here so that any object
    holding them as plain attributes (the SQL transaction, the tests' fake) is one."""

    @property
    def shinobi(self) -> ports.ShinobiRepo: ...
    @property
    def accounts(self) -> ports.AccountRepo: ...
    @property
    def medical(self) -> ports.MedicalRepo: ...
    @property
    def missions(self) -> ports.MissionRepo: ...
    @property
    def assignments(self) -> ports.AssignmentRepo: ...
    @property
    def alerts(self) -> ports.AlertRepo: ...
    @property
    def outbox(self) -> ports.OutboxRepo: ...
    @property
    def contacts(self) -> ports.ContactRepo: ...
    @property
    def medic_duty(self) -> ports.MedicDutyRepo: ...
    @property
    def reviews(self) -> ports.WelfareReviewRepo: ...
    @property
    def gate(self) -> ports.GateRepo: ...
    @property
    def audit(self) -> ports.AuditRepo: ...
    @property
    def custody(self) -> ports.CustodyRepo: ...
    @property
    def briefs(self) -> ports.BriefRepo: ...
    @property
    def risk(self) -> ports.RiskRepo: ...
    @property
    def throttle(self) -> ports.ThrottleRepo: ...
    @property
    def roster(self) -> ports.RosterRepo: ...

    pending_security: list[dict[str, Any]]

    def commit(self) -> None: ...

    def scrub(self) -> None: ...

    def record_security(self, entry: dict[str, Any]) -> None: ...


class UnitOfWork(Protocol):
    def is_transient(self, exc: BaseException) -> bool: ...

    def note_security(self, entries: list[dict[str, Any]]) -> None: ...

    def flush_security(self) -> None: ...

    def begin(self, *, write: bool, exclusive: bool = True) -> AbstractContextManager[Transaction]: ...


def transactional(*, write: bool, exclusive: bool = True) -> Callable[[Callable[Concatenate[Transaction, P], R]],
                                              Callable[Concatenate[UnitOfWork, P], R]]:
    def wrap(fn: Callable[Concatenate[Transaction, P], R]) -> Callable[Concatenate[UnitOfWork, P], R]:
        @functools.wraps(fn)
        def run(uow: UnitOfWork, *args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                unsaved: list[dict[str, Any]] = []
                try:
                    # a read that failed to become a write (SQLite: a snapshot gone stale) runs again as a
                    # write, which waits its turn instead of failing
                    with uow.begin(write=write or attempt > 1, exclusive=exclusive) as tx:
                        try:
                            result = fn(tx, *args, **kwargs)
                        except Exception:
                            unsaved = list(tx.pending_security)
                            raise
                        if tx.pending_security:  # noted, not committed: written off the request path
                            uow.note_security(list(tx.pending_security))
                            tx.pending_security.clear()
                        return result
                except Exception as exc:
                    if attempt < MAX_ATTEMPTS and uow.is_transient(exc):
                        time.sleep(0.01 * 2 ** attempt)
                        continue
                    if unsaved:  # denied, or failed after a sensitive read: still on the record
                        uow.note_security(unsaved)
                    raise
            raise AssertionError("unreachable")

        return run

    return wrap
