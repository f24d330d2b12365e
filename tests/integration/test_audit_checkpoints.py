"""A rewritten or deleted tail of the audit log, a forged checkpoint, a key given twice in an entry and a
tampered backup, each caught on SQLite and PostgreSQL: by GET /audit/verify against the newest automatic
checkpoint, by the checkpoint writer (which never signs over them) and by `restore` before it replaces
anything."""
from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from missiondesk.adapters.audit_checkpoints import Checkpointer, CheckpointFolder
from missiondesk.adapters.cli import app as cli_app
from missiondesk.adapters.db.repositories import AuditRepository
from missiondesk.adapters.db.session import SqlUnitOfWork, make_engine
from missiondesk.adapters.web.app import create_app
from missiondesk.config import normalise_url
from missiondesk.domain.audit import CheckpointCadence, canonical, chain_hash, signed
from missiondesk.services import audit

from ..conftest import BOOT_PASSWORD
from .api import Api

KEY = "an-audit-key-of-enough-length"
EVERY_10 = CheckpointCadence(every_entries=10, every=timedelta(minutes=10))


def grow(runtime, n: int) -> int:
    """Append `n` entries; returns the head's seq."""
    now = runtime.clock.now()
    with runtime.uow.begin(write=True) as tx:
        for i in range(n):
            e = tx.audit.append(at=now + timedelta(microseconds=i), actor="hokage", action="test.entry",
                                target=f"mission:{i}", details={"i": i, "note": "as written"})
        tx.commit()
    return e.seq


def entries(runtime) -> list:
    with runtime.uow.begin(write=False) as tx:
        return list(tx.audit.walk())


def rewrite_tail(engine, rows: list, start: int, **change) -> None:
    """What an intruder with write access to the database does: edit entries from seq `start` on and
    re-hash every one after it, so that the chain alone holds."""
    prev = next(e.hash for e in rows if e.seq == start - 1)
    with engine.begin() as conn:
        for e in (e for e in rows if e.seq >= start):
            e = dataclasses.replace(e, **change) if e.seq == start else e
            h = chain_hash(prev, canonical(e.seq, e.at, e.actor, e.action, e.target, e.details))
            conn.execute(text("UPDATE audit_entry SET actor = :actor, details = :details, prev_hash = :prev, "
                              "hash = :hash WHERE seq = :seq"),
                         {"actor": e.actor, "details": json.dumps(e.details), "prev": prev, "hash": h, "seq": e.seq})
            prev = h


@pytest.fixture
def kept(runtime, tmp_path):
    """The app with automatic checkpoints set (key and folder), and the writer `serve` would run."""
    settings = dataclasses.replace(runtime.settings, audit_key=KEY, audit_checkpoints=tmp_path / "checkpoints")
    folder = CheckpointFolder(tmp_path / "checkpoints", keep=5)
    writer = Checkpointer(runtime.uow, folder, KEY.encode(), runtime.clock, EVERY_10, poll=0.05)
    with TestClient(create_app(runtime.uow, settings, runtime.policy)) as client:
        api = Api(client, BOOT_PASSWORD, clock=runtime.clock)
        yield api, writer, folder


def verify(api: Api) -> dict:
    return api.ok("hokage", "GET", "/audit/verify")


def test_verify_says_when_no_checkpoint_guards_the_tail(runtime, api: Api):
    v = verify(api)
    assert v["ok"] and v["checkpoints"] == "not_configured" and v["checkpoint"] is None and v["problem"] is None
    assert "no checkpoints are kept" in v["message"]


def test_a_rewritten_and_rehashed_tail_is_caught_once_a_checkpoint_covers_it(runtime, kept):
    api, writer, folder = kept
    head = grow(runtime, 40)
    assert verify(api)["checkpoints"] == "none_yet"
    made = writer.run_once()
    assert made.checkpoint.entries == head
    v = verify(api)
    assert v["ok"] and v["checkpoints"] == "checked" and v["checkpoint"]["entries"] == head
    assert v["checkpoint"]["head_hash"] == made.checkpoint.head_hash

    rewrite_tail(runtime.engine, entries(runtime), head - 5, actor="mallory", details={"i": -1})
    assert audit.verify(runtime.uow).ok  # the chain alone holds: what verify said before checkpoints
    v = verify(api)
    assert not v["ok"] and v["problem"] == "REWRITTEN" and v["first_bad_seq"] is None
    assert v["checkpoint"]["entries"] == head
    # the writer never signs over it, however much the log grows
    grow(runtime, 30)
    assert writer.run_once() is None and folder.newest().checkpoint == made.checkpoint
    assert verify(api)["problem"] == "REWRITTEN"


def test_a_deleted_tail_is_caught(runtime, kept):
    api, writer, folder = kept
    head = grow(runtime, 40)
    writer.run_once()
    with runtime.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq > :n"), {"n": head - 3})
    assert audit.verify(runtime.uow).ok  # the chain alone cannot tell
    v = verify(api)
    assert not v["ok"] and v["problem"] == "TRUNCATED" and v["checkpoint"]["entries"] == head
    assert "deleted" in v["message"]
    grow(runtime, 20)  # refilled past the checkpoint: the entry it signed is still not there
    assert verify(api)["problem"] == "REWRITTEN"
    assert writer.run_once() is None


def test_a_forged_checkpoint_is_reported_and_never_buried(runtime, kept, tmp_path):
    api, writer, folder = kept
    head = grow(runtime, 40)
    made = writer.run_once()
    # a checkpoint that claims fewer entries, with the signature of the real one: it does not verify
    forged = dataclasses.replace(made, checkpoint=dataclasses.replace(made.checkpoint, entries=head + 100))
    (tmp_path / "checkpoints" / "checkpoint-000000099999-x.json").write_text(forged.to_text())
    v = verify(api)
    assert not v["ok"] and v["problem"] == "CHECKPOINT_FORGED" and v["checkpoint"] is None
    grow(runtime, 20)
    assert writer.run_once() is None  # a new, genuine checkpoint would bury the forged one: refused
    # one signed with another key is as forged
    (tmp_path / "checkpoints" / "checkpoint-000000099999-x.json").write_text(
        signed(dataclasses.replace(made.checkpoint, entries=head + 100), b"another-key-entirely").to_text())
    assert verify(api)["problem"] == "CHECKPOINT_FORGED"
    (tmp_path / "checkpoints" / "checkpoint-000000099999-x.json").write_text("{\"entries\": 1}")
    v = verify(api)
    assert v["problem"] == "CHECKPOINT_INVALID" and "checkpoint-000000099999-x.json" in v["message"]


def test_a_key_given_twice_in_a_stored_entry_fails_verification(runtime, kept):
    api, writer, _ = kept
    grow(runtime, 20)
    target = entries(runtime)[9]
    assert target.details["note"] == "as written"
    forged = f'{{"i": -1, "note": "forged", "i": {target.details["i"]}, "note": "as written"}}'
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET details = :d WHERE seq = :s"), {"d": forged, "s": target.seq})
        if runtime.engine.dialect.name == "sqlite":
            # SQLite's JSON reads the first of two keys, the ORM's the last: SQL and the log disagree
            first = conn.execute(text("SELECT json_extract(details, '$.note') FROM audit_entry WHERE seq = :s"),
                                 {"s": target.seq}).scalar()
            assert first == "forged"
        else:
            # the column is json, which keeps the text as written (jsonb would have kept one key only)
            kind = conn.execute(text("SELECT data_type FROM information_schema.columns WHERE table_name = "
                                     "'audit_entry' AND column_name = 'details'")).scalar()
            assert kind == "json"
            assert conn.execute(text("SELECT details::text FROM audit_entry WHERE seq = :s"),
                                {"s": target.seq}).scalar() == forged
    with runtime.uow.begin(write=False) as tx:  # a lenient read collapses the keys to the entry as hashed
        assert tx.audit.get(target.seq).details == target.details
    v = verify(api)
    assert not v["ok"] and v["problem"] == "CHAIN_BROKEN"
    assert (v["first_bad_seq"], v["first_bad_reason"]) == (target.seq, "DUPLICATE_KEY")
    assert writer.run_once() is None  # nor is it signed over


def test_the_writer_checkpoints_every_n_entries_and_keeps_the_last_few(runtime, kept, tmp_path):
    api, writer, folder = kept
    grow(runtime, 3)
    assert writer.run_once().checkpoint.entries >= 3  # the first as soon as there is anything
    assert writer.run_once() is None  # nothing new
    for _ in range(8):
        grow(runtime, 9)
        writer.run_once()
    made = sorted(p.name for p in (tmp_path / "checkpoints").glob("checkpoint-*.json"))
    assert len(made) == 5  # kept
    counts = [int(name.split("-")[1]) for name in made]
    assert counts == sorted(counts) and all(b - a >= 10 for a, b in zip(counts, counts[1:], strict=False))
    runtime.clock.advance(minutes=11)  # M minutes: due with any growth
    grow(runtime, 1)
    assert writer.run_once() is not None
    grow(runtime, 1)
    writer.start()
    writer.stop()  # the last one on stop, whatever the cadence
    head = entries(runtime)[-1].seq
    assert folder.newest().checkpoint.entries == head
    assert verify(api)["ok"]


# -- restore -------------------------------------------------------------------------------------------------
def run(*args: str, code: int = 0):
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exit_code == code, (result.output, result.stderr)
    return result


def live_state(url: str) -> dict:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as c:
            return {"shinobi": c.execute(text("SELECT id, name FROM shinobi ORDER BY id")).all(),
                    "audit": c.execute(text("SELECT seq, hash FROM audit_entry ORDER BY seq")).all()}
    finally:
        engine.dispose()


@pytest.fixture
def operator(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MISSIONDESK_BOOTSTRAP_PASSWORD", BOOT_PASSWORD)
    monkeypatch.setenv("MISSIONDESK_AUDIT_KEY", KEY)
    monkeypatch.setenv("MISSIONDESK_AUDIT_CHECKPOINTS", str(tmp_path / "checkpoints"))
    monkeypatch.setenv("MISSIONDESK_DATABASE_URL", database_url)
    monkeypatch.delenv("MISSIONDESK_USER", raising=False)
    return database_url


def test_restore_checks_the_backups_chain_before_it_replaces_anything(operator, tmp_path):
    url, engine = operator, create_engine(normalise_url(operator))
    run("shinobi", "add", "Yamato", "jonin")
    run("shinobi", "add", "Sai", "jonin")
    run("backup", str(tmp_path / "good.backup"))
    run("audit", "checkpoint")  # signs the log as the good backup holds it
    with engine.begin() as conn:  # a broken chain: an edit, not re-hashed
        conn.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 2"))
    r = run("backup", str(tmp_path / "broken.backup"))
    assert "CHAIN_BROKEN" in r.output
    r = run("audit", "checkpoint", code=1)
    assert "CHECKPOINT_REFUSED" in r.stderr  # a broken chain is never signed
    run("restore", str(tmp_path / "good.backup"), "--yes")
    run("shinobi", "add", "Kakashi", "jonin")  # the desk works on after the good restore
    before = live_state(url)

    r = run("restore", str(tmp_path / "broken.backup"), "--yes", code=1)
    assert "BACKUP_AUDIT_BROKEN" in r.stderr and "CHAIN_BROKEN" in r.stderr and "nothing was restored" in r.stderr
    assert live_state(url) == before
    assert "the chain holds" in run("audit", "verify").output
    engine.dispose()


def test_restore_refuses_a_rewritten_or_cut_backup_that_a_checkpoint_covers(operator, tmp_path):
    url, engine = operator, create_engine(normalise_url(operator))
    run("shinobi", "add", "Yamato", "jonin")
    run("shinobi", "add", "Sai", "jonin")
    run("audit", "checkpoint", str(tmp_path / "cp.json"))
    run("backup", str(tmp_path / "good.backup"))
    rows = entries_of(url)
    head = rows[-1].seq
    rewrite_tail(engine, rows, head - 1, actor="mallory")  # re-hashed: the chain alone holds
    assert "the chain holds" in run("audit", "verify").output
    run("backup", str(tmp_path / "rewritten.backup"))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq >= :s"), {"s": head - 1})
    run("backup", str(tmp_path / "cut.backup"))
    run("restore", str(tmp_path / "good.backup"), "--yes", "--checkpoint", str(tmp_path / "cp.json"))
    run("audit", "checkpoint")  # an automatic one, in the folder
    before = live_state(url)

    r = run("restore", str(tmp_path / "rewritten.backup"), "--yes", "--checkpoint", str(tmp_path / "cp.json"), code=1)
    assert "BACKUP_AUDIT_BROKEN" in r.stderr and "REWRITTEN" in r.stderr and "nothing was restored" in r.stderr
    r = run("restore", str(tmp_path / "cut.backup"), "--yes", "--checkpoint", str(tmp_path / "cp.json"), code=1)
    assert "BACKUP_AUDIT_BROKEN" in r.stderr and "TRUNCATED" in r.stderr
    r = run("restore", str(tmp_path / "rewritten.backup"), "--yes", code=1)  # held to the folder's by default
    assert "BACKUP_AUDIT_BROKEN" in r.stderr and "REWRITTEN" in r.stderr
    assert live_state(url) == before
    assert "matches the checkpoint" in run("audit", "verify").output
    engine.dispose()


def test_restoring_an_older_backup_sets_aside_the_checkpoints_of_the_replaced_log(operator, tmp_path):
    url = operator
    run("shinobi", "add", "Yamato", "jonin")
    run("audit", "checkpoint")
    run("backup", str(tmp_path / "older.backup"))
    run("shinobi", "add", "Sai", "jonin")
    run("audit", "checkpoint")
    out = " ".join(run("restore", str(tmp_path / "older.backup"), "--yes").output.split())  # unwrapped
    assert "the backup matched the checkpoint" in out and "moved to" in out
    assert len(list((tmp_path / "checkpoints").glob("checkpoint-*.json"))) == 1
    assert len(list((tmp_path / "checkpoints").glob("superseded-*/checkpoint-*.json"))) == 1
    assert "matches the checkpoint" in run("audit", "verify").output
    names = [n for _, n in live_state(url)["shinobi"]]
    assert "Yamato" in names and "Sai" not in names


def entries_of(url: str) -> list:
    engine = make_engine(normalise_url(url))
    try:
        with SqlUnitOfWork(engine).begin(write=False) as tx:
            return list(tx.audit.walk())
    finally:
        engine.dispose()


def test_the_newest_checkpoint_is_read_before_the_chain(runtime, kept, monkeypatch):
    """A checkpoint written while a verify walks the chain covers entries the walk may not see: the newest is
    read first, so a verify racing the writer never reports a truncation that did not happen."""
    _, writer, folder = kept
    grow(runtime, 15)
    writer.run_once()
    calls: list[str] = []
    newest, walk = CheckpointFolder.newest, AuditRepository.walk
    monkeypatch.setattr(CheckpointFolder, "newest", lambda self, **kw: calls.append("checkpoint") or newest(self, **kw))
    monkeypatch.setattr(AuditRepository, "walk", lambda self, *a, **kw: calls.append("chain") or walk(self, *a, **kw))
    assert audit.verify(runtime.uow, folder, KEY.encode()).ok
    assert calls == ["checkpoint", "chain"]


class MemoryCheckpoints:
    """The in-memory fake of a checkpoint store."""

    where = "memory"

    def __init__(self) -> None:
        self.kept: list = []

    def newest(self, *, at_most: int | None = None):
        fit = [cp for cp in self.kept if at_most is None or cp.checkpoint.entries <= at_most]
        return max(fit, key=lambda cp: cp.checkpoint.entries, default=None)

    def save(self, checkpoint) -> str:
        self.kept.append(checkpoint)
        return "memory"


def test_the_window_a_checkpoint_cannot_close(runtime):
    """What no checkpoint covers yet, none can vouch for: a tail rewritten before the next checkpoint is signed
    with it. The cadence (N entries, M minutes) bounds that window; verify then holds everything up to it."""
    store, key = MemoryCheckpoints(), KEY.encode()
    first = audit.write_checkpoint(runtime.uow, store, key, runtime.clock.now(), after=store)
    head = grow(runtime, 10)
    rewrite_tail(runtime.engine, entries(runtime), head - 2, actor="mallory")  # not yet covered
    second = audit.write_checkpoint(runtime.uow, store, key, runtime.clock.now(), after=store)
    assert second.checkpoint.entries == head > first.checkpoint.entries
    assert audit.verify(runtime.uow, store, key).ok
    rewrite_tail(runtime.engine, entries(runtime), head - 1, actor="mallory, again")  # covered now
    assert audit.verify(runtime.uow, store, key).problem == "REWRITTEN"
    with pytest.raises(audit.CheckpointRefused) as refused:
        audit.write_checkpoint(runtime.uow, store, key, runtime.clock.now(), after=store)
    assert refused.value.details == [{"problem": "REWRITTEN"}] and len(store.kept) == 2


def test_verify_walks_only_the_entries_since_the_newest_checkpoint_unless_asked_in_full(runtime, kept, monkeypatch):
    """Incremental (issue 16): the cost follows the entries written since the checkpoint, whose signed entry must
    still be the one it signed; `full=true` walks the whole chain, and finds what the checkpoint vouched for."""
    api, writer, _ = kept
    head = grow(runtime, 40)
    writer.run_once()
    grow(runtime, 7)
    walked = []
    original = AuditRepository.walk

    def counting(self, *a, **kw):
        for e in original(self, *a, **kw):
            walked.append(e.seq)
            yield e

    monkeypatch.setattr(AuditRepository, "walk", counting)
    v = verify(api)
    assert v["ok"] and v["walked_from"] == head and v["entries"] == head + 7 and "walked from entry" in v["message"]
    assert walked == list(range(head + 1, head + 8))
    # an entry behind the checkpoint edited without re-hashing: the signed head still holds, a full walk finds it
    rows = entries(runtime)
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE seq = :s"), {"s": rows[9].seq})
    assert verify(api)["ok"]
    walked.clear()
    full = api.ok("hokage", "GET", "/audit/verify", params={"full": "true"})
    assert not full["ok"] and full["first_bad_seq"] == rows[9].seq and full["walked_from"] == 0
    assert walked[0] == 1 and len(walked) == head + 7
    # rewritten up to the signed entry and re-hashed: the incremental walk sees the signed entry changed
    rewrite_tail(runtime.engine, entries(runtime), head - 5, actor="mallory", details={"i": -1})
    v = verify(api)
    assert not v["ok"] and v["problem"] in ("REWRITTEN", "CHAIN_BROKEN")
