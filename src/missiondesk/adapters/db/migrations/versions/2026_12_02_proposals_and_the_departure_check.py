"""proposals and the departure check

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:40:00

An assignment gains a status (proposed, active, declined, closed): a team named by a member who
is neither clerk nor hokage is proposed until every other member accepts. One team per mission is
now a partial unique index over the sent ones (active or closed), no longer a plain unique
constraint. A member gains when they accepted, when the gate logged them out for it, and the
reasons already known for them; an alert may name an assignment.

Existing rows: an ended assignment is closed, the others active; every member of an existing
assignment accepted when it was made, and left at their first gate departure since its departure
or creation (whichever is earlier), if any.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), server_default='active', nullable=False))
        batch_op.drop_constraint('uq_assignment_mission_id', type_='unique')
        batch_op.create_index(batch_op.f('ix_assignment_mission_id'), ['mission_id'], unique=False)
    op.execute("UPDATE assignment SET status = 'closed' WHERE ended_at IS NOT NULL")
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index('uq_assignment_sent_mission', ['mission_id'], unique=True,
                              sqlite_where=sa.text("status IN ('active', 'closed')"),
                              postgresql_where=sa.text("status IN ('active', 'closed')"))

    with op.batch_alter_table('assignment_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('left_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('known_codes', sa.JSON(), server_default='[]', nullable=False))
        batch_op.create_index('ix_assignment_member_shinobi_id', ['shinobi_id'], unique=False)
    op.execute("UPDATE assignment_member SET accepted_at = "
               "(SELECT a.created_at FROM assignment a WHERE a.id = assignment_member.assignment_id)")
    op.execute(
        "UPDATE assignment_member SET left_at = ("
        " SELECT MIN(g.at) FROM gate_event g, assignment a"
        " WHERE a.id = assignment_member.assignment_id AND g.shinobi_id = assignment_member.shinobi_id"
        " AND g.direction = 'out'"
        " AND g.at >= CASE WHEN a.departs_at < a.created_at THEN a.departs_at ELSE a.created_at END)"
        " WHERE active")

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignment_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_alert_assignment_id_assignment'), 'assignment',
                                    ['assignment_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_alert_assignment_id_assignment'), type_='foreignkey')
        batch_op.drop_column('assignment_id')
    with op.batch_alter_table('assignment_member', schema=None) as batch_op:
        batch_op.drop_index('ix_assignment_member_shinobi_id')
        batch_op.drop_column('known_codes')
        batch_op.drop_column('left_at')
        batch_op.drop_column('accepted_at')
    op.execute("DELETE FROM assignment_member WHERE assignment_id IN "
               "(SELECT id FROM assignment WHERE status IN ('proposed', 'declined'))")
    op.execute("DELETE FROM assignment WHERE status IN ('proposed', 'declined')")
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index('uq_assignment_sent_mission')
        batch_op.drop_index(batch_op.f('ix_assignment_mission_id'))
        batch_op.create_unique_constraint('uq_assignment_mission_id', ['mission_id'])
        batch_op.drop_column('status')
