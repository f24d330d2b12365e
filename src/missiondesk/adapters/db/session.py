"""Engines and the SQL unit of work.

SQLite: WAL, foreign keys on, a busy timeout, and `BEGIN IMMEDIATE` for write transactions
so that a use case's checks and its writes are one serialised step. PostgreSQL: psycopg 3.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from ...clock import Clock, SystemClock
from .alerts import AlertRepository, ContactRepository, MedicDutyRepository, OutboxRepository, WelfareReviewRepository
from .journal import SecurityJournal
from .repositories import (
    AccountRepository,
    AssignmentRepository,
    AuditRepository,
    BriefRepository,
    CustodyRepository,
    GateRepository,
    MedicalRepository,
    MissionRepository,
    RiskRepository,
    ShinobiRepository,
)
from .roster import RosterCache, RosterRepository
from .throttle import ThrottleRepository

log = logging.getLogger(__name__)

WRITE_LOCK = 7431001  # the advisory lock key of missiondesk's writers
WRITER_WAIT = 30.0  # seconds a SQLite writer waits its turn in this process before meeting the busy handler


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_engine(url: str) -> Engine:
    memory = ":memory:" in url or url in ("sqlite://", "sqlite:///")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_connection.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class SqlTransaction:
    """The services' `Transaction` (services/unit_of_work.py) on one SQLAlchemy session: each repository is one
    of services/ports.py's protocols, which mypy holds it to (below the class)."""

    def __init__(self, session: Session, clock: Clock, committed: Callable[[], None] | None = None,
                 roster_cache: RosterCache | None = None):
        self.session = session
        self.clock = clock
        self._committed = committed  # told at each commit (the unit of work's turn for writers ends there)
        self.pending_security: list[dict[str, Any]] = []
        self.shinobi = ShinobiRepository(session)
        self.accounts = AccountRepository(session)
        self.medical = MedicalRepository(session)
        self.missions = MissionRepository(session)
        self.assignments = AssignmentRepository(session)
        self.alerts = AlertRepository(session)
        self.outbox = OutboxRepository(session)
        self.contacts = ContactRepository(session)
        self.medic_duty = MedicDutyRepository(session)
        self.reviews = WelfareReviewRepository(session)
        self.gate = GateRepository(session)
        self.audit = AuditRepository(session)
        self.custody = CustodyRepository(session)
        self.briefs = BriefRepository(session)
        self.risk = RiskRepository(session)
        self.throttle = ThrottleRepository(session)
        self.roster = RosterRepository(session, roster_cache)
        self._after_commit: list[Any] = []

    def commit(self) -> None:
        for entry in self.pending_security:  # a change is committed: its notes go with it
            self.audit.append(**entry)
        self.pending_security.clear()
        self.session.commit()
        if self._committed is not None:
            self._committed()
        hooks, self._after_commit = self._after_commit, []
        for hook in hooks:
            hook()

    def scrub(self) -> None:
        """After this commit, make erased text unrecoverable from the database's own files, as far as the
        engine allows (README, "What erasure means"). SQLite runs with secure_delete (freed pages are zeroed)
        and its write-ahead log is checkpointed and truncated. PostgreSQL rewrites the brief table and its
        TOAST table into new files (VACUUM FULL: the old ones, with the dead row versions, are unlinked) and
        asks for a checkpoint, after which the write-ahead log that still holds the text may be recycled
        (only a superuser or a member of pg_checkpoint may; without it, PostgreSQL recycles it in its own
        time)."""
        engine = cast(Engine, self.session.get_bind())  # sessions here are bound to an engine

        def run() -> None:
            if engine.dialect.name == "sqlite":
                raw = engine.raw_connection()
                try:
                    assert raw.driver_connection is not None  # a live connection has its driver's
                    raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    raw.close()
            elif engine.dialect.name == "postgresql":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM (FULL) brief")
                    try:
                        conn.exec_driver_sql("CHECKPOINT")
                    except DBAPIError as e:  # not allowed to this role: PostgreSQL recycles the log later
                        log.info("no CHECKPOINT after erasing a brief: %s", e.orig)

        self._after_commit.append(run)

    def record_security(self, entry: dict[str, Any]) -> None:
        """An authorization decision worth keeping (a denial, a sensitive read): written with this transaction
        if it commits, else handed to the security journal by the unit of work, off the request path."""
        if any(e["actor"] == entry["actor"] and e["action"] == entry["action"] and e["target"] == entry["target"]
               and e["details"] == entry["details"] for e in self.pending_security):
            return  # the same read or denial twice in one use case (a page asking twice) is one entry
        self.pending_security.append({"at": self.clock.now(), **entry})


if TYPE_CHECKING:  # mypy: a mismatch with the protocols is reported here, not where a service is handed one
    from ...services.unit_of_work import Transaction, UnitOfWork

    def _is_a_transaction(tx: SqlTransaction) -> Transaction:
        return tx


class SqlUnitOfWork:
    """Opens one transaction per use case on an engine shared by the process."""

    def __init__(self, engine: Engine, clock: Clock | None = None):
        self.engine = engine
        self.clock: Clock = clock or SystemClock()
        sqlite = engine.dialect.name == "sqlite"
        self._write_bind = engine.execution_options(sqlite_begin="IMMEDIATE") if sqlite else engine
        # SQLite has one writer: this process's writers wait their turn here, from the transaction's start to its
        # commit, rather than each polling the file's lock with SQLite's busy handler, whose sleeps grow to 100 ms
        # (with 4 writers, sending a team waited over a second at p99); other processes on the same file still
        # meet at the busy handler, as does a writer that waited here WRITER_WAIT in vain
        self._writers = threading.Lock() if sqlite else None
        self.roster_cache = RosterCache()  # the roster's columns, for read-only transactions (adapters/db/roster.py)
        self.journal = SecurityJournal(self._append, is_transient=self.is_transient)

    def note_security(self, entries: list[dict[str, Any]]) -> None:
        """Notes of a transaction that did not commit them: written in the background (adapters/db/journal.py)."""
        self.journal.note(entries)

    def flush_security(self) -> None:
        self.journal.flush()

    def close(self) -> None:
        self.journal.close()

    def _append(self, entries: list[dict[str, Any]]) -> None:
        with self.begin(write=True) as tx:
            for entry in entries:
                tx.audit.append(**entry)
            tx.session.commit()

    def is_transient(self, exc: BaseException) -> bool:
        """Busy or locked (SQLite), serialization failure or deadlock (PostgreSQL), and a unique
        index tripped by a racing writer: worth running the use case again, which then sees the
        winner's row and answers as the rules say."""
        if isinstance(exc, IntegrityError):
            return "unique" in str(exc.orig).lower() or "duplicate key" in str(exc.orig).lower()
        if isinstance(exc, OperationalError):
            text = str(exc.orig).lower()
            return any(w in text for w in ("locked", "busy", "serializ", "deadlock"))
        return False

    @contextmanager
    def begin(self, *, write: bool, exclusive: bool = True) -> Iterator[SqlTransaction]:
        writers = self._writers if write else None
        turn = writers is not None and writers.acquire(timeout=WRITER_WAIT)

        def done() -> None:  # at the commit, or at the end when nothing was committed
            nonlocal turn
            if turn and writers is not None:
                turn = False
                writers.release()

        try:
            yield from self._begin(write=write, exclusive=exclusive, committed=done)
        finally:
            done()

    def _begin(self, *, write: bool, exclusive: bool, committed: Callable[[], None]) -> Iterator[SqlTransaction]:
        session = Session(bind=self._write_bind if write else self.engine, expire_on_commit=False,
                          autoflush=True)
        if write and exclusive and self.engine.dialect.name == "postgresql":
            # PostgreSQL's counterpart of SQLite's BEGIN IMMEDIATE: one writer at a time, so that each
            # use case's checks and its writes form one step (READ COMMITTED alone would let two
            # requests both pass a check and both write).
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
        try:
            yield SqlTransaction(session, self.clock, committed, None if write else self.roster_cache)
        finally:
            session.rollback()
            session.close()


if TYPE_CHECKING:
    def _is_a_unit_of_work(uow: SqlUnitOfWork) -> UnitOfWork:
        return uow
