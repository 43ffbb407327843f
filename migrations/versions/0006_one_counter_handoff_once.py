"""one counter for sign-in throttling and rate limits; an item handed to a target once

Sign-in failures are counted in ``rate_limit`` (keys ``signin:…``) like every other
attempt, so ``sign_in_throttle`` goes (its counts were at most one window old).

``module_handoff`` gets a unique key per source item and target. A second link made
before this revision (a double tap) is removed, keeping the first: the second case it
opened stays, and its own timeline still says where it came from.

Revision ID: 0006_one_counter_handoff_once
Revises: 0005_outbox_rate_limits
Create Date: 2026-12-01 23:40:00

"""
from alembic import op
import sqlalchemy as sa

from tenants import row_security


revision = '0006_one_counter_handoff_once'
down_revision = '0005_outbox_rate_limits'
branch_labels = None
depends_on = None

KEY = ['tenant_id', 'source_plugin', 'source_type', 'source_id', 'target_key']


def upgrade():
    op.drop_table('sign_in_throttle')
    with row_security.every_station('module_handoff'):  # every station's duplicates
        op.execute(
            "DELETE FROM module_handoff WHERE id NOT IN ("
            f"SELECT min(id) FROM module_handoff GROUP BY {', '.join(KEY)})"
        )
    with op.batch_alter_table('module_handoff', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_module_handoff_once', KEY)


def downgrade():
    with op.batch_alter_table('module_handoff', schema=None) as batch_op:
        batch_op.drop_constraint('uq_module_handoff_once', type_='unique')
    op.create_table('sign_in_throttle',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_throttle'))
    )
