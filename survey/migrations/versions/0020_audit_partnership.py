"""the partnership a directory event belongs to, so its managers can read it

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_event') as batch:
        batch.add_column(sa.Column('partnership_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_audit_event_partnership_id'), ['partnership_id'])
        batch.create_foreign_key(op.f('fk_audit_event_partnership_id_partnership'), 'partnership',
                                 ['partnership_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('audit_event') as batch:
        batch.drop_constraint(op.f('fk_audit_event_partnership_id_partnership'), type_='foreignkey')
        batch.drop_index(batch.f('ix_audit_event_partnership_id'))
        batch.drop_column('partnership_id')
