"""三级联调 · Tiered dispute mediation (seeds 000, 002, 003, 004).

A dispute moves up the station's ladder (by default 百户长初调 → 治保主任复调 → 警务室联调 →
综治办及相关部门专班) until it is settled or closed otherwise; an agreement (调解协议书) is
printed for the parties and followed up to check it holds.
"""

from flask_babel import lazy_gettext as _l

from app.plugin_api import ALL_ROLES, Job, NavEntry, Permission, Plugin

from .demo import demo_data
from .handoff import TARGET
from .jobs import prepare_reminders
from .metrics import METRICS
from .models import Agreement, Attempt, Case, Event, Party, Reminder
from .records import VILLAGE_RECORDS
from .schemas import Settings
from .views import bp, home_card, object_url

plugin = Plugin(
    key="mediation",
    name_zh="三级联调",
    name_en="Dispute mediation",
    version="1.0.0",
    description_zh="矛盾纠纷按调解层级逐级化解：每次调解有记录，升级有理由，"
                   "达成协议出具调解协议书并回访，统计调解率、民转刑和十年以上积怨化解。",
    description_en="Disputes move up the station's mediation ladder: every attempt recorded, "
                   "every escalation reasoned, agreements printed and followed up; the county "
                   "gets its mediation rate, civil-to-criminal cases and old grudges settled.",
    blueprint=bp,
    models=(Case, Party, Attempt, Event, Agreement, Reminder),
    settings=Settings,
    permissions=(
        Permission("mediation.view", _l("See mediation cases"), ALL_ROLES),
        Permission("mediation.record", _l("Open cases and record mediation"),
                   ("station_admin", "officer", "auxiliary", "county_admin")),
    ),
    navigation=(NavEntry("plugin_mediation.index", _l("Dispute mediation"), "mediation.view"),),
    metrics=METRICS,
    jobs=(Job("mediation.reminders", prepare_reminders, "30 6 * * *",
              _l("Prepare follow-up and stuck-case reminders")),),
    demo_data=demo_data,
    handoff_targets=(TARGET,),
    village_records=VILLAGE_RECORDS,
    object_url=object_url,
    home_card=home_card,
    audit_labels={"mediation.export": _l("Exported cases")},
)
