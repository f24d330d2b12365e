"""sign-in throttle

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 06:30:00

The hard lockout (five failures lock a username everywhere for 15 minutes, counted in
`login_failure`) gives way to growing delays counted per key: the account from one address, the
address, and the account from addresses it never signed in from (`login_throttle`), with the
addresses each account signed in from (`login_source`). Past failures are not carried over: they
were counted per username only, and a lockout in progress ends with the upgrade.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('noted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'subject', name=op.f('pk_login_throttle'))
    )
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.create_index('ix_login_throttle_last_failure_at', ['last_failure_at'], unique=False)
    op.create_table('login_source',
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username', 'source', name=op.f('pk_login_source'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_username_at')
    op.drop_table('login_failure')


def downgrade() -> None:
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_username_at', ['username', 'at'], unique=False)
    op.drop_table('login_source')
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_index('ix_login_throttle_last_failure_at')
    op.drop_table('login_throttle')
