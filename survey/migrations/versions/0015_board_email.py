"""a partnership's own words in its emails: sender, Reply-To, texts and chasing schedule

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'board_email',
        sa.Column('partnership_id', sa.Integer(), nullable=False, autoincrement=False),
        sa.Column('sender_name', sa.String(length=80), nullable=False),
        sa.Column('reply_to', sa.String(length=254), nullable=False),
        sa.Column('invitation_text', sa.Text(), nullable=False),
        sa.Column('reminder_text', sa.Text(), nullable=False),
        sa.Column('overdue_text', sa.Text(), nullable=False),
        sa.Column('remind_before', sa.String(length=60), nullable=False),
        sa.Column('remind_on_the_day', sa.Boolean(), nullable=False),
        sa.Column('chase_every_days', sa.Integer(), nullable=False),
        sa.Column('chase_times', sa.Integer(), nullable=False),
        sa.Column('copy_managers_from', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'],
                                name=op.f('fk_board_email_partnership_id_partnership')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['person.id'], name=op.f('fk_board_email_updated_by_id_person')),
        sa.PrimaryKeyConstraint('partnership_id', name=op.f('pk_board_email')),
    )
    with op.batch_alter_table('email_message') as batch:
        batch.add_column(sa.Column('sender_name', sa.String(length=80), nullable=False, server_default=''))
        batch.add_column(sa.Column('reply_to', sa.String(length=254), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('email_message') as batch:
        batch.drop_column('reply_to')
        batch.drop_column('sender_name')
    op.drop_table('board_email')
