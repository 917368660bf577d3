"""answer.saved_from: the page a revision was saved from

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('answer') as batch:
        batch.add_column(sa.Column('saved_from', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('answer') as batch:
        batch.drop_column('saved_from')
