"""the county's stored figures (each station's metric per closed period) and the
generation of each station's records per module, behind the station policy; the county's
targets per metric and its meeting reports, behind a policy of the county's own

Revision ID: 0009_county_figures
Revises: 0008_ground
Create Date: 2026-12-04 19:10:00

"""
from alembic import op
import sqlalchemy as sa

from tenants import row_security


revision = '0009_county_figures'
down_revision = '0008_ground'
branch_labels = None
depends_on = None

TABLES = ('stored_figure', 'figure_generation')

_COUNTY = "nullif(current_setting('fengqiao.county_id', true), '')::integer"
_STATION = "nullif(current_setting('fengqiao.station_id', true), '')::integer"
COUNTY_TABLES = ('metric_target', 'county_report')
# Narrowing the station policy (restrictive: AND'ed with it). A station reads its own
# stored figures but only the county's context writes them (else a station could rank
# itself); a station counts its own generations up, never down, and none is deleted.
RESTRICTIONS = [
    ("stored_figure", "county_inserts", "INSERT", None, "_STATION IS NULL"),
    ("stored_figure", "county_updates", "UPDATE", "_STATION IS NULL", "_STATION IS NULL"),
    ("stored_figure", "county_deletes", "DELETE", "_STATION IS NULL", None),
    ("figure_generation", "never_deleted", "DELETE", "false", None),
]
ONLY_UP = """
CREATE OR REPLACE FUNCTION fengqiao_generation_only_up() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF fengqiao_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF NEW.tenant_id IS DISTINCT FROM OLD.tenant_id OR NEW.module IS DISTINCT FROM OLD.module
       OR NEW.generation <= OLD.generation THEN
        RAISE EXCEPTION 'a generation only counts up'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$"""
# Read in the county and its stations; set from the county's own context only.
_OWN = f"(county_id = {_COUNTY} AND {_STATION} IS NULL)"
COUNTY_POLICIES = [
    # Targets are read by the county's stations too (their own figures against them);
    # reports, which rank every station, by the county alone.
    ("metric_target", "county_reads", "SELECT", f"(county_id = {_COUNTY})", None),
    ("county_report", "county_reads", "SELECT", _OWN, None),
    *((table, "county_sets", "ALL", _OWN, _OWN) for table in COUNTY_TABLES),
]


def upgrade():
    op.create_table('stored_figure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=32), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('numerator', sa.Integer(), nullable=True),
    sa.Column('denominator', sa.Integer(), nullable=True),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['station.id'], name=op.f('fk_stored_figure_tenant_id_station'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_figure')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_stored_figure_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'metric', 'period', name=op.f('uq_stored_figure_tenant_id_metric_period'))
    )
    with op.batch_alter_table('stored_figure', schema=None) as batch_op:
        batch_op.create_index('ix_stored_figure_period', ['period', 'metric'], unique=False)
    op.create_table('figure_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=32), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['station.id'], name=op.f('fk_figure_generation_tenant_id_station'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_generation')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_figure_generation_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'module', name=op.f('uq_figure_generation_tenant_id_module'))
    )
    op.create_table('metric_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('operator', sa.String(length=2), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("operator IN ('>=', '<=', '=')", name=op.f('ck_metric_target_operator')),
    sa.ForeignKeyConstraint(['county_id'], ['county.id'], name=op.f('fk_metric_target_county_id_county')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_target')),
    sa.UniqueConstraint('county_id', 'metric', name=op.f('uq_metric_target_county_id_metric'))
    )

    op.create_table('county_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('against', sa.String(length=8), nullable=False),
    sa.Column('basis', sa.String(length=10), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('xlsx', sa.LargeBinary(), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_county_report_status')),
    sa.ForeignKeyConstraint(['county_id'], ['county.id'], name=op.f('fk_county_report_county_id_county')),
    sa.ForeignKeyConstraint(['requested_by'], ['user_account.id'], name=op.f('fk_county_report_requested_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_county_report'))
    )
    with op.batch_alter_table('county_report', schema=None) as batch_op:
        batch_op.create_index('ix_county_report_county_time', ['county_id', 'requested_at'], unique=False)

    row_security.enable(*TABLES)
    row_security.on_postgresql(
        *(f'CREATE POLICY {name} ON {table} AS RESTRICTIVE FOR {command}'
          + (f' USING ({using.replace("_STATION", _STATION)})' if using else '')
          + (f' WITH CHECK ({check.replace("_STATION", _STATION)})' if check else '')
          for table, name, command, using, check in RESTRICTIONS),
        ONLY_UP,
        "REVOKE ALL ON FUNCTION fengqiao_generation_only_up() FROM PUBLIC",
        "CREATE TRIGGER only_up BEFORE UPDATE ON figure_generation FOR EACH ROW "
        "EXECUTE FUNCTION fengqiao_generation_only_up()")
    row_security.on_postgresql(
        *(f'ALTER TABLE {table} ENABLE ROW LEVEL SECURITY' for table in COUNTY_TABLES),
        *(f'CREATE POLICY {name} ON {table} FOR {command}'
          + (f' USING {using}' if using else '')
          + (f' WITH CHECK {check}' if check else '')
          for table, name, command, using, check in COUNTY_POLICIES))


def downgrade():
    row_security.on_postgresql(*(f'DROP POLICY IF EXISTS {name} ON {table}'
                                 for table, name, *_ in COUNTY_POLICIES))
    row_security.on_postgresql(
        "DROP TRIGGER IF EXISTS only_up ON figure_generation",
        "DROP FUNCTION IF EXISTS fengqiao_generation_only_up()",
        *(f'DROP POLICY IF EXISTS {name} ON {table}' for table, name, *_ in RESTRICTIONS))
    row_security.disable(*TABLES)
    with op.batch_alter_table('county_report', schema=None) as batch_op:
        batch_op.drop_index('ix_county_report_county_time')
    op.drop_table('county_report')
    op.drop_table('metric_target')
    op.drop_table('figure_generation')
    with op.batch_alter_table('stored_figure', schema=None) as batch_op:
        batch_op.drop_index('ix_stored_figure_period')
    op.drop_table('stored_figure')
