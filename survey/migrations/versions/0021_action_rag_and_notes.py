"""an action's colour set by the board (with its reason) and its notes of progress with evidence links

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('area_action') as batch:
        batch.add_column(sa.Column('rag_override', sa.String(length=5), nullable=True))
        batch.add_column(sa.Column('rag_reason', sa.Text(), server_default='', nullable=False))
    op.create_table(
        'action_note',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('evidence_links', sa.Text(), nullable=False),
        sa.Column('by_id', sa.Integer(), nullable=True),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['action_id'], ['area_action.id'], name=op.f('fk_action_note_action_id_area_action')),
        sa.ForeignKeyConstraint(['by_id'], ['person.id'], name=op.f('fk_action_note_by_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_action_note')),
    )
    op.create_index(op.f('ix_action_note_action_id'), 'action_note', ['action_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_action_note_action_id'), table_name='action_note')
    op.drop_table('action_note')
    with op.batch_alter_table('area_action') as batch:
        batch.drop_column('rag_reason')
        batch.drop_column('rag_override')
