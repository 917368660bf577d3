"""a return started from the agency's earlier one, and the carried answers still to confirm

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agency_return') as batch:
        batch.add_column(sa.Column('carried_from_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_agency_return_carried_from_id_agency_return'), 'agency_return',
                                 ['carried_from_id'], ['id'])
    with op.batch_alter_table('answer') as batch:
        batch.add_column(sa.Column('to_confirm', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('answer') as batch:
        batch.drop_column('to_confirm')
    with op.batch_alter_table('agency_return') as batch:
        batch.drop_constraint(op.f('fk_agency_return_carried_from_id_agency_return'), type_='foreignkey')
        batch.drop_column('carried_from_id')
