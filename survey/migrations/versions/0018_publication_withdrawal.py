"""a publication withdrawn from the chair, with when, why and by whom

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('publication') as batch:
        batch.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('withdrawn_reason', sa.Text(), server_default='', nullable=False))
        batch.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_publication_withdrawn_by_id_person'), 'person', ['withdrawn_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('publication') as batch:
        batch.drop_constraint(op.f('fk_publication_withdrawn_by_id_person'), type_='foreignkey')
        batch.drop_column('withdrawn_by_id')
        batch.drop_column('withdrawn_reason')
        batch.drop_column('withdrawn_at')
