"""agency.short_names: what partners also call an agency, removed from commentary as its name is

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agency') as batch:
        batch.add_column(sa.Column('short_names', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('agency') as batch:
        batch.drop_column('short_names')
