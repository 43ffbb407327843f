"""tourism: the module's volunteers become the station's community forces of kind
volunteer; the roster's people on duty point at them

Revision ID: tourism_0002
Revises: tourism_0001
Create Date: 2026-12-02 14:00:00

"""
from alembic import op
import sqlalchemy as sa

from app.plugin_api import (
    disable_row_security,
    enable_row_security,
    every_station_rows,
    migration_add_force,
)


revision = 'tourism_0002'
down_revision = 'tourism_0001'
branch_labels = None
depends_on = '0008_ground'

OLD_FK = 'fk_tourism_assignment_tenant_id_volunteer_id_tourism_volunteer'
OLD_UQ = 'uq_tourism_assignment_tenant_id_cell_id_volunteer_id'
NEW_FK = 'fk_tourism_assignment_tenant_id_force_id_ground_force'
NEW_UQ = 'uq_tourism_assignment_tenant_id_cell_id_force_id'

_volunteer = sa.table('tourism_volunteer', sa.column('id'), sa.column('tenant_id'),
                      sa.column('name'), sa.column('phone'), sa.column('team'),
                      sa.column('active'), sa.column('created_at'))
_assignment = sa.table('tourism_assignment', sa.column('id'), sa.column('tenant_id'),
                       sa.column('volunteer_id'), sa.column('force_id'))
_force = sa.table('ground_force', sa.column('id'), sa.column('tenant_id'), sa.column('name'),
                  sa.column('phone'), sa.column('kind'), sa.column('team'),
                  sa.column('active'), sa.column('created_at'))


def _repoint(bind, old: str, new: str, mapping: dict[tuple[int, int], int]) -> None:
    """Every assignment's ``new`` column from its ``old`` one, station by station."""
    with every_station_rows('tourism_assignment'):
        for (tenant_id, old_id), new_id in mapping.items():
            bind.execute(sa.update(_assignment).where(
                _assignment.c.tenant_id == tenant_id, _assignment.c[old] == old_id)
                .values({new: new_id}))


def _person(row) -> tuple:
    """Who a volunteer or force is, as the downgrade writes a force into a volunteer."""
    return row.tenant_id, row.name, row.phone or None, (row.team or '')[:40]


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('tourism_assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('force_id', sa.Integer(), nullable=True))
    with every_station_rows('tourism_volunteer', 'ground_force'):
        volunteers = bind.execute(sa.select(_volunteer).order_by(_volunteer.c.id)).all()
        forces = bind.execute(sa.select(_force).order_by(_force.c.id)).all()
    # After a way back the station's forces are still there (the downgrade keeps them):
    # a volunteer who is one of them gets that force again, whatever its kind, rather
    # than a second one. Each force answers for one volunteer only, as two people may
    # share a name; the one the volunteer came from first (the downgrade keeps its id).
    free: dict[tuple, list[int]] = {}
    for f in forces:
        free.setdefault(_person(f), []).append(f.id)
    mapping = {}
    for v in volunteers:
        same = free.get(_person(v), [])
        if same:
            force_id = v.id if v.id in same else same[0]
            same.remove(force_id)
        else:
            force_id = migration_add_force(
                v.tenant_id, name=v.name, phone=v.phone, kind='volunteer', team=v.team,
                active=bool(v.active), created_at=v.created_at)
        mapping[(v.tenant_id, v.id)] = force_id
    _repoint(bind, 'volunteer_id', 'force_id', mapping)
    with op.batch_alter_table('tourism_assignment', schema=None) as batch_op:
        batch_op.drop_constraint(OLD_FK, type_='foreignkey')
        batch_op.drop_constraint(OLD_UQ, type_='unique')
        batch_op.drop_column('volunteer_id')
        batch_op.create_foreign_key(NEW_FK, 'ground_force', ['tenant_id', 'force_id'],
                                    ['tenant_id', 'id'])
        batch_op.create_unique_constraint(NEW_UQ, ['tenant_id', 'cell_id', 'force_id'])
    disable_row_security('tourism_volunteer')
    op.drop_table('tourism_volunteer')


def downgrade():
    bind = op.get_bind()
    op.create_table('tourism_volunteer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('team', sa.String(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['station.id'], name=op.f('fk_tourism_volunteer_tenant_id_station'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tourism_volunteer')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_tourism_volunteer_tenant_id_id'))
    )
    enable_row_security('tourism_volunteer')
    with op.batch_alter_table('tourism_assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('volunteer_id', sa.Integer(), nullable=True))
    # The module's volunteers again: the station's volunteers, and anyone the roster has
    # on duty whose kind has changed since; the forces stay on the ground.
    with every_station_rows('tourism_volunteer', 'tourism_assignment', 'ground_force'):
        used = sa.select(_assignment.c.force_id).where(
            _assignment.c.tenant_id == _force.c.tenant_id,
            _assignment.c.force_id == _force.c.id).exists()
        forces = bind.execute(sa.select(_force).where(
            sa.or_(_force.c.kind == 'volunteer', used)).order_by(_force.c.id)).all()
        # Each volunteer keeps its force's id, so that upgrading again finds that force.
        mapping = {(f.tenant_id, f.id): bind.scalar(sa.insert(_volunteer).values(
            id=f.id, tenant_id=f.tenant_id, name=f.name, phone=f.phone,
            team=(f.team or '')[:40], active=bool(f.active), created_at=f.created_at)
            .returning(_volunteer.c.id)) for f in forces}
        if bind.dialect.name == 'postgresql':  # ids given: the sequence moves past them
            op.execute("SELECT setval(pg_get_serial_sequence('tourism_volunteer', 'id'), "
                       "coalesce((SELECT max(id) FROM tourism_volunteer), 0) + 1, false)")
    _repoint(bind, 'force_id', 'volunteer_id', mapping)
    with op.batch_alter_table('tourism_assignment', schema=None) as batch_op:
        batch_op.drop_constraint(NEW_UQ, type_='unique')
        batch_op.drop_constraint(NEW_FK, type_='foreignkey')
        batch_op.drop_column('force_id')
        batch_op.create_foreign_key(OLD_FK, 'tourism_volunteer', ['tenant_id', 'volunteer_id'],
                                    ['tenant_id', 'id'])
        batch_op.create_unique_constraint(OLD_UQ, ['tenant_id', 'cell_id', 'volunteer_id'])
