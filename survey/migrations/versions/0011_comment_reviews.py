"""comment_review: the board manager's review of partner commentary before the chair reads it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('comment_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('source_digest', sa.String(length=64), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('shown_text', sa.Text(), nullable=False),
    sa.Column('example', sa.Boolean(), nullable=False),
    sa.Column('by_person_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answer.id'], name=op.f('fk_comment_review_answer_id_answer'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_person_id'], ['person.id'], name=op.f('fk_comment_review_by_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_review')),
    sa.UniqueConstraint('answer_id', name=op.f('uq_comment_review_answer_id'))
    )


def downgrade() -> None:
    op.drop_table('comment_review')
