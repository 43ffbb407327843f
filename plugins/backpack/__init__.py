"""背包警务 · Backpack policing (seed 003, 宁强县; home appointments of seed 002 and
洪警到家 of seed 001).

Officers carry a "police backpack" to the homes of the elderly, the ill and the disabled:
they take ID photos, collect information, bring certificates, so that the people who need
it most "do not have to make a single trip" (一次不要跑). The services come from the
station's catalogue, kept by the appointments module (those done "at home").
"""

from flask_babel import lazy_gettext as _l

from app.plugin_api import ALL_ROLES, Job, NavEntry, Permission, Plugin

from .api import api
from .demo import demo_data
from .jobs import remind_residents
from .metrics import METRICS
from .models import HomeRequest, Step, Visit
from .records import VILLAGE_RECORDS
from .schemas import Settings
from .views import bp, home_card, object_url

plugin = Plugin(
    key="backpack",
    name_zh="背包警务",
    name_en="Backpack policing",
    version="1.0.0",
    description_zh="民警背上警务背包上门，为老、弱、病、残群众拍照采集、办证送证、入户走访，"
                   "让最需要的人“一次不要跑”：受理请求、排出走访路线、手机记录上门情况、"
                   "证件送达到家。",
    description_en="Officers carry the police backpack to the homes of the elderly, the ill "
                   "and the disabled: ID photos, information, certificates brought home, so "
                   "the people who need it most do not have to make a single trip. Requests, "
                   "the day's route, the visit recorded on a phone, the delivery.",
    blueprint=bp,
    api_blueprint=api,
    models=(HomeRequest, Visit, Step),
    settings=Settings,
    permissions=(
        Permission("backpack.view", _l("See home services"), ALL_ROLES),
        Permission("backpack.record", _l("Take requests, record visits and deliveries"),
                   ("station_admin", "officer", "auxiliary", "county_admin")),
        Permission("backpack.plan", _l("Schedule visits, assign officers, close requests"),
                   ("station_admin", "officer", "county_admin")),
    ),
    navigation=(NavEntry("plugin_backpack.index", _l("Backpack policing"), "backpack.view"),),
    metrics=METRICS,
    jobs=(Job("backpack.remind", remind_residents, "0 17 * * *",
              _l("Text residents the day before a home visit")),),
    demo_data=demo_data,
    requires=("appointments",),
    object_url=object_url,
    home_card=home_card,
    audit_labels={"backpack_route_sheet": _l("Route sheet")},
    village_records=VILLAGE_RECORDS,
)
