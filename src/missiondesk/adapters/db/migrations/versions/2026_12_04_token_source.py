"""token source

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 06:30:00

Each bearer token keeps the address it was issued to (when the adapter could tell), so that an account's
page can list its sessions with where they came from. Tokens issued before stay without one.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.drop_column('source')
