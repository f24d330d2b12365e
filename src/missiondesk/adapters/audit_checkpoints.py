"""Signed audit checkpoints kept outside the database: a folder the server writes into on its own
(MISSIONDESK_AUDIT_CHECKPOINTS), one file named on the command line, and the thread that writes them
while `serve` runs, outside any request.

Each checkpoint is written whole or not at all (a temporary file beside it, synced, then renamed), named
`checkpoint-<entries, 12 digits>-<UTC time>.json` so that the names sort oldest first; only the newest
`keep` are kept. Which one is the newest is decided by what the files say, not by their names.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..clock import Clock
from ..config import Settings
from ..domain.audit import CheckpointCadence, CheckpointInvalid, SignedCheckpoint
from ..domain.errors import DomainError, Invalid
from ..services import audit
from ..services.unit_of_work import UnitOfWork

log = logging.getLogger("missiondesk.audit")

PATTERN = "checkpoint-*.json"
MIN_KEY_LENGTH = 16
POLL_SECONDS = 2.0  # how often the writer looks at the log's head (one indexed query)


def file_name(cp: SignedCheckpoint) -> str:
    c = cp.checkpoint
    return f"checkpoint-{c.entries:012d}-{c.at.astimezone(UTC):%Y%m%dT%H%M%S%fZ}.json"


def _write_whole(path: Path, text: str) -> None:
    """Beside the target, synced, then renamed over it: a reader sees the old file or the new, never half."""
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}-{threading.get_ident()}")
    try:
        with open(partial, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # the rename itself made durable, where the platform allows
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read(path: Path) -> SignedCheckpoint:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CheckpointInvalid(f"cannot read {path}: {e}") from None
    try:
        return SignedCheckpoint.from_text(text)
    except CheckpointInvalid as e:
        raise CheckpointInvalid(f"{path}: {e.message}") from None


class CheckpointFolder:
    """The folder of automatic checkpoints. Every file in it that looks like a checkpoint must be one: a file
    that cannot be read is reported (someone wrote into the folder), not skipped."""

    def __init__(self, folder: Path, keep: int = 100):
        self.folder = folder
        self.keep = max(1, keep)
        self.where = str(folder)

    def _files(self) -> list[Path]:
        try:
            return sorted(p for p in self.folder.glob(PATTERN) if p.is_file())
        except OSError as e:
            raise CheckpointInvalid(f"cannot list {self.folder}: {e}") from None

    def _all(self) -> list[tuple[Path, SignedCheckpoint]]:
        found = []
        for path in self._files():
            if not path.exists():  # pruned by a writer since it was listed
                continue
            try:
                found.append((path, _read(path)))
            except CheckpointInvalid:
                if path.exists():
                    raise
        return found

    def newest(self, *, at_most: int | None = None) -> SignedCheckpoint | None:
        kept = [cp for _, cp in self._all() if at_most is None or cp.checkpoint.entries <= at_most]
        return max(kept, key=lambda cp: (cp.checkpoint.entries, cp.checkpoint.at), default=None)

    def save(self, checkpoint: SignedCheckpoint) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / file_name(checkpoint)
        _write_whole(path, checkpoint.to_text())
        for old in self._files()[:-self.keep]:
            old.unlink(missing_ok=True)
        return str(path)

    def set_aside(self, beyond: int, now: datetime) -> tuple[int, Path | None]:
        """Move the checkpoints that cover more than `beyond` entries into `superseded-<time>/` (after an older
        backup was restored on purpose, they describe a log that is no longer the live one). Moved, never
        deleted: they remain evidence of what the log held."""
        moving = [path for path, cp in self._all() if cp.checkpoint.entries > beyond]
        if not moving:
            return 0, None
        aside = self.folder / f"superseded-{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}"
        aside.mkdir(parents=True, exist_ok=True)
        for path in moving:
            os.replace(path, aside / path.name)
        return len(moving), aside


class CheckpointFile:
    """One checkpoint file: written by `audit checkpoint FILE`, held against by `--checkpoint FILE`."""

    def __init__(self, path: Path):
        self.path = path
        self.where = str(path)

    def newest(self, *, at_most: int | None = None) -> SignedCheckpoint:
        """The file's checkpoint whatever `at_most` says: a checkpoint named by the operator must hold."""
        return _read(self.path)

    def save(self, checkpoint: SignedCheckpoint) -> str:
        _write_whole(self.path, checkpoint.to_text())
        return str(self.path)


# -- from the settings ------------------------------------------------------------------------------------
def key_of(settings: Settings) -> bytes | None:
    """MISSIONDESK_AUDIT_KEY, refused when too short to be a key; None when unset."""
    if not settings.audit_key:
        return None
    if len(settings.audit_key) < MIN_KEY_LENGTH:
        raise Invalid(f"MISSIONDESK_AUDIT_KEY must be {MIN_KEY_LENGTH} characters or more",
                      code="AUDIT_KEY_WEAK")
    return settings.audit_key.encode()


def folder_of(settings: Settings) -> CheckpointFolder | None:
    return CheckpointFolder(settings.audit_checkpoints, settings.audit_checkpoints_kept) \
        if settings.audit_checkpoints else None


@dataclass(frozen=True)
class Checkpointing:
    """What the settings give: the folder and the key, both or nothing (no automatic checkpoints)."""

    folder: CheckpointFolder | None
    key: bytes | None

    @property
    def on(self) -> bool:
        return self.folder is not None and self.key is not None


def checkpointing(settings: Settings) -> Checkpointing:
    return Checkpointing(folder_of(settings), key_of(settings))


def cadence_of(settings: Settings) -> CheckpointCadence:
    return CheckpointCadence(every_entries=max(0, settings.audit_checkpoint_entries),
                             every=max(timedelta(0), settings.audit_checkpoint_every))


def describe(settings: Settings) -> str:
    c = checkpointing(settings)
    if not c.on or c.folder is None:
        missing = " and ".join(n for n, v in (("MISSIONDESK_AUDIT_KEY", c.key), ("MISSIONDESK_AUDIT_CHECKPOINTS",
                                                                               c.folder)) if v is None)
        return f"audit checkpoints: off (set {missing}); a rewritten or deleted tail of the log would go unseen"
    cadence = cadence_of(settings)
    when = [f"{cadence.every_entries} entries" if cadence.every_entries else "",
            f"{cadence.every.total_seconds() / 60:g} minutes" if cadence.every else ""]
    return (f"audit checkpoints: every {' or '.join(w for w in when if w) or 'stop'}, signed, into {c.folder.where} "
            f"(the last {c.folder.keep} kept)")


# -- the writer ---------------------------------------------------------------------------------------------
class Checkpointer:
    """Writes a checkpoint whenever one is due, on a thread of its own; one more on stop if the log grew.
    A log that no longer extends the newest checkpoint is never signed over: the refusal is logged (once per
    distinct refusal) and the writer keeps looking, so verification goes on reporting the damage. It walks
    only what is new since that checkpoint (its cost does not grow with the log); an edit further back that
    was not re-hashed changes nothing it signs, and verification, which walks it all, reports it."""

    def __init__(self, uow: UnitOfWork, store: CheckpointFolder, key: bytes, clock: Clock,
                 cadence: CheckpointCadence, *, poll: float = POLL_SECONDS):
        self.uow, self.store, self.key, self.clock, self.cadence, self.poll = uow, store, key, clock, cadence, poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_error: str | None = None
        self.written = 0

    def run_once(self, *, final: bool = False) -> SignedCheckpoint | None:
        cadence = CheckpointCadence(every_entries=1, every=timedelta(0)) if final else self.cadence
        try:
            made = audit.write_checkpoint(self.uow, self.store, self.key, self.clock.now(), after=self.store,
                                          cadence=cadence)
        except DomainError as e:
            if e.message != self._last_error:
                log.error("audit checkpoint refused, %s: %s", e.code, e.message)
                self._last_error = e.message
            return None
        except Exception as e:  # a full disk or a lost database must not end the writer
            if repr(e) != self._last_error:
                log.exception("audit checkpoint failed")
                self._last_error = repr(e)
            return None
        self._last_error = None
        if made is not None:
            self.written += 1
            log.info("audit checkpoint: %d entries, head %s", made.checkpoint.entries, made.checkpoint.head_hash[:16])
        return made

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.poll)

    def start(self) -> Checkpointer:
        self._thread = threading.Thread(target=self._loop, name="audit-checkpoints", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.run_once(final=True)


def start_checkpoints(uow: UnitOfWork, settings: Settings) -> Checkpointer | None:
    """The writer for `serve`, started; None when the settings keep no checkpoints."""
    c = checkpointing(settings)
    if c.folder is None or c.key is None:
        return None
    return Checkpointer(uow, c.folder, c.key, settings.clock, cadence_of(settings)).start()
