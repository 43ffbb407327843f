"""a case stands in a village of the station's ground, not in a typed name; an attempt may
name the community force who mediated

Revision ID: mediation_0004
Revises: mediation_0003
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa

from app.plugin_api import (
    migration_rebuilt_keeping_rows,
    migration_text_from_villages,
    migration_villages_from_text,
)

revision = 'mediation_0004'
down_revision = 'mediation_0003'
branch_labels = None
depends_on = '0008_ground'  # the station's villages and community forces

VILLAGE_FK = 'fk_mediation_case_tenant_id_village_id_ground_village'
FORCE_FK = 'fk_mediation_attempt_tenant_id_mediator_force_id_ground_force'
INDEX = 'ix_mediation_case_village'


def upgrade():
    with op.batch_alter_table('mediation_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('village_id', sa.Integer(), nullable=True))
    # Each station's own villages: a name it typed and its ground lacks becomes one; a
    # case without a village keeps none.
    migration_villages_from_text('mediation_case', 'village', 'village_id')
    with migration_rebuilt_keeping_rows('mediation_case'), \
            op.batch_alter_table('mediation_case', schema=None) as batch_op:
        batch_op.create_foreign_key(VILLAGE_FK, 'ground_village', ['tenant_id', 'village_id'],
                                    ['tenant_id', 'id'])
        batch_op.create_index(INDEX, ['tenant_id', 'village_id'], unique=False)
        batch_op.drop_column('village')
    with op.batch_alter_table('mediation_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mediator_force_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(FORCE_FK, 'ground_force',
                                    ['tenant_id', 'mediator_force_id'], ['tenant_id', 'id'])


def downgrade():
    with op.batch_alter_table('mediation_attempt', schema=None) as batch_op:
        batch_op.drop_constraint(FORCE_FK, type_='foreignkey')
        batch_op.drop_column('mediator_force_id')  # the mediator's name stays in words
    with op.batch_alter_table('mediation_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('village', sa.String(length=60), nullable=True))
    migration_text_from_villages('mediation_case', 'village', 'village_id')
    with migration_rebuilt_keeping_rows('mediation_case'), \
            op.batch_alter_table('mediation_case', schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.drop_constraint(VILLAGE_FK, type_='foreignkey')
        batch_op.drop_column('village_id')
