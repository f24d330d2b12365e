"""the gate digest: each shinobi's recent gate log in one row

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 06:30:00

Issue 16, reads at village scale. `gate_digest` holds each shinobi's gate events of the last four weeks before
their latest, and the last one before those, packed (adapters/db/gate_digest.py), so the roster's duty rules
read one row per shinobi instead of one per event and a probe each. Filled here from the log; kept by the
write that logs an event.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gate_digest',
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('events', sa.LargeBinary(), nullable=False),
    sa.Column('complete_after_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_gate_digest_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('shinobi_id', name=op.f('pk_gate_digest'))
    )
    from missiondesk.adapters.db import gate_digest  # the one packing, also the repository's

    gate_digest.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table('gate_digest')
