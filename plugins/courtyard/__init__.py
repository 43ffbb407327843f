"""小院说事 · Courtyard talks (seed 001, 团堡派出所).

Meeting points in villages, where people gather; at each session the concerns raised
(烦心事 / 揪心事 / 暖心事) get an owner and a due date and are followed to a result; the
point's record book (记录簿) keeps the whole history.
"""

from flask_babel import lazy_gettext as _l

from app.plugin_api import ALL_ROLES, Job, NavEntry, Permission, Plugin

from .api import api
from .demo import demo_data
from .jobs import flag_overdue
from .metrics import METRICS
from .models import Concern, ConcernUpdate, Point, Session
from .records import VILLAGE_RECORDS
from .schemas import Settings
from .views import bp, home_card, object_url

plugin = Plugin(
    key="courtyard",
    name_zh="小院说事",
    name_en="Courtyard talks",
    version="1.0.0",
    description_zh="在村里设议事点，群众围坐说事；每件烦心事、揪心事、暖心事都有人负责、"
                   "有期限、有结果，记录簿留存全部经过。",
    description_en="Meeting points in villages where people talk things through; every "
                   "concern raised gets an owner, a due date and a result, and the point's "
                   "record book keeps the whole history.",
    blueprint=bp,
    api_blueprint=api,
    models=(Point, Session, Concern, ConcernUpdate),
    settings=Settings,
    permissions=(
        Permission("courtyard.view", _l("See courtyard talks"), ALL_ROLES),
        Permission("courtyard.record", _l("Record sessions and follow concerns"),
                   ("station_admin", "officer", "auxiliary", "county_admin")),
        Permission("courtyard.points", _l("Set up meeting points"),
                   ("station_admin", "officer", "county_admin")),
    ),
    navigation=(NavEntry("plugin_courtyard.index", _l("Courtyard talks"), "courtyard.view"),),
    metrics=METRICS,
    jobs=(Job("courtyard.flag_overdue", flag_overdue, "0 6 * * *",
              _l("Flag concerns past their due date")),),
    demo_data=demo_data,
    village_records=VILLAGE_RECORDS,
    object_url=object_url,
    home_card=home_card,
)
