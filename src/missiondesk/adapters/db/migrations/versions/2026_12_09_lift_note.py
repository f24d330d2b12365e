"""one name for the note written when a medical order is lifted: welfare_hold.note becomes lift_note

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09 08:00:00

Issue 16, the naming pass. A restriction kept its lifting note in `lift_note`, a welfare hold the same note
in `note`; both are now `lift_note` (the API keeps calling it `note`, as the contract does).
"""
from __future__ import annotations

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE welfare_hold RENAME COLUMN note TO lift_note")


def downgrade() -> None:
    op.execute("ALTER TABLE welfare_hold RENAME COLUMN lift_note TO note")
