"""the station's ground: villages, grids, key places and community forces, behind the
station policy like every station-owned table

Revision ID: 0008_ground
Revises: 0007_global_walls
Create Date: 2026-12-02 05:44:47.552835

"""
from alembic import op
import sqlalchemy as sa

from tenants import row_security


# revision identifiers, used by Alembic.
revision = '0008_ground'
down_revision = '0007_global_walls'
branch_labels = None
depends_on = None

TABLES = ('ground_village', 'ground_village_name', 'ground_grid', 'ground_place',
          'ground_force')


def upgrade():
    op.create_table('ground_village',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('zone', sa.String(length=60), nullable=True),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('registered_population', sa.Integer(), nullable=True),
    sa.Column('resident_population', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('auxiliary_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['auxiliary_id'], ['user_account.id'], name=op.f('fk_ground_village_auxiliary_id_user_account')),
    sa.ForeignKeyConstraint(['officer_id'], ['user_account.id'], name=op.f('fk_ground_village_officer_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['station.id'], name=op.f('fk_ground_village_tenant_id_station'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_village')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_ground_village_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_ground_village_tenant_id_name'))
    )
    op.create_table('ground_grid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'village_id'], ['ground_village.tenant_id', 'ground_village.id'], name=op.f('fk_ground_grid_tenant_id_village_id_ground_village')),
    sa.ForeignKeyConstraint(['tenant_id'], ['station.id'], name=op.f('fk_ground_grid_tenant_id_station'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_grid')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_ground_grid_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'village_id', 'name', name=op.f('uq_ground_grid_tenant_id_village_id_name'))
    )
    op.create_table('ground_place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['user_account.id'], name=op.f('fk_ground_place_officer_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id', 'village_id'], ['ground_village.tenant_id', 'ground_village.id'], name=op.f('fk_ground_place_tenant_id_village_id_ground_village')),
    sa.ForeignKeyConstraint(['tenant_id'], ['station.id'], name=op.f('fk_ground_place_tenant_id_station'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_place')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_ground_place_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_ground_place_tenant_id_name'))
    )
    op.create_table('ground_village_name',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('until', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'village_id'], ['ground_village.tenant_id', 'ground_village.id'], name=op.f('fk_ground_village_name_tenant_id_village_id_ground_village')),
    sa.ForeignKeyConstraint(['tenant_id'], ['station.id'], name=op.f('fk_ground_village_name_tenant_id_station'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_village_name')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_ground_village_name_tenant_id_id'))
    )
    op.create_table('ground_force',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('team', sa.String(length=60), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'grid_id'], ['ground_grid.tenant_id', 'ground_grid.id'], name=op.f('fk_ground_force_tenant_id_grid_id_ground_grid')),
    sa.ForeignKeyConstraint(['tenant_id', 'village_id'], ['ground_village.tenant_id', 'ground_village.id'], name=op.f('fk_ground_force_tenant_id_village_id_ground_village')),
    sa.ForeignKeyConstraint(['tenant_id'], ['station.id'], name=op.f('fk_ground_force_tenant_id_station'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_ground_force_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_force')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_ground_force_tenant_id_id'))
    )
    with op.batch_alter_table('ground_force', schema=None) as batch_op:
        batch_op.create_index('ix_ground_force_kind', ['tenant_id', 'kind'], unique=False)

    row_security.enable(*TABLES)


def downgrade():
    row_security.disable(*TABLES)
    with op.batch_alter_table('ground_force', schema=None) as batch_op:
        batch_op.drop_index('ix_ground_force_kind')

    op.drop_table('ground_force')
    op.drop_table('ground_village_name')
    op.drop_table('ground_place')
    op.drop_table('ground_grid')
    op.drop_table('ground_village')
