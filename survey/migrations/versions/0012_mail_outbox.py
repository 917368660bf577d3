"""email_message as an outbox: state, attempts, when to try next, and who holds it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('email_message') as batch:
        batch.add_column(sa.Column('state', sa.Enum('queued', 'sent', 'failed', name='mailstate',
                                                    native_enum=False, length=10),
                                   nullable=False, server_default='queued'))
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f('ix_email_message_state'), ['state'], unique=False)
    # Emails recorded before the outbox were sent, or failed, at the time: none is sent again now.
    op.execute("UPDATE email_message SET state = 'sent', attempts = 1 WHERE sent_at IS NOT NULL")
    op.execute("UPDATE email_message SET state = 'failed', attempts = 1, "
               "error = CASE WHEN error = '' THEN 'not sent (recorded before the outbox)' ELSE error END "
               "WHERE sent_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('email_message') as batch:
        batch.drop_index(batch.f('ix_email_message_state'))
        batch.drop_column('claimed_until')
        batch.drop_column('next_attempt_at')
        batch.drop_column('attempts')
        batch.drop_column('state')
