"""The audit log's hash chain, as pure functions: canonical form, hashing, verification."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str | None
    action: str
    target: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


def canonical(seq: int, at: datetime, actor: str | None, action: str, target: str | None,
              details: dict[str, Any]) -> bytes:
    """The entry as canonical JSON: sorted keys, no spaces, UTC time to the microsecond."""
    body = {"seq": seq, "at": at.isoformat(timespec="microseconds"), "actor": actor, "action": action,
            "target": target, "details": details}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def chain_hash(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + payload).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    first_bad_seq: int | None


def verify(entries: Iterable[AuditEntry]) -> ChainCheck:
    """Walk the chain in seq order; report the first entry that does not follow from the last."""
    prev, expected_seq, n, first_bad = GENESIS, 1, 0, None
    for e in entries:
        n += 1
        if first_bad is not None:
            continue
        payload = canonical(e.seq, e.at, e.actor, e.action, e.target, e.details)
        if e.seq != expected_seq or e.prev_hash != prev or e.hash != chain_hash(prev, payload):
            # a gap (deleted row) is reported at the first missing seq
            first_bad = min(e.seq, expected_seq)
            continue
        prev, expected_seq = e.hash, e.seq + 1
    return ChainCheck(ok=first_bad is None, entries=n, first_bad_seq=first_bad)
