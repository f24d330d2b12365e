"""Each shinobi's recent sleep log packed in one row, kept current by the write that logs an episode.

The fatigue models read a fortnight of sleep for the whole roster on every recommendation, plan and roster
page: some 140,000 episodes at 10,000 shinobi, and a driver turns each row into Python objects (about a
microsecond per value here). `sleep_digest` holds, per shinobi, every episode of theirs that ends after
`complete_after_us`, as little-endian int64 microseconds since the epoch (start, end, start, end, …, by
start), which the roster reads as one row each and numpy unpacks in C. It is not a cache that can go stale:
`sleep_episode` and the digest change in the same transaction (`add`), a shinobi has a digest row exactly
when they have an episode, and a reader needing an episode older than `complete_after_us` reads the table.
Episodes ending more than `KEEP` before a shinobi's latest are dropped from it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select, update

from .tables import SleepDigestRow, SleepEpisodeRow

KEEP = timedelta(days=28)  # twice the fortnight the models read
_KEEP_US = KEEP // timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(t: datetime) -> int:
    """Microseconds since the epoch, exactly."""
    return (t - _EPOCH) // timedelta(microseconds=1)


def pack(pairs: np.ndarray) -> bytes:
    return np.ascontiguousarray(pairs, dtype="<i8").tobytes()


def unpack(blob: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(blob, dtype="<i8").reshape(-1, 2)


def _digest(pairs: np.ndarray) -> tuple[np.ndarray, int]:
    """The episodes kept (by start) and from when the digest is complete."""
    pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
    cut = int(pairs[:, 1].max()) - _KEEP_US
    return pairs[pairs[:, 1] > cut], cut


def expected(rows: list[tuple[int, ...]]) -> bytes:
    """The digest that a shinobi's rows of the log give ((start, end) in microseconds), as `rebuild` writes it:
    what a checker compares a kept digest with (bench/crash.py, after each crash)."""
    return pack(_digest(np.array(rows, dtype=np.int64))[0])


def rebuild(conn: Any, shinobi_ids: Iterable[int] | None = None) -> int:
    """Write the digests of these shinobi (or of everyone) from their sleep log; returns how many."""
    log = select(SleepEpisodeRow.shinobi_id, SleepEpisodeRow.start_at, SleepEpisodeRow.end_at)
    return rebuild_digests(conn, SleepDigestRow, "episodes", log, SleepEpisodeRow.shinobi_id, shinobi_ids,
                           lambda start, end: (micros(start), micros(end)), _digest)


def rebuild_digests(conn: Any, table: Any, column: str, log: Any, owner: Any, shinobi_ids: Iterable[int] | None,
                    entry: Callable[..., tuple[int, ...]],
                    digest: Callable[[np.ndarray], tuple[np.ndarray, int]]) -> int:
    """A digest table (`column`: the packed entries) rewritten for these shinobi (or everyone) from the rows of
    `log` (shinobi id first, then what `entry` makes one packed entry of), each kept as `digest` says; both
    digests (sleep here, gate_digest.py) are rebuilt by this one function. Returns how many were written."""
    wanted = None if shinobi_ids is None else sorted(set(shinobi_ids))
    if wanted is not None:
        if not wanted:
            return 0
        log = log.where(owner.in_(wanted))
        conn.execute(delete(table).where(table.shinobi_id.in_(wanted)))
    else:
        conn.execute(delete(table))
    per: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for sid, *values in conn.execute(log):
        per[sid].append(entry(*values))
    rows = []
    for sid, entries in per.items():
        kept, cut = digest(np.array(entries, dtype=np.int64))
        rows.append({"shinobi_id": sid, column: pack(kept), "complete_after_us": cut})
    for i in range(0, len(rows), 1000):
        conn.execute(insert(table), rows[i:i + 1000])
    return len(rows)


def add(conn: Any, shinobi_id: int, start: datetime, end: datetime) -> None:
    """Put a newly logged episode (already in `sleep_episode`) into its shinobi's digest."""
    row = conn.execute(select(SleepDigestRow.episodes, SleepDigestRow.complete_after_us)
                       .where(SleepDigestRow.shinobi_id == shinobi_id)).first()
    if row is None:
        rebuild(conn, [shinobi_id])
        return
    s, e = micros(start), micros(end)
    if e <= row.complete_after_us:
        return  # older than the digest holds: the table keeps it, and a reader that far back reads the table
    kept, cut = _digest(np.vstack([unpack(row.episodes), np.array([[s, e]], dtype=np.int64)]))
    conn.execute(update(SleepDigestRow).where(SleepDigestRow.shinobi_id == shinobi_id)
                 .values(episodes=pack(kept), complete_after_us=max(cut, row.complete_after_us)))
