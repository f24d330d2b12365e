"""Each shinobi's recent gate log packed in one row, kept current by the write that logs an event.

The roster's duty rules read every shinobi's gate trips of the last fortnight and more (where they were when the
window opened, the trips within it) on every recommendation, plan, roster and mission page: some 10,000 rows
at 10,000 shinobi, each turned into Python objects by the driver, and a probe per shinobi for the last event
before the window. `gate_digest` holds, per shinobi, every gate event of theirs after `complete_after_us` and
the last one at or before it, as little-endian int64 triples (microseconds since the epoch, event id, 1 for an
arrival), by time and id, which the roster reads as one row each and numpy unpacks in C. Like the sleep digest
(sleep_digest.py) it is not a cache that can go stale: `gate_event` and the digest change in the same
transaction (`add`), a shinobi has a digest row exactly when they have a gate event, and a reader looking back
before `complete_after_us` reads the table. Events more than `KEEP` before a shinobi's latest are dropped from
it, but for the last of them.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select, update

from .sleep_digest import micros, rebuild_digests
from .tables import GateDigestRow, GateEventRow

KEEP = timedelta(days=28)  # the rules look back 14 days and the estimate's 16 hours before that
_KEEP_US = KEEP // timedelta(microseconds=1)
WIDTH = 3  # at (µs), id, arrival?


def pack(events: np.ndarray) -> bytes:
    return np.ascontiguousarray(events, dtype="<i8").tobytes()


def unpack(blob: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(blob, dtype="<i8").reshape(-1, WIDTH)


def _digest(events: np.ndarray) -> tuple[np.ndarray, int]:
    """The events kept (by time, then id) and from when the digest is complete: every event after the cut,
    and the last one at or before it (where the shinobi was when a window opening after the cut opened)."""
    events = events[np.lexsort((events[:, 1], events[:, 0]))]
    cut = int(events[-1, 0]) - _KEEP_US
    first = int(np.searchsorted(events[:, 0], cut, side="right"))  # the first event after the cut
    return events[max(first - 1, 0):], cut


def expected(rows: list[tuple[int, ...]]) -> bytes:
    """The digest that a shinobi's rows of the log give ((at, id, arrival) in microseconds), as `rebuild` writes it:
    what a checker compares a kept digest with (bench/crash.py, after each crash)."""
    return pack(_digest(np.array(rows, dtype=np.int64))[0])


def rebuild(conn: Any, shinobi_ids: Iterable[int] | None = None) -> int:
    """Write the digests of these shinobi (or of everyone) from their gate log; returns how many."""
    log = select(GateEventRow.shinobi_id, GateEventRow.at, GateEventRow.id, GateEventRow.direction) \
        .where(GateEventRow.shinobi_id.is_not(None))
    return rebuild_digests(conn, GateDigestRow, "events", log, GateEventRow.shinobi_id, shinobi_ids,
                           lambda at, event_id, direction: (micros(at), event_id, int(direction == "in")), _digest)


def add(conn: Any, shinobi_id: int, event_id: int, at: datetime, arrival: bool) -> None:
    """Put a newly logged event (already in `gate_event`) into its shinobi's digest."""
    row = conn.execute(select(GateDigestRow.events, GateDigestRow.complete_after_us)
                       .where(GateDigestRow.shinobi_id == shinobi_id)).first()
    if row is None:
        rebuild(conn, [shinobi_id])
        return
    t = micros(at)
    if t <= row.complete_after_us:
        # at or before the cut: it may be the new last one before it, which a reader needs; from the table
        rebuild(conn, [shinobi_id])
        return
    kept, cut = _digest(np.vstack([unpack(row.events), np.array([[t, event_id, int(arrival)]], dtype=np.int64)]))
    conn.execute(update(GateDigestRow).where(GateDigestRow.shinobi_id == shinobi_id)
                 .values(events=pack(kept), complete_after_us=max(cut, row.complete_after_us)))
