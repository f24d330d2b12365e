"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 09:32:39.099210
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('audit_entry',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target', sa.String(length=80), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entry')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_entry_hash'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_target'), ['target'], unique=False)

    op.create_table('mission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('rank', sa.String(length=1), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('classification', sa.String(length=20), nullable=False),
    sa.Column('reward_ryo', sa.BigInteger(), nullable=False),
    sa.Column('min_team_size', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mission'))
    )
    with op.batch_alter_table('mission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mission_status'), ['status'], unique=False)

    op.create_table('shinobi',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('rank', sa.String(length=20), nullable=False),
    sa.Column('clearance', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('divisions', sa.JSON(), nullable=False),
    sa.Column('specialties', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shinobi'))
    )
    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_account_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('shinobi_id', name=op.f('uq_account_shinobi_id')),
    sa.UniqueConstraint('username', name=op.f('uq_account_username'))
    )
    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject_shinobi_id', sa.Integer(), nullable=True),
    sa.Column('mission_id', sa.Integer(), nullable=True),
    sa.Column('codes', sa.JSON(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['mission_id'], ['mission.id'], name=op.f('fk_alert_mission_id_mission')),
    sa.ForeignKeyConstraint(['recipient_id'], ['shinobi.id'], name=op.f('fk_alert_recipient_id_shinobi')),
    sa.ForeignKeyConstraint(['subject_shinobi_id'], ['shinobi.id'], name=op.f('fk_alert_subject_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert'))
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_recipient_id'), ['recipient_id'], unique=False)

    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=False),
    sa.Column('departs_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('override_justification', sa.Text(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['mission_id'], ['mission.id'], name=op.f('fk_assignment_mission_id_mission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment')),
    sa.UniqueConstraint('mission_id', name=op.f('uq_assignment_mission_id'))
    )
    op.create_table('gate_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=True),
    sa.Column('logged_by', sa.String(length=80), nullable=True),
    sa.Column('logged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('flagged', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_gate_event_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gate_event'))
    )
    with op.batch_alter_table('gate_event', schema=None) as batch_op:
        batch_op.create_index('ix_gate_event_shinobi_at', ['shinobi_id', 'at'], unique=False)

    op.create_table('memorial',
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('died_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=True),
    sa.Column('rank', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['mission_id'], ['mission.id'], name=op.f('fk_memorial_mission_id_mission')),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_memorial_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('shinobi_id', name=op.f('pk_memorial'))
    )
    op.create_table('partner',
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['shinobi.id'], name=op.f('fk_partner_partner_id_shinobi')),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_partner_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('shinobi_id', 'partner_id', name=op.f('pk_partner'))
    )
    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('casualties', sa.JSON(), nullable=False),
    sa.Column('specimens', sa.JSON(), nullable=False),
    sa.Column('filed_by', sa.String(length=80), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mission_id'], ['mission.id'], name=op.f('fk_report_mission_id_mission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
    sa.UniqueConstraint('mission_id', name=op.f('uq_report_mission_id'))
    )
    op.create_table('restriction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lift_note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filed_by', sa.String(length=80), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_restriction_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_restriction'))
    )
    with op.batch_alter_table('restriction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_restriction_shinobi_id'), ['shinobi_id'], unique=False)

    op.create_table('sleep_episode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('logged_by', sa.String(length=80), nullable=True),
    sa.Column('logged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_sleep_episode_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sleep_episode'))
    )
    with op.batch_alter_table('sleep_episode', schema=None) as batch_op:
        batch_op.create_index('ix_sleep_episode_shinobi_end', ['shinobi_id', 'end_at'], unique=False)

    op.create_table('welfare_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=True),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mission_id'], ['mission.id'], name=op.f('fk_welfare_hold_mission_id_mission')),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_welfare_hold_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_welfare_hold'))
    )
    with op.batch_alter_table('welfare_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_welfare_hold_shinobi_id'), ['shinobi_id'], unique=False)

    op.create_table('assignment_member',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('shinobi_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_assignment_member_assignment_id_assignment')),
    sa.ForeignKeyConstraint(['shinobi_id'], ['shinobi.id'], name=op.f('fk_assignment_member_shinobi_id_shinobi')),
    sa.PrimaryKeyConstraint('assignment_id', 'shinobi_id', name=op.f('pk_assignment_member'))
    )
    with op.batch_alter_table('assignment_member', schema=None) as batch_op:
        batch_op.create_index('uq_assignment_member_active_shinobi', ['shinobi_id'], unique=True, sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))

    op.create_table('mission_authorization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_mission_authorization_account_id_account')),
    sa.ForeignKeyConstraint(['mission_id'], ['mission.id'], name=op.f('fk_mission_authorization_mission_id_mission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mission_authorization')),
    sa.UniqueConstraint('mission_id', 'account_id', name='uq_mission_authorization_mission_account')
    )
    op.create_table('token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_token_account_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_token')),
    sa.UniqueConstraint('digest', name=op.f('uq_token_digest'))
    )
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_token_account_id'), ['account_id'], unique=False)



def downgrade() -> None:

    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_token_account_id'))

    op.drop_table('token')
    op.drop_table('mission_authorization')
    with op.batch_alter_table('assignment_member', schema=None) as batch_op:
        batch_op.drop_index('uq_assignment_member_active_shinobi', sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))

    op.drop_table('assignment_member')
    with op.batch_alter_table('welfare_hold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_welfare_hold_shinobi_id'))

    op.drop_table('welfare_hold')
    with op.batch_alter_table('sleep_episode', schema=None) as batch_op:
        batch_op.drop_index('ix_sleep_episode_shinobi_end')

    op.drop_table('sleep_episode')
    with op.batch_alter_table('restriction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_restriction_shinobi_id'))

    op.drop_table('restriction')
    op.drop_table('report')
    op.drop_table('partner')
    op.drop_table('memorial')
    with op.batch_alter_table('gate_event', schema=None) as batch_op:
        batch_op.drop_index('ix_gate_event_shinobi_at')

    op.drop_table('gate_event')
    op.drop_table('assignment')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_recipient_id'))

    op.drop_table('alert')
    op.drop_table('account')
    op.drop_table('shinobi')
    with op.batch_alter_table('mission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mission_status'))

    op.drop_table('mission')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_target'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_actor'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))

    op.drop_table('audit_entry')
