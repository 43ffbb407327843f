"""row-level security on the core's station-owned tables

Revision ID: 0003_row_security
Revises: 0002_modules
Create Date: 2026-11-23 09:10:00

Modules put their own tables behind the same policy in their migrations
(``app.plugin_api.enable_row_security``), depending on this revision.
"""
from tenants import row_security

revision = '0003_row_security'
down_revision = '0002_modules'
branch_labels = None
depends_on = None

TABLES = ('station_notice', 'station_plugin', 'module_handoff')


def upgrade():
    row_security.on_postgresql(row_security.CREATE_SCOPE_FUNCTION)
    row_security.enable(*TABLES)


def downgrade():
    row_security.disable(*TABLES)
    row_security.on_postgresql(row_security.DROP_SCOPE_FUNCTION)
