"""publications: the returns each release of results to the chair was collated from

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_person_id', sa.Integer(), nullable=True),
    sa.Column('return_ids', sa.JSON(), nullable=False),
    sa.Column('risk_reason', sa.Text(), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['by_person_id'], ['person.id'], name=op.f('fk_publication_by_person_id_person')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_publication_round_id_survey_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication'))
    )
    with op.batch_alter_table('publication') as batch:
        batch.create_index(batch.f('ix_publication_round_id'), ['round_id'], unique=False)
    # A round published before publications were recorded: the returns submitted by then, as well as can be told.
    bind = op.get_bind()
    when = sa.DateTime(timezone=True)
    publication = sa.table('publication', sa.column('round_id', sa.Integer), sa.column('created_at', when),
                           sa.column('return_ids', sa.JSON), sa.column('risk_reason', sa.Text),
                           sa.column('final', sa.Boolean))
    rounds = sa.table('survey_round', sa.column('id', sa.Integer), sa.column('published_at', when))
    returns = sa.table('agency_return', sa.column('id', sa.Integer), sa.column('round_id', sa.Integer),
                       sa.column('state', sa.String), sa.column('submitted_at', when))
    published = bind.execute(sa.select(rounds.c.id, rounds.c.published_at).where(rounds.c.published_at.is_not(None)))
    for round_id, published_at in published.all():
        ids = list(bind.execute(sa.select(returns.c.id).where(
            returns.c.round_id == round_id, returns.c.state == 'submitted', returns.c.submitted_at.is_not(None),
            returns.c.submitted_at <= published_at).order_by(returns.c.id)).scalars())
        bind.execute(publication.insert().values(round_id=round_id, created_at=published_at, return_ids=ids,
                                                 risk_reason='', final=False))


def downgrade() -> None:
    with op.batch_alter_table('publication') as batch:
        batch.drop_index(batch.f('ix_publication_round_id'))
    op.drop_table('publication')
