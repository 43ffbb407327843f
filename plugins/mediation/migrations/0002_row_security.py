"""row-level security on mediation's tables

Revision ID: mediation_0002
Revises: mediation_0001
Create Date: 2026-11-23 09:20:00

"""
from app.plugin_api import disable_row_security, enable_row_security

revision = 'mediation_0002'
down_revision = 'mediation_0001'
branch_labels = None
depends_on = '0003_row_security'  # the core's station policy function

TABLES = ('mediation_case', 'mediation_agreement', 'mediation_attempt', 'mediation_event', 'mediation_party', 'mediation_reminder')


def upgrade():
    enable_row_security(*TABLES)


def downgrade():
    disable_row_security(*TABLES)
