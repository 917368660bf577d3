"""single sign-on: a partnership's allowed Entra tenants and whether it requires SSO; how a session signed in

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('partnership') as batch:
        batch.add_column(sa.Column('sso_tenants', sa.Text(), server_default='', nullable=False))
        batch.add_column(sa.Column('sso_required', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('sign_in_session') as batch:
        batch.add_column(sa.Column('method', sa.String(length=80), server_default='password', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('sign_in_session') as batch:
        batch.drop_column('method')
    with op.batch_alter_table('partnership') as batch:
        batch.drop_column('sso_required')
        batch.drop_column('sso_tenants')
