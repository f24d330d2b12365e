"""the roster's version: a number the database itself moves on with every change to what the roster's columns read

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 09:00:00

Issue 16, reads at village scale. Every screen that judges the village (the recommendation, the roster, a
mission's team form) read 10,000 shinobi and their two digests again on each request: half of its time. A
read-only transaction may now keep those columns in the process (adapters/db/roster.RosterCache) under the
version it read them at, and use them again only while the version is the same. The version is moved on by
triggers, in the writing transaction, on every insert, update and delete (and TRUNCATE on PostgreSQL) of the
four tables those columns come from, so that no write path can forget to: a change committed is a new
version for every transaction that starts after it.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TABLES = ("shinobi", "account", "sleep_digest", "gate_digest")  # what RosterRepository.people and _digests read
BUMP = "UPDATE roster_version SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table('roster_version',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('version', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_version')))
    op.execute("INSERT INTO roster_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION roster_version_bump() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN {BUMP}; RETURN NULL; END $$")
        for table in TABLES:  # once per statement, whatever the rows it touched
            op.execute(f"CREATE TRIGGER trg_{table}_roster_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION roster_version_bump()")
        return
    for table in TABLES:  # SQLite has row triggers only
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER trg_{table}_{event.lower()}_roster_version AFTER {event} ON {table} "
                       f"BEGIN {BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER trg_{table}_roster_version ON {table}")
        op.execute("DROP FUNCTION roster_version_bump()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER trg_{table}_{event}_roster_version")
    op.drop_table('roster_version')
