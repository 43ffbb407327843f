"""a case may have several agreements: one the follow-up found broken, then a new one

Revision ID: mediation_0003
Revises: mediation_0002
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from app.plugin_api import every_station_rows

revision = 'mediation_0003'
down_revision = 'mediation_0002'
branch_labels = None
depends_on = None


def upgrade():
    # Batch mode: SQLite cannot drop a constraint in place (the table is copied);
    # PostgreSQL alters it directly. The release before this one still runs during an
    # upgrade: it writes agreements without a level, so the column stays nullable.
    with op.batch_alter_table('mediation_agreement', schema=None) as batch_op:
        batch_op.drop_constraint('uq_mediation_agreement_tenant_id_case_id', type_='unique')
        batch_op.add_column(sa.Column('level', sa.Integer(), nullable=True))
        batch_op.create_index('ix_mediation_agreement_case', ['tenant_id', 'case_id'],
                              unique=False)
    # Until now a case stopped moving once closed, so its level is its agreement's; every
    # station's rows, even for an owner that cannot bypass row security.
    with every_station_rows('mediation_agreement', 'mediation_case'):
        op.execute(
            "UPDATE mediation_agreement SET level = (SELECT c.level FROM mediation_case c "
            "WHERE c.id = mediation_agreement.case_id "
            "AND c.tenant_id = mediation_agreement.tenant_id)"
        )


def downgrade():
    # Fails while a case has more than one agreement: which to drop is not ours to guess.
    with op.batch_alter_table('mediation_agreement', schema=None) as batch_op:
        batch_op.drop_index('ix_mediation_agreement_case')
        batch_op.drop_column('level')
        batch_op.create_unique_constraint('uq_mediation_agreement_tenant_id_case_id',
                                          ['tenant_id', 'case_id'])
