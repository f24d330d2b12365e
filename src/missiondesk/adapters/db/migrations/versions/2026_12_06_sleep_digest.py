"""the sleep digest: each shinobi's recent sleep log in one row

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 06:30:00

Issue 16, reads at village scale. `sleep_digest` holds each shinobi's episodes of the last four weeks
before their latest, packed (adapters/db/sleep_digest.py), so the roster's fatigue reads one row per
shinobi instead of one per episode. Filled here from the log; kept by the write that logs an episode.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sleep_digest',
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('episodes', sa.LargeBinary(), nullable=False),
    sa.Column('complete_after_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_sleep_digest_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('shinobi_id', name=op.f('pk_sleep_digest'))
    )
    from missiondesk.adapters.db import sleep_digest  # the one packing, also the repository's

    sleep_digest.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table('sleep_digest')
