"""a return whose answers were copied from the agency's return to another board

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agency_return') as batch:
        batch.add_column(sa.Column('shared_from_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('shared_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(op.f('fk_agency_return_shared_from_id_agency_return'), 'agency_return',
                                 ['shared_from_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('agency_return') as batch:
        batch.drop_constraint(op.f('fk_agency_return_shared_from_id_agency_return'), type_='foreignkey')
        batch.drop_column('shared_at')
        batch.drop_column('shared_from_id')
