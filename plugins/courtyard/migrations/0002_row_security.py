"""row-level security on courtyard's tables

Revision ID: courtyard_0002
Revises: courtyard_0001
Create Date: 2026-11-23 09:20:00

"""
from app.plugin_api import disable_row_security, enable_row_security

revision = 'courtyard_0002'
down_revision = 'courtyard_0001'
branch_labels = None
depends_on = '0003_row_security'  # the core's station policy function

TABLES = ('courtyard_point', 'courtyard_session', 'courtyard_concern', 'courtyard_concern_update')


def upgrade():
    enable_row_security(*TABLES)


def downgrade():
    disable_row_security(*TABLES)
