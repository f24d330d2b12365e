"""The audit log's hash chain, as pure functions: canonical form, hashing, verification; and the
signed checkpoints kept outside the database that catch what the chain alone cannot (a rewritten or
deleted tail), with the rule for when the next one is due."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .errors import Invalid

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
    flaw: str | None = None  # the stored entry reads two ways (DUPLICATE_KEY) or not at all (DETAILS_INVALID)


class _DuplicateKey(ValueError):
    pass


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def strict_json(text: str) -> Any:
    """JSON that reads one way only: a key given twice in any object is refused (ValueError). A lenient
    parser keeps one of the two values (Python and PostgreSQL the last, SQLite's json_extract the first),
    so a stored `{"a": "forged", "a": "true"}` would hash as the true entry while SQL reads the forgery."""
    return json.loads(text, object_pairs_hook=_refuse_duplicates)


def load_details(text: str | None) -> tuple[dict[str, Any], str | None]:
    """A stored entry's details as written in the database, and its flaw if it cannot be read one way."""
    if text is None:
        return {}, "DETAILS_INVALID"
    try:
        value = strict_json(text)
    except _DuplicateKey:
        return {}, "DUPLICATE_KEY"
    except (ValueError, RecursionError):
        return {}, "DETAILS_INVALID"
    if not isinstance(value, dict):
        return {}, "DETAILS_INVALID"
    return value, None


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
    # why that entry is bad: MISSING (a gap), OUT_OF_ORDER, LINK_BROKEN (prev_hash), HASH_MISMATCH, or the
    # entry's flaw (DUPLICATE_KEY, DETAILS_INVALID)
    reason: str | None = None


def _fault(e: AuditEntry, prev: str, expected_seq: int) -> str | None:
    if e.seq > expected_seq:
        return "MISSING"
    if e.seq < expected_seq:
        return "OUT_OF_ORDER"
    if e.flaw is not None:
        return e.flaw
    if e.prev_hash != prev:
        return "LINK_BROKEN"
    if e.hash != chain_hash(prev, canonical(e.seq, e.at, e.actor, e.action, e.target, e.details)):
        return "HASH_MISMATCH"
    return None


def verify(entries: Iterable[AuditEntry], *, after: tuple[int, str] = (0, GENESIS)) -> ChainCheck:
    """Walk the chain in seq order; report the first entry that does not follow from the last. `after`
    (seq, hash) starts the walk from an entry already vouched for (a checkpoint's head) instead of the
    beginning; `entries` then counts only the entries walked."""
    (seq0, prev), n, first_bad, reason = after, 0, None, None
    expected_seq = seq0 + 1
    for e in entries:
        n += 1
        if first_bad is not None:
            continue
        reason = _fault(e, prev, expected_seq)
        if reason is not None:
            first_bad = min(e.seq, expected_seq)  # a gap (deleted row) is reported at the first missing seq
            continue
        prev, expected_seq = e.hash, e.seq + 1
    return ChainCheck(ok=first_bad is None, entries=n, first_bad_seq=first_bad, reason=reason)


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


class CheckpointInvalid(Invalid):
    code = "CHECKPOINT_INVALID"


_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint and its HMAC, as kept in a file: {"entries", "head_hash", "at", "signature"}."""

    checkpoint: Checkpoint
    signature: str

    def to_text(self) -> str:
        cp = self.checkpoint
        return json.dumps({"entries": cp.entries, "head_hash": cp.head_hash,
                           "at": cp.at.isoformat(timespec="microseconds"), "signature": self.signature},
                          indent=2) + "\n"

    @classmethod
    def from_text(cls, text: str) -> SignedCheckpoint:
        """Parse (not trust: the signature is checked with the key by `signature_ok`). CheckpointInvalid
        when it is not a checkpoint, a key is given twice, or a field has the wrong shape."""
        try:
            data = strict_json(text)
        except _DuplicateKey as e:
            raise CheckpointInvalid(f"not a missiondesk checkpoint: the key {e} is given twice") from None
        except (ValueError, RecursionError) as e:
            raise CheckpointInvalid(f"not a missiondesk checkpoint: {e}") from None
        if not isinstance(data, dict) or set(data) != {"entries", "head_hash", "at", "signature"}:
            raise CheckpointInvalid("not a missiondesk checkpoint: it needs entries, head_hash, at and signature")
        entries, head, at, signature = data["entries"], data["head_hash"], data["at"], data["signature"]
        if type(entries) is not int or entries < 0:
            raise CheckpointInvalid("not a missiondesk checkpoint: entries is not a count")
        if not isinstance(head, str) or not (_HEX64.fullmatch(head) or (entries == 0 and head == "")):
            raise CheckpointInvalid("not a missiondesk checkpoint: head_hash is not a SHA-256 in hex")
        if not isinstance(signature, str) or not _HEX64.fullmatch(signature):
            raise CheckpointInvalid("not a missiondesk checkpoint: signature is not an HMAC-SHA-256 in hex")
        try:
            when = datetime.fromisoformat(at) if isinstance(at, str) else None
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise CheckpointInvalid("not a missiondesk checkpoint: at is not a time with an offset")
        return cls(Checkpoint(entries=entries, head_hash=head, at=when), signature)


def sign(checkpoint: Checkpoint, key: bytes) -> str:
    return hmac.new(key, checkpoint.payload(), hashlib.sha256).hexdigest()


def signature_ok(checkpoint: Checkpoint, signature: str, key: bytes) -> bool:
    return hmac.compare_digest(sign(checkpoint, key), signature)


def signed(checkpoint: Checkpoint, key: bytes) -> SignedCheckpoint:
    return SignedCheckpoint(checkpoint, sign(checkpoint, key))


@dataclass(frozen=True)
class CheckpointCadence:
    """How often a checkpoint is written while the log grows: after `every_entries` more entries, or
    `every` after the last one, whichever comes first (0 turns a trigger off)."""

    every_entries: int = 100
    every: timedelta = timedelta(minutes=10)


def checkpoint_due(last: Checkpoint | None, entries: int, now: datetime, cadence: CheckpointCadence) -> bool:
    """Only a log that has grown since the last checkpoint needs another (the first one, as soon as the
    log holds anything); a log shorter than its checkpoint is for verification to report, not to sign."""
    if last is None:
        return entries > 0
    if entries <= last.entries:
        return False
    by_count = cadence.every_entries > 0 and entries - last.entries >= cadence.every_entries
    by_time = cadence.every > timedelta(0) and now - last.at >= cadence.every
    return by_count or by_time


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
