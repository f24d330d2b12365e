"""Erasure on PostgreSQL (issue 13, item 9): a burned brief leaves the table's own files.

The first release vacuumed the table, which leaves a dead row's bytes on its page until the page is reused.
Now the table (and its TOAST table, where a long text lives) is rewritten into new files and the old ones
unlinked. What PostgreSQL cannot promise (the write-ahead log until it is recycled, archives, replicas,
backups) is said in the README."""
from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import text

from .api import Api

MARK = "the-ledger-of-root-" + secrets.token_hex(40)  # random: no compression hides it from the search


def _files(conn) -> list[Path]:
    """The brief table's and its TOAST table's files, with every segment and fork."""
    data = Path(conn.execute(text("SHOW data_directory")).scalar())
    rels = conn.execute(text("SELECT pg_relation_filepath('brief'), pg_relation_filepath(reltoastrelid) "
                             "FROM pg_class WHERE relname = 'brief'")).one()
    return [p for rel in rels if rel for p in (data / rel).parent.glob(Path(rel).name + "*")]


def test_a_burned_brief_leaves_the_tables_files_on_postgresql(runtime, api: Api, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's case is in test_secrecy_and_audit.py")
    with runtime.engine.connect() as conn:
        if not conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
            pytest.skip("reading the table's files needs a superuser, as the machine's PostgreSQL is")
    m = api.mission("S", classification="top_secret")["id"]
    api.ok("hokage", "POST", f"/missions/{m}/brief", 201, json={"text": MARK})
    with runtime.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("CHECKPOINT")  # the text is in the files now, not only in shared buffers
        before = _files(conn)
        assert any(MARK[:40].encode() in p.read_bytes() for p in before)  # the check can see it
    api.ok("hokage", "POST", f"/missions/{m}/brief/destroy", 200, json={"reason": "burned"})
    with runtime.engine.connect() as conn:
        after = _files(conn)
        for p in after:
            assert MARK[:40].encode() not in p.read_bytes(), f"the text survives in {p}"
    assert not [p for p in before if p.exists() and p not in after]  # the old files are gone
