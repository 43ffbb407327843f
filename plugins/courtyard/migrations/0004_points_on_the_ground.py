"""a meeting point stands in a village of the station's ground, not in a typed name

Revision ID: courtyard_0004
Revises: courtyard_0003
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa

from app.plugin_api import (
    migration_rebuilt_keeping_rows,
    migration_text_from_villages,
    migration_villages_from_text,
)

revision = 'courtyard_0004'
down_revision = 'courtyard_0003'
branch_labels = None
depends_on = '0008_ground'  # the station's villages

FK = 'fk_courtyard_point_tenant_id_village_id_ground_village'
INDEX = 'ix_courtyard_point_village'
# Where a point with no village text at all goes (the form never allowed one, but a
# hand-made row may): a retired village, so nothing is lost and nothing new goes there.
UNNAMED = '未注明村'


def upgrade():
    with op.batch_alter_table('courtyard_point', schema=None) as batch_op:
        batch_op.add_column(sa.Column('village_id', sa.Integer(), nullable=True))
    # Each station's own villages: a name it typed and its ground lacks becomes one.
    migration_villages_from_text('courtyard_point', 'village', 'village_id', blank_to=UNNAMED)
    with migration_rebuilt_keeping_rows('courtyard_point'), \
            op.batch_alter_table('courtyard_point', schema=None) as batch_op:
        batch_op.alter_column('village_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(FK, 'ground_village', ['tenant_id', 'village_id'],
                                    ['tenant_id', 'id'])
        batch_op.create_index(INDEX, ['tenant_id', 'village_id'], unique=False)
        batch_op.drop_column('village')


def downgrade():
    with op.batch_alter_table('courtyard_point', schema=None) as batch_op:
        batch_op.add_column(sa.Column('village', sa.String(length=60), nullable=True))
    migration_text_from_villages('courtyard_point', 'village', 'village_id')
    with migration_rebuilt_keeping_rows('courtyard_point'), \
            op.batch_alter_table('courtyard_point', schema=None) as batch_op:
        batch_op.alter_column('village', existing_type=sa.String(length=60), nullable=False)
        batch_op.drop_index(INDEX)
        batch_op.drop_constraint(FK, type_='foreignkey')
        batch_op.drop_column('village_id')
