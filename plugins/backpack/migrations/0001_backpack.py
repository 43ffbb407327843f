"""backpack policing

Revision ID: backpack_0001
Revises: 
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from app.plugin_api import disable_row_security, enable_row_security


# revision identifiers, used by Alembic.
revision = 'backpack_0001'
down_revision = None
branch_labels = ('backpack',)
depends_on = '0003_row_security'  # the core's station tables and policy function

TABLES = ('backpack_request', 'backpack_visit', 'backpack_step')


def upgrade():
    op.create_table('backpack_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('resident_name', sa.String(length=64), nullable=False),
    sa.Column('resident_phone', sa.String(length=20), nullable=False),
    sa.Column('resident_id_number', sa.String(length=18), nullable=True),
    sa.Column('village', sa.String(length=60), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('reason_note', sa.String(length=300), nullable=True),
    sa.Column('service', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('needs_delivery', sa.Boolean(), nullable=False),
    sa.Column('delivered_on', sa.Date(), nullable=True),
    sa.Column('received_by', sa.String(length=12), nullable=True),
    sa.Column('received_by_name', sa.String(length=64), nullable=True),
    sa.Column('follow_up', sa.Boolean(), nullable=False),
    sa.Column('follow_up_note', sa.Text(), nullable=True),
    sa.Column('follow_up_done_on', sa.Date(), nullable=True),
    sa.Column('finished_on', sa.Date(), nullable=True),
    sa.Column('cannot_reason', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_backpack_request_created_by_user_account')),
    sa.ForeignKeyConstraint(['officer_id'], ['user_account.id'], name=op.f('fk_backpack_request_officer_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id'], ['station.id'], name=op.f('fk_backpack_request_tenant_id_station'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backpack_request')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_backpack_request_tenant_id_id'))
    )
    with op.batch_alter_table('backpack_request', schema=None) as batch_op:
        batch_op.create_index('ix_backpack_request_status', ['tenant_id', 'status', 'visit_date'], unique=False)
        batch_op.create_index('ix_backpack_request_finished', ['tenant_id', 'finished_on'], unique=False)

    op.create_table('backpack_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('what_done', sa.Text(), nullable=False),
    sa.Column('photos_taken', sa.Boolean(), nullable=False),
    sa.Column('documents_collected', sa.String(length=500), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['user_account.id'], name=op.f('fk_backpack_visit_recorded_by_user_account')),
    sa.ForeignKeyConstraint(['tenant_id', 'request_id'], ['backpack_request.tenant_id', 'backpack_request.id'], name=op.f('fk_backpack_visit_tenant_id_request_id_backpack_request')),
    sa.ForeignKeyConstraint(['tenant_id'], ['station.id'], name=op.f('fk_backpack_visit_tenant_id_station'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backpack_visit')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_backpack_visit_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'request_id', name=op.f('uq_backpack_visit_tenant_id_request_id'))
    )
    op.create_table('backpack_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_backpack_step_author_id_user_account')),
    sa.ForeignKeyConstraint(['tenant_id', 'request_id'], ['backpack_request.tenant_id', 'backpack_request.id'], name=op.f('fk_backpack_step_tenant_id_request_id_backpack_request')),
    sa.ForeignKeyConstraint(['tenant_id'], ['station.id'], name=op.f('fk_backpack_step_tenant_id_station'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backpack_step')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_backpack_step_tenant_id_id'))
    )
    enable_row_security(*TABLES)


def downgrade():
    disable_row_security(*TABLES)
    op.drop_table('backpack_step')
    op.drop_table('backpack_visit')
    with op.batch_alter_table('backpack_request', schema=None) as batch_op:
        batch_op.drop_index('ix_backpack_request_finished')
        batch_op.drop_index('ix_backpack_request_status')

    op.drop_table('backpack_request')
