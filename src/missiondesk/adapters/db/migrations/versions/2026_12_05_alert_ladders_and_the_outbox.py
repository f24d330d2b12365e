"""alert ladders, the outbox and the medics' roster

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 06:30:00

Issue 15, alerts that wake people. An alert that must be acknowledged belongs to a ladder
(`alert_ladder`: a row per duty-of-care call, raised a rung by the worker when due, stopped by an
acknowledgement); `alert` gains its ladder, its rung, the office's-copy mark and when it was
acknowledged. `delivery` is the outbox (one alert, one recipient, one channel; written with the alert,
claimed and sent by a worker), `delivery_attempt` its record of tries. `alert_preference` and
`webhook_endpoint` say how a person is reached; `medic_shift` is the medics' duty roster;
`welfare_review` the reviews a report's welfare hold schedules. Existing alerts stay as they were:
unacknowledged, outside any ladder.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_ladder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=True),
    sa.Column('subjects', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Integer(), nullable=True),
    sa.Column('acknowledged_alert_id', sa.Integer(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['shinobi.id'], name=op.f('fk_alert_ladder_acknowledged_by_shinobi')),
    sa.ForeignKeyConstraint(['mission_id'], ['mission.id'], name=op.f('fk_alert_ladder_mission_id_mission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_ladder'))
    )
    with op.batch_alter_table('alert_ladder', schema=None) as batch_op:
        batch_op.create_index('ix_alert_ladder_open', ['finished_at', 'started_at'], unique=False)

    op.create_table('alert_preference',
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('quiet_from', sa.String(length=5), nullable=True),
    sa.Column('quiet_to', sa.String(length=5), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_alert_preference_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('shinobi_id', name=op.f('pk_alert_preference'))
    )
    op.create_table('medic_shift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_medic_shift_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medic_shift'))
    )
    with op.batch_alter_table('medic_shift', schema=None) as batch_op:
        batch_op.create_index('ix_medic_shift_ends_at', ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_medic_shift_shinobi_id'), ['shinobi_id'], unique=False)

    op.create_table('webhook_endpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_webhook_endpoint_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoint'))
    )
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_endpoint_shinobi_id'), ['shinobi_id'], unique=False)

    op.create_table('welfare_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hold_id', sa.Integer(), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('alerted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=80), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['hold_id'], ['welfare_hold.id'], name=op.f('fk_welfare_review_hold_id_welfare_hold')),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_welfare_review_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_welfare_review'))
    )
    with op.batch_alter_table('welfare_review', schema=None) as batch_op:
        batch_op.create_index('ix_welfare_review_due', ['done_at', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_welfare_review_hold_id'), ['hold_id'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('target', sa.String(length=500), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_delivery_alert_id_alert')),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'], name=op.f('fk_delivery_endpoint_id_webhook_endpoint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_delivery_idempotency_key'))
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index('ix_delivery_status_due_at', ['status', 'due_at'], unique=False)

    op.create_table('delivery_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('worker', sa.String(length=100), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], name=op.f('fk_delivery_attempt_delivery_id_delivery')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_attempt'))
    )
    with op.batch_alter_table('delivery_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_attempt_delivery_id'), ['delivery_id'], unique=False)

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ladder_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('office_copy', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_alert_ladder_id'), ['ladder_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_alert_ladder_id_alert_ladder'), 'alert_ladder', ['ladder_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_alert_ladder_id_alert_ladder'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_alert_ladder_id'))
        batch_op.drop_column('acknowledged_at')
        batch_op.drop_column('office_copy')
        batch_op.drop_column('step')
        batch_op.drop_column('ladder_id')

    with op.batch_alter_table('delivery_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_attempt_delivery_id'))

    op.drop_table('delivery_attempt')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_status_due_at')
        batch_op.drop_index(batch_op.f('ix_delivery_alert_id'))

    op.drop_table('delivery')
    with op.batch_alter_table('welfare_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_welfare_review_hold_id'))
        batch_op.drop_index('ix_welfare_review_due')

    op.drop_table('welfare_review')
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_endpoint_shinobi_id'))

    op.drop_table('webhook_endpoint')
    with op.batch_alter_table('medic_shift', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medic_shift_shinobi_id'))
        batch_op.drop_index('ix_medic_shift_ends_at')

    op.drop_table('medic_shift')
    op.drop_table('alert_preference')
    with op.batch_alter_table('alert_ladder', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_ladder_open')

    op.drop_table('alert_ladder')
