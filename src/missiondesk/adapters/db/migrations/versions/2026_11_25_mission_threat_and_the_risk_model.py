"""mission threat and the risk model

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:22:52.067258
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('risk_model',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('success', sa.JSON(), nullable=False),
    sa.Column('casualty', sa.JSON(), nullable=False),
    sa.Column('calibration', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_model'))
    )
    with op.batch_alter_table('mission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('threat', sa.String(length=20), server_default='none', nullable=False))
        batch_op.add_column(sa.Column('threat_count', sa.Integer(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('mission', schema=None) as batch_op:
        batch_op.drop_column('threat_count')
        batch_op.drop_column('threat')

    op.drop_table('risk_model')
