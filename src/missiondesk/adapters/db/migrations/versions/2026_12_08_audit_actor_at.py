"""an account's acts by time: the audit log indexed by (actor, at)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 06:30:00

Issue 16, reads at village scale. The roster reads the acts of the few accounts whose sleep log is silent in a
time window (the estimate's awake moments); by actor alone, PostgreSQL scanned the fortnight of the whole log
(some 50,000 entries at a busy office) to find 20. The composite index serves both the actor and the window,
and replaces the index on the actor alone.
"""
from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_entry_actor_at', 'audit_entry', ['actor', 'at'], unique=False)
    op.drop_index('ix_audit_entry_actor', table_name='audit_entry')


def downgrade() -> None:
    op.create_index('ix_audit_entry_actor', 'audit_entry', ['actor'], unique=False)
    op.drop_index('ix_audit_entry_actor_at', table_name='audit_entry')
