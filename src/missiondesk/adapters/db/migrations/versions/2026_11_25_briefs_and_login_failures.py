"""briefs and login failures

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:54:06.637479
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_username_at', ['username', 'at'], unique=False)

    op.create_table('brief',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('destroyed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('destroyed_by', sa.String(length=80), nullable=True),
    sa.Column('destroy_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['mission_id'], ['mission.id'], name=op.f('fk_brief_mission_id_mission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brief'))
    )
    with op.batch_alter_table('brief', schema=None) as batch_op:
        batch_op.create_index('uq_brief_live_mission', ['mission_id'], unique=True, sqlite_where=sa.text('destroyed_at IS NULL'), postgresql_where=sa.text('destroyed_at IS NULL'))



def downgrade() -> None:
    with op.batch_alter_table('brief', schema=None) as batch_op:
        batch_op.drop_index('uq_brief_live_mission', sqlite_where=sa.text('destroyed_at IS NULL'), postgresql_where=sa.text('destroyed_at IS NULL'))

    op.drop_table('brief')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_username_at')

    op.drop_table('login_failure')
