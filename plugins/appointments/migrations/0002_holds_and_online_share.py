"""appointments: online holds confirmed by a texted code, each day's online share, and
what staff need to release fake bookings

Revision ID: appointments_0002
Revises: appointments_0001
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa

from app.plugin_api import disable_row_security, enable_row_security, every_station_rows


revision = 'appointments_0002'
down_revision = 'appointments_0001'
branch_labels = None
depends_on = None

COLUMNS = ('expires_at', 'code_hash', 'client_hash', 'release_reason', 'release_note')


def upgrade():
    # Nullable columns and new indexes only: SQLite adds them in place (no copy of the
    # table, whose partial unique index a copy could lose), and the release before this
    # one keeps working on the new schema during an upgrade.
    op.add_column('appointments_booking', sa.Column('expires_at', sa.DateTime(), nullable=True))
    op.add_column('appointments_booking', sa.Column('code_hash', sa.String(length=64), nullable=True))
    op.add_column('appointments_booking', sa.Column('client_hash', sa.String(length=16), nullable=True))
    op.add_column('appointments_booking', sa.Column('release_reason', sa.String(length=12), nullable=True))
    op.add_column('appointments_booking', sa.Column('release_note', sa.String(length=100), nullable=True))
    op.create_index('ix_appointments_booking_expiry', 'appointments_booking',
                    ['tenant_id', 'status', 'expires_at'], unique=False)
    op.create_index('uq_appointments_booking_held', 'appointments_booking',
                    ['tenant_id', 'phone', 'service', 'day'], unique=True,
                    sqlite_where=sa.text("status = 'held'"),
                    postgresql_where=sa.text("status = 'held'"))
    op.create_table('appointments_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('online', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['station.id'], name=op.f('fk_appointments_day_tenant_id_station'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments_day')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_appointments_day_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'service', 'day', name=op.f('uq_appointments_day_tenant_id_service_day'))
    )
    enable_row_security('appointments_day')
    # The online places already taken, so the share holds from the first request on; every
    # station's rows, even for an owner that cannot bypass row security.
    with every_station_rows('appointments_booking', 'appointments_day'):
        op.execute(
            "INSERT INTO appointments_day (tenant_id, service, day, online) "
            "SELECT tenant_id, service, day, count(*) FROM appointments_booking "
            "WHERE channel = 'online' AND status IN ('booked', 'arrived', 'no_show') "
            "GROUP BY tenant_id, service, day"
        )


def downgrade():
    disable_row_security('appointments_day')
    op.drop_table('appointments_day')
    op.drop_index('uq_appointments_booking_held', table_name='appointments_booking',
                  sqlite_where=sa.text("status = 'held'"),
                  postgresql_where=sa.text("status = 'held'"))
    op.drop_index('ix_appointments_booking_expiry', table_name='appointments_booking')
    # The release before knows no holds: a hold becomes a cancelled booking and gives its
    # place back; a released one is cancelled already as far as it can tell.
    with every_station_rows('appointments_booking', 'appointments_slot'):
        op.execute(
            "UPDATE appointments_slot SET booked = booked - (SELECT count(*) FROM "
            "appointments_booking b WHERE b.tenant_id = appointments_slot.tenant_id "
            "AND b.slot_id = appointments_slot.id AND b.status = 'held')"
        )
        op.execute("UPDATE appointments_booking SET status = 'cancelled' "
                   "WHERE status IN ('held', 'released')")
    # In place (SQLite 3.35 and later drop a column without copying the table).
    for column in reversed(COLUMNS):
        op.drop_column('appointments_booking', column)
