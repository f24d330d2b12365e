"""The security journal: audit entries a request notes but need not write itself.

A refusal to someone who may not know a thing exists (a 404 for a hidden mission) must cost what a 404 for an
absent one costs, or the clock tells them apart (issue 13: 5 ms of audit write, 85 % of single requests told
apart). So denials and sensitive reads noted by a request that writes nothing else are handed to this journal,
and a background thread appends them to the audit log in batches, each batch one write transaction, within a
tenth of a second (after the request has answered). A request that commits a change writes its notes in its
own transaction instead.

What may be lost: entries still queued when the process is killed outright (the queue is flushed at a clean
exit and before the audit log is read in this process). The README says so.
"""
from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Entry = dict[str, Any]


class SecurityJournal:
    """Notes go on a list; a background thread wakes every `interval` seconds (not at each note: waking it
    would cost the noting request a thread switch, which a clock can see) and writes those noted at least
    `hold` seconds before. The hold outlasts the 25 ms every 404 takes (adapters/web/timing.py), so a write
    never runs during the request that caused it, where its work (and its fsync) would tell that request from
    a miss by the clock; it lands on whichever later request is running, hidden or absent alike."""

    def __init__(self, write: Callable[[list[Entry]], None], *, is_transient: Callable[[BaseException], bool],
                 interval: float = 0.1, hold: float = 0.05):
        self._write = write
        self._is_transient = is_transient
        self._interval = interval
        self._hold = hold
        self._pending: list[tuple[float, Entry]] = []
        self._writing = False
        self._closing = False
        self._flushing = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def note(self, entries: list[Entry]) -> None:
        if not entries:
            return
        noted = time.monotonic()
        with self._cond:
            self._pending.extend((noted, e) for e in entries)
            if self._thread is None or not self._thread.is_alive():
                self._closing = False
                self._thread = threading.Thread(target=self._run, name="missiondesk-security-journal", daemon=True)
                self._thread.start()
                atexit.register(self.close)

    def flush(self) -> None:
        """Wait until everything noted so far is in the audit log (held notes too)."""
        with self._cond:
            if self._thread is None:
                return
            self._flushing += 1
            try:
                self._cond.notify_all()
                while (self._pending or self._writing) and self._thread.is_alive():
                    self._cond.wait(0.05)
            finally:
                self._flushing -= 1

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=30)
        self._thread = None

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._closing and not (self._flushing and self._pending):
                    self._cond.wait(self._interval)
                if self._closing or self._flushing:
                    ripe, self._pending = self._pending, []
                else:
                    before = time.monotonic() - self._hold
                    ripe = [p for p in self._pending if p[0] <= before]
                    self._pending = [p for p in self._pending if p[0] > before]
                batch = [entry for _, entry in ripe]
                self._writing = bool(batch)
                closing = self._closing
            try:
                if batch:
                    self._write_with_retries(batch)
            finally:
                with self._cond:
                    self._writing = False
                    self._cond.notify_all()
            if closing:
                with self._cond:
                    if not self._pending:
                        return

    def _write_with_retries(self, entries: list[Entry]) -> None:
        for attempt in range(1, 8):
            try:
                self._write(entries)
                return
            except Exception as exc:  # noqa: BLE001 - the journal must outlive a bad moment of the database
                if attempt == 7 or not self._is_transient(exc):
                    log.exception("could not write %d security audit entries", len(entries))
                    return
                time.sleep(0.01 * 2 ** attempt)
