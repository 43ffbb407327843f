"""backpack: each request stands in a village of the station's ground; the villages setting
goes, its order becomes the ground's order

Revision ID: backpack_0002
Revises: backpack_0001
Create Date: 2026-12-02 14:00:00

"""
import sqlalchemy as sa
from alembic import op

from app.plugin_api import (
    every_station_rows,
    migration_rebuilt_keeping_rows,
    migration_text_from_villages,
    migration_villages_first,
    migration_villages_from_text,
)

revision = 'backpack_0002'
down_revision = 'backpack_0001'
branch_labels = None
depends_on = '0008_ground'

# The setting's default in the release before (plugins/backpack/schemas.py then): what a
# station that never saved its settings offered. A copy: the module's code moves on.
DEFAULT_VILLAGES = ["河口村", "骆家咀村", "石门村", "青龙村", "大坪村"]
# Where a request with no village text at all goes (the old form never allowed one, but
# a hand-made row may): a retired village, so nothing is lost and nothing new goes there.
UNNAMED = "未注明村"
FK = 'fk_backpack_request_tenant_id_village_id_ground_village'
INDEX = 'ix_backpack_request_village'

_request = sa.table('backpack_request', sa.column('id'), sa.column('tenant_id'),
                    sa.column('village'), sa.column('village_id'))
_village = sa.table('ground_village', sa.column('tenant_id'), sa.column('name'),
                    sa.column('position'), sa.column('active'))
_settings = sa.table('station_plugin', sa.column('id'), sa.column('tenant_id'),
                     sa.column('plugin'), sa.column('settings', sa.JSON()))


def _clean(name) -> str:
    return " ".join(str(name or "").split())


def _route_lists(bind) -> dict[int, list[str]]:
    """Each station's villages in the order of its route: its setting, or the default's
    names its requests use when it never saved one."""
    stored = {t: (s or {}).get('villages') for t, s in bind.execute(
        sa.select(_settings.c.tenant_id, _settings.c.settings)
        .where(_settings.c.plugin == 'backpack')).all()}
    used: dict[int, set[str]] = {}
    for tenant_id, text in bind.execute(sa.select(_request.c.tenant_id, _request.c.village)):
        used.setdefault(tenant_id, set()).add(_clean(text))
    lists = {}
    for tenant_id in set(stored) | set(used):
        listed = stored.get(tenant_id)
        if isinstance(listed, list) and listed:
            names = [_clean(n) for n in listed]
        else:
            names = [n for n in DEFAULT_VILLAGES if n in used.get(tenant_id, ())]
        lists[tenant_id] = list(dict.fromkeys(n for n in names if n))
    return lists


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('backpack_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('village_id', sa.Integer(), nullable=True))
    # The route sheet followed the setting: its villages come first in the ground's order,
    # as listed; then each request points at the village its text names.
    with every_station_rows('backpack_request', 'station_plugin'):
        lists = _route_lists(bind)
    for tenant_id, names in lists.items():
        migration_villages_first(tenant_id, names)
    migration_villages_from_text('backpack_request', 'village', 'village_id', blank_to=UNNAMED)
    with every_station_rows('station_plugin'):
        rows = bind.execute(sa.select(_settings.c.id, _settings.c.settings)
                            .where(_settings.c.plugin == 'backpack')).all()
        for row_id, stored in rows:
            if isinstance(stored, dict) and 'villages' in stored:
                kept = {k: v for k, v in stored.items() if k != 'villages'}
                bind.execute(sa.update(_settings).where(_settings.c.id == row_id)
                             .values(settings=kept))
    with migration_rebuilt_keeping_rows('backpack_request'), \
            op.batch_alter_table('backpack_request', schema=None) as batch_op:
        batch_op.alter_column('village_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(FK, 'ground_village', ['tenant_id', 'village_id'],
                                    ['tenant_id', 'id'])
        batch_op.create_index(INDEX, ['tenant_id', 'village_id'], unique=False)
        batch_op.drop_column('village')


def downgrade():
    bind = op.get_bind()
    with op.batch_alter_table('backpack_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('village', sa.String(length=60), nullable=True))
    migration_text_from_villages('backpack_request', 'village', 'village_id')
    with every_station_rows('station_plugin', 'ground_village'):
        # The setting comes back as the ground's villages in use, in its order (the
        # release before accepts at most 100).
        rows = bind.execute(sa.select(_settings.c.id, _settings.c.tenant_id,
                                      _settings.c.settings)
                            .where(_settings.c.plugin == 'backpack')).all()
        for row_id, tenant_id, stored in rows:
            names = [n for (n,) in bind.execute(
                sa.select(_village.c.name).where(_village.c.tenant_id == tenant_id,
                                                 _village.c.active.is_(True))
                .order_by(_village.c.position, _village.c.name).limit(100))]
            if names:
                bind.execute(sa.update(_settings).where(_settings.c.id == row_id)
                             .values(settings={**(stored or {}), 'villages': names}))
    with migration_rebuilt_keeping_rows('backpack_request'), \
            op.batch_alter_table('backpack_request', schema=None) as batch_op:
        batch_op.alter_column('village', existing_type=sa.String(length=60), nullable=False)
        batch_op.drop_index(INDEX)
        batch_op.drop_constraint(FK, type_='foreignkey')
        batch_op.drop_column('village_id')
