"""a session's time of day: when it starts and, when known, ends

Revision ID: courtyard_0003
Revises: courtyard_0002
Create Date: 2026-12-01 23:50:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'courtyard_0003'
down_revision = 'courtyard_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courtyard_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('ends_at', sa.Time(), nullable=True))


def downgrade():
    with op.batch_alter_table('courtyard_session', schema=None) as batch_op:
        batch_op.drop_column('ends_at')
        batch_op.drop_column('starts_at')
