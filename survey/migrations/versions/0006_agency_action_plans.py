"""agency action plans

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agency_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('who', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('not started', 'in progress', 'done', name='actionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_agency_action_agency_id_agency')),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_agency_action_challenge_id_challenge')),
    sa.ForeignKeyConstraint(['return_id'], ['agency_return.id'], name=op.f('fk_agency_action_return_id_agency_return')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_agency_action_round_id_survey_round')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['person.id'], name=op.f('fk_agency_action_updated_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_action'))
    )
    with op.batch_alter_table('agency_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_action_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_action_round_id'), ['round_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('agency_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_action_round_id'))
        batch_op.drop_index(batch_op.f('ix_agency_action_agency_id'))

    op.drop_table('agency_action')
