"""memberships per partnership, returns answered for a partnership, joint-round agreements

Agency roles (contributor, lead) become memberships of one partnership: a role held in an agency serving
several partnerships becomes one membership for each. An agency's deactivation moves to each of its
partnerships. Each return records the partnership its agency answers for. Joint rounds already run are
recorded as accepted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('role_assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute(
        "INSERT INTO role_assignment (person_id, role, agency_id, partnership_id, active) "
        "SELECT r.person_id, r.role, r.agency_id, pa.partnership_id, r.active FROM role_assignment r "
        "JOIN partnership_agency pa ON pa.agency_id = r.agency_id "
        "WHERE r.agency_id IS NOT NULL AND r.partnership_id IS NULL")
    op.execute("DELETE FROM role_assignment WHERE agency_id IS NOT NULL AND partnership_id IS NULL")

    with op.batch_alter_table('partnership_agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute("UPDATE partnership_agency SET active = (SELECT agency.active FROM agency "
               "WHERE agency.id = partnership_agency.agency_id)")
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('active')

    with op.batch_alter_table('agency_return', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partnership_id', sa.Integer(), nullable=True))
    # The round's owner if the agency is one of its own, else the first joint partnership it belongs to.
    op.execute(
        "UPDATE agency_return SET partnership_id = COALESCE("
        "(SELECT rnd.partnership_id FROM survey_round rnd JOIN partnership_agency pa "
        " ON pa.partnership_id = rnd.partnership_id AND pa.agency_id = agency_return.agency_id "
        " WHERE rnd.id = agency_return.round_id), "
        "(SELECT MIN(rp.partnership_id) FROM round_partnership rp JOIN partnership_agency pa "
        " ON pa.partnership_id = rp.partnership_id AND pa.agency_id = agency_return.agency_id "
        " WHERE rp.round_id = agency_return.round_id), "
        "(SELECT rnd.partnership_id FROM survey_round rnd WHERE rnd.id = agency_return.round_id))")
    with op.batch_alter_table('agency_return', schema=None) as batch_op:
        batch_op.alter_column('partnership_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_agency_return_partnership_id_partnership'), 'partnership',
                                    ['partnership_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_agency_return_partnership_id'), ['partnership_id'], unique=False)

    with op.batch_alter_table('round_partnership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.Enum('proposed', 'accepted', 'declined', name='jointstate',
                                                       native_enum=False, length=10),
                                      server_default='accepted', nullable=False))
        batch_op.add_column(sa.Column('proposed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_round_partnership_proposed_by_id_person'), 'person',
                                    ['proposed_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_round_partnership_decided_by_id_person'), 'person',
                                    ['decided_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('round_partnership', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_round_partnership_decided_by_id_person'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_round_partnership_proposed_by_id_person'), type_='foreignkey')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('proposed_by_id')
        batch_op.drop_column('state')
    with op.batch_alter_table('agency_return', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_return_partnership_id'))
        batch_op.drop_constraint(batch_op.f('fk_agency_return_partnership_id_partnership'), type_='foreignkey')
        batch_op.drop_column('partnership_id')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute("UPDATE agency SET active = NOT EXISTS (SELECT 1 FROM partnership_agency pa "
               "WHERE pa.agency_id = agency.id AND NOT pa.active)")
    with op.batch_alter_table('partnership_agency', schema=None) as batch_op:
        batch_op.drop_column('active')
    op.execute("DELETE FROM role_assignment WHERE agency_id IS NOT NULL AND partnership_id IS NOT NULL AND id NOT IN "
               "(SELECT MIN(id) FROM role_assignment WHERE agency_id IS NOT NULL "
               "GROUP BY person_id, role, agency_id)")
    op.execute("UPDATE role_assignment SET partnership_id = NULL WHERE agency_id IS NOT NULL")
    with op.batch_alter_table('role_assignment', schema=None) as batch_op:
        batch_op.drop_column('active')
