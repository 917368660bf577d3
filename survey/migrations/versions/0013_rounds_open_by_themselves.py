"""rounds that open by themselves on their opening date

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('survey_round') as batch:
        batch.add_column(sa.Column('opens_by_itself', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('survey_round') as batch:
        batch.drop_column('opens_by_itself')
