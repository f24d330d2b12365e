"""The pure parts of the audit checkpoints: strict details, the chain's reasons, a walk from a checkpoint,
when a checkpoint is due, the checkpoint file's format; and the folder that keeps them."""
from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime, timedelta

import pytest

from missiondesk.adapters.audit_checkpoints import CheckpointFile, CheckpointFolder, file_name
from missiondesk.domain.audit import (
    GENESIS,
    AuditEntry,
    Checkpoint,
    CheckpointCadence,
    CheckpointInvalid,
    SignedCheckpoint,
    canonical,
    chain_hash,
    checkpoint_due,
    load_details,
    signature_ok,
    signed,
    verify,
)

T0 = datetime(2026, 3, 14, tzinfo=UTC)
KEY = b"a-key-kept-off-the-database"


def chain(n: int) -> list[AuditEntry]:
    out, prev = [], GENESIS
    for seq in range(1, n + 1):
        at, details = T0 + timedelta(seconds=seq), {"i": seq, "note": f"entry {seq}"}
        h = chain_hash(prev, canonical(seq, at, "hokage", "test.entry", f"mission:{seq}", details))
        out.append(AuditEntry(seq, at, "hokage", "test.entry", f"mission:{seq}", details, prev, h))
        prev = h
    return out


# -- details read one way only ----------------------------------------------------------------------------
@pytest.mark.parametrize("text,flaw", [
    ('{"i": 1, "note": "x"}', None),
    ('{"i": -1, "i": 1}', "DUPLICATE_KEY"),
    ('{"i": 1, "i": 1}', "DUPLICATE_KEY"),  # even the same value twice: the text is not the one that was hashed
    ('{"a": {"b": 1, "b": 2}}', "DUPLICATE_KEY"),
    ('{"a": [{"b": 1}, {"c": 1, "c": 1}]}', "DUPLICATE_KEY"),
    ('[1, 2]', "DETAILS_INVALID"),
    ('null', "DETAILS_INVALID"),
    ('{"i": ', "DETAILS_INVALID"),
    (None, "DETAILS_INVALID"),
])
def test_details_with_a_key_given_twice_are_flawed(text, flaw):
    details, found = load_details(text)
    assert found == flaw
    if flaw is None:
        assert details == json.loads(text)


def test_a_duplicated_key_would_hash_the_same_when_read_leniently_but_fails_when_read_strictly():
    entries = chain(10)
    e = entries[4]
    tampered = '{"i": -1, "note": "forged", "i": 5, "note": "entry 5"}'
    assert json.loads(tampered) == e.details  # what a lenient reader (the ORM's JSON column) sees: the original
    assert verify(entries).ok  # and so the chain held
    details, flaw = load_details(tampered)
    entries[4] = dataclasses.replace(e, details=details, flaw=flaw)
    check = verify(entries)
    assert not check.ok and check.first_bad_seq == 5 and check.reason == "DUPLICATE_KEY"


@pytest.mark.parametrize("tamper,reason,first_bad", [
    (lambda es: es.pop(49), "MISSING", 50),
    (lambda es: es.insert(50, es[48]), "OUT_OF_ORDER", 49),
    (lambda es: es.__setitem__(49, dataclasses.replace(es[49], prev_hash="f" * 64)), "LINK_BROKEN", 50),
    (lambda es: es.__setitem__(49, dataclasses.replace(es[49], actor="mallory")), "HASH_MISMATCH", 50),
])
def test_the_first_bad_entry_says_why(tamper, reason, first_bad):
    entries = chain(100)
    tamper(entries)
    check = verify(entries)
    assert (check.ok, check.first_bad_seq, check.reason) == (False, first_bad, reason)


def test_a_walk_can_start_from_a_checkpointed_entry():
    entries = chain(100)
    anchor = entries[59]
    check = verify(entries[60:], after=(anchor.seq, anchor.hash))
    assert check.ok and check.entries == 40
    assert verify(entries[60:], after=(anchor.seq, "0" * 64)).first_bad_seq == 61  # not what was signed
    assert verify(entries[61:], after=(anchor.seq, anchor.hash)).first_bad_seq == 61  # a gap after it


# -- when the next checkpoint is due ------------------------------------------------------------------------
CADENCE = CheckpointCadence(every_entries=100, every=timedelta(minutes=10))
LAST = Checkpoint(entries=500, head_hash="a" * 64, at=T0)


@pytest.mark.parametrize("last,entries,after,cadence,due", [
    (None, 0, 0, CADENCE, False),  # nothing to vouch for
    (None, 1, 0, CADENCE, True),  # the first, as soon as there is anything
    (LAST, 500, 60, CADENCE, False),  # no growth, however long since
    (LAST, 499, 60, CADENCE, False),  # shorter than signed: verification reports it, the writer never signs it
    (LAST, 599, 9, CADENCE, False),
    (LAST, 600, 0, CADENCE, True),  # N entries
    (LAST, 501, 10, CADENCE, True),  # M minutes, with growth
    (LAST, 501, 9.99, CADENCE, False),
    (LAST, 10_000, 0, CheckpointCadence(every_entries=0, every=timedelta(minutes=10)), False),  # count off
    (LAST, 501, 60, CheckpointCadence(every_entries=100, every=timedelta(0)), False),  # time off
])
def test_a_checkpoint_is_due_after_n_entries_or_m_minutes_of_growth(last, entries, after, cadence, due):
    assert checkpoint_due(last, entries, T0 + timedelta(minutes=after), cadence) is due


# -- the checkpoint file ----------------------------------------------------------------------------------
def test_a_checkpoint_round_trips_and_its_signature_needs_the_key():
    cp = signed(Checkpoint(entries=42, head_hash="b" * 64, at=T0), KEY)
    back = SignedCheckpoint.from_text(cp.to_text())
    assert back == cp and signature_ok(back.checkpoint, back.signature, KEY)
    assert not signature_ok(back.checkpoint, back.signature, b"another-key-entirely")
    assert not signature_ok(dataclasses.replace(back.checkpoint, entries=41), back.signature, KEY)
    assert set(json.loads(cp.to_text())) == {"entries", "head_hash", "at", "signature"}  # as `audit checkpoint` wrote


@pytest.mark.parametrize("change", [
    lambda d: "not json",
    lambda d: json.dumps([d]),
    lambda d: json.dumps({k: v for k, v in d.items() if k != "signature"}),
    lambda d: json.dumps({**d, "extra": 1}),
    lambda d: json.dumps({**d, "entries": "42"}),
    lambda d: json.dumps({**d, "entries": True}),
    lambda d: json.dumps({**d, "entries": -1}),
    lambda d: json.dumps({**d, "head_hash": "xyz"}),
    lambda d: json.dumps({**d, "signature": "B" * 64}),
    lambda d: json.dumps({**d, "at": "2026-03-14T00:00:00"}),  # no offset
    lambda d: json.dumps(d)[:-1] + ', "entries": 41}',  # a key given twice
])
def test_what_is_not_a_checkpoint_is_refused(change):
    data = json.loads(signed(Checkpoint(entries=42, head_hash="b" * 64, at=T0), KEY).to_text())
    with pytest.raises(CheckpointInvalid):
        SignedCheckpoint.from_text(change(data))


# -- the folder ---------------------------------------------------------------------------------------------
def cp_of(entries: int, minutes: float = 0, key: bytes = KEY) -> SignedCheckpoint:
    return signed(Checkpoint(entries=entries, head_hash="c" * 64, at=T0 + timedelta(minutes=minutes)), key)


def test_the_folder_keeps_the_newest_few_and_names_them_in_order(tmp_path):
    folder = CheckpointFolder(tmp_path / "cp", keep=3)
    assert folder.newest() is None  # no folder yet: none
    for n in (100, 200, 300, 400, 500):
        folder.save(cp_of(n, minutes=n / 100))
    names = sorted(p.name for p in (tmp_path / "cp").iterdir())
    assert names == [file_name(cp_of(n, minutes=n / 100)) for n in (300, 400, 500)]
    assert names[-1] == "checkpoint-000000000500-20260314T000500000000Z.json"
    assert folder.newest().checkpoint.entries == 500
    assert folder.newest(at_most=450).checkpoint.entries == 400
    assert folder.newest(at_most=299) is None
    assert not [p for p in (tmp_path / "cp").iterdir() if p.name.startswith(".")]  # no partial file left


def test_the_newest_is_what_the_files_say_not_their_names(tmp_path):
    folder = CheckpointFolder(tmp_path, keep=10)
    folder.save(cp_of(300))
    (tmp_path / "checkpoint-999999999999-x.json").write_text(cp_of(100).to_text())  # an old one renamed
    assert folder.newest().checkpoint.entries == 300


def test_a_file_in_the_folder_that_is_not_a_checkpoint_is_reported_not_skipped(tmp_path):
    folder = CheckpointFolder(tmp_path, keep=10)
    folder.save(cp_of(300))
    (tmp_path / "checkpoint-000000000001-x.json").write_text("{}")
    with pytest.raises(CheckpointInvalid):
        folder.newest()


def test_a_failed_write_leaves_the_last_checkpoint_whole(tmp_path, monkeypatch):
    folder = CheckpointFolder(tmp_path, keep=10)
    folder.save(cp_of(100))

    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        folder.save(cp_of(200))
    monkeypatch.undo()
    assert folder.newest().checkpoint.entries == 100
    assert [p.name for p in tmp_path.iterdir()] == [file_name(cp_of(100))]


def test_set_aside_moves_the_checkpoints_of_a_replaced_log(tmp_path):
    folder = CheckpointFolder(tmp_path, keep=10)
    for n in (100, 200, 300):
        folder.save(cp_of(n))
    moved, aside = folder.set_aside(150, T0)
    assert moved == 2 and sorted(p.name for p in aside.iterdir()) == [file_name(cp_of(n)) for n in (200, 300)]
    assert folder.newest().checkpoint.entries == 100  # the subfolder is not read as checkpoints


def test_a_checkpoint_file_named_by_the_operator(tmp_path):
    file = CheckpointFile(tmp_path / "cp.json")
    with pytest.raises(CheckpointInvalid):
        file.newest()  # a checkpoint asked for must be there
    file.save(cp_of(7))
    assert file.newest(at_most=3).checkpoint.entries == 7  # held to whatever the backup holds
