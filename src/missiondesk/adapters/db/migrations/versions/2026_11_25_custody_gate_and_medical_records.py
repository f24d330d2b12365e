"""custody gate and medical records

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:44:10.487968
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('detainee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('detained_since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('in_village', sa.Boolean(), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_detainee'))
    )
    op.create_table('audience_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('detainee_id', sa.Integer(), nullable=False),
    sa.Column('with', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_by', sa.String(length=80), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['detainee_id'], ['detainee.id'], name=op.f('fk_audience_request_detainee_id_detainee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audience_request'))
    )
    with op.batch_alter_table('audience_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audience_request_detainee_id'), ['detainee_id'], unique=False)

    op.create_table('custody_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('detainee_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['detainee_id'], ['detainee.id'], name=op.f('fk_custody_link_detainee_id_detainee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_link'))
    )
    with op.batch_alter_table('custody_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custody_link_detainee_id'), ['detainee_id'], unique=False)

    op.create_table('injury',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('body_part', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=100), nullable=False),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=80), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mission_id'], ['mission.id'], name=op.f('fk_injury_mission_id_mission')),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_injury_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_injury'))
    )
    with op.batch_alter_table('injury', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_injury_shinobi_id'), ['shinobi_id'], unique=False)

    op.create_table('medical_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_medical_note_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medical_note'))
    )
    with op.batch_alter_table('medical_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medical_note_shinobi_id'), ['shinobi_id'], unique=False)

    op.create_table('custody_custodian',
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['custody_link.id'], name=op.f('fk_custody_custodian_link_id_custody_link')),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_custody_custodian_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('link_id', 'shinobi_id', name=op.f('pk_custody_custodian'))
    )
    op.create_table('medication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('drug', sa.String(length=100), nullable=False),
    sa.Column('amount', sa.Double(), nullable=False),
    sa.Column('unit', sa.String(length=30), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('injury_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=80), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['injury_id'], ['injury.id'], name=op.f('fk_medication_injury_id_injury')),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_medication_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication'))
    )
    with op.batch_alter_table('medication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medication_shinobi_id'), ['shinobi_id'], unique=False)

    op.create_table('treatment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('medic_id', sa.Integer(), nullable=False),
    sa.Column('injury_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['injury_id'], ['injury.id'], name=op.f('fk_treatment_injury_id_injury')),
    sa.ForeignKeyConstraint(['medic_id'], ['shinobi.id'], name=op.f('fk_treatment_medic_id_shinobi')),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_treatment_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment'))
    )
    with op.batch_alter_table('treatment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_treatment_shinobi_id'), ['shinobi_id'], unique=False)

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detainee_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_alert_detainee_id_detainee'), 'detainee', ['detainee_id'], ['id'])

    with op.batch_alter_table('gate_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detainee_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_gate_event_at', ['at'], unique=False)
        batch_op.create_index('ix_gate_event_detainee_at', ['detainee_id', 'at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_gate_event_detainee_id_detainee'), 'detainee', ['detainee_id'], ['id'])

    with op.batch_alter_table('restriction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('injury_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_restriction_injury_id_injury'), 'injury', ['injury_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('restriction', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_restriction_injury_id_injury'), type_='foreignkey')
        batch_op.drop_column('injury_id')

    with op.batch_alter_table('gate_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_gate_event_detainee_id_detainee'), type_='foreignkey')
        batch_op.drop_index('ix_gate_event_detainee_at')
        batch_op.drop_index('ix_gate_event_at')
        batch_op.drop_column('detainee_id')

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_alert_detainee_id_detainee'), type_='foreignkey')
        batch_op.drop_column('detainee_id')

    with op.batch_alter_table('treatment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_treatment_shinobi_id'))

    op.drop_table('treatment')
    with op.batch_alter_table('medication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medication_shinobi_id'))

    op.drop_table('medication')
    op.drop_table('custody_custodian')
    with op.batch_alter_table('medical_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medical_note_shinobi_id'))

    op.drop_table('medical_note')
    with op.batch_alter_table('injury', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_injury_shinobi_id'))

    op.drop_table('injury')
    with op.batch_alter_table('custody_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custody_link_detainee_id'))

    op.drop_table('custody_link')
    with op.batch_alter_table('audience_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audience_request_detainee_id'))

    op.drop_table('audience_request')
    op.drop_table('detainee')
