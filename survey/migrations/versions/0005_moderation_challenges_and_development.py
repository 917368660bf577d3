"""moderation, challenges and development

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('development_area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('statement_ids', sa.JSON(), nullable=False),
    sa.Column('agreed_by_id', sa.Integer(), nullable=True),
    sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreed_by_id'], ['person.id'], name=op.f('fk_development_area_agreed_by_id_person')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_development_area_round_id_survey_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_development_area'))
    )
    with op.batch_alter_table('development_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_development_area_round_id'), ['round_id'], unique=False)

    op.create_table('area_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('owner_agency_id', sa.Integer(), nullable=True),
    sa.Column('owner_name', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('not started', 'in progress', 'done', name='actionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['development_area.id'], name=op.f('fk_area_action_area_id_development_area')),
    sa.ForeignKeyConstraint(['owner_agency_id'], ['agency.id'], name=op.f('fk_area_action_owner_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_action'))
    )
    with op.batch_alter_table('area_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_action_area_id'), ['area_id'], unique=False)

    op.create_table('challenge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.String(length=80), nullable=False),
    sa.Column('state', sa.Enum('open', 'answered', 'closed', name='challengestate', native_enum=False, length=10), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['raised_by_id'], ['person.id'], name=op.f('fk_challenge_raised_by_id_person')),
    sa.ForeignKeyConstraint(['return_id'], ['agency_return.id'], name=op.f('fk_challenge_return_id_agency_return')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge'))
    )
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_return_id'), ['return_id'], unique=False)

    op.create_table('moderation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.String(length=80), nullable=False),
    sa.Column('rating', sa.Double(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by_person_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_person_id'], ['person.id'], name=op.f('fk_moderation_by_person_id_person')),
    sa.ForeignKeyConstraint(['return_id'], ['agency_return.id'], name=op.f('fk_moderation_return_id_agency_return')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation')),
    sa.UniqueConstraint('return_id', 'statement_id', name=op.f('uq_moderation_return_id_statement_id'))
    )
    op.create_table('challenge_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('from_board', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_challenge_message_challenge_id_challenge')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_challenge_message_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_message'))
    )
    with op.batch_alter_table('challenge_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_message_challenge_id'), ['challenge_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('challenge_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_message_challenge_id'))

    op.drop_table('challenge_message')
    op.drop_table('moderation')
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_return_id'))

    op.drop_table('challenge')
    with op.batch_alter_table('area_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_action_area_id'))

    op.drop_table('area_action')
    with op.batch_alter_table('development_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_development_area_round_id'))

    op.drop_table('development_area')
