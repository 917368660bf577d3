"""questionnaires a board uploads, checks, previews and publishes in the browser

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'board_questionnaire',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['version_id'], ['definition_version.id'],
                                name=op.f('fk_board_questionnaire_version_id_definition_version')),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'],
                                name=op.f('fk_board_questionnaire_partnership_id_partnership')),
        sa.ForeignKeyConstraint(['published_by_id'], ['person.id'],
                                name=op.f('fk_board_questionnaire_published_by_id_person')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['person.id'],
                                name=op.f('fk_board_questionnaire_uploaded_by_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_board_questionnaire')),
        sa.UniqueConstraint('partnership_id', 'version_id',
                            name=op.f('uq_board_questionnaire_partnership_id_version_id')),
    )
    with op.batch_alter_table('board_questionnaire') as batch:
        batch.create_index(batch.f('ix_board_questionnaire_partnership_id'), ['partnership_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('board_questionnaire') as batch:
        batch.drop_index(batch.f('ix_board_questionnaire_partnership_id'))
    op.drop_table('board_questionnaire')
