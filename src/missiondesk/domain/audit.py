"""The audit log's hash chain, as pure functions: canonical form, hashing, verification."""
from __future__ import annotations

import hashlib
import hmac
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


# -- checkpoints: the chain's size and head, signed, kept outside the database ---------------------
@dataclass(frozen=True)
class Checkpoint:
    entries: int
    head_hash: str
    at: datetime

    def payload(self) -> bytes:
        return json.dumps({"entries": self.entries, "head_hash": self.head_hash,
                           "at": self.at.isoformat(timespec="microseconds")},
                          sort_keys=True, separators=(",", ":")).encode()


def sign(checkpoint: Checkpoint, key: bytes) -> str:
    return hmac.new(key, checkpoint.payload(), hashlib.sha256).hexdigest()


def signature_ok(checkpoint: Checkpoint, signature: str, key: bytes) -> bool:
    return hmac.compare_digest(sign(checkpoint, key), signature)


@dataclass(frozen=True)
class CheckpointCheck:
    ok: bool
    problem: str | None  # None | "TRUNCATED" | "REWRITTEN" | "CHAIN_BROKEN"
    chain: ChainCheck


def against_checkpoint(chain: ChainCheck, entry_at_size: AuditEntry | None, checkpoint: Checkpoint
                       ) -> CheckpointCheck:
    """The chain must verify, hold at least the checkpoint's entries, and agree on the head it had then."""
    if not chain.ok:
        return CheckpointCheck(False, "CHAIN_BROKEN", chain)
    if checkpoint.entries == 0:
        return CheckpointCheck(True, None, chain)
    if chain.entries < checkpoint.entries or entry_at_size is None:
        return CheckpointCheck(False, "TRUNCATED", chain)
    if entry_at_size.hash != checkpoint.head_hash:
        return CheckpointCheck(False, "REWRITTEN", chain)
    return CheckpointCheck(True, None, chain)
