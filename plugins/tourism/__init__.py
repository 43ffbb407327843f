"""旅游警务 · Tourist-zone posts (seed 003, 青木川派出所, a 4A scenic old town).

"客在景中走、警在四季守": posts in the scenic area with staffing that follows the visitors
through the seasons ("淡旺结合、遇峰增援、警力跟着游客走"), officers and 古镇义警 volunteers
on one roster; the warm-service lounge (暖心警务会客厅) counting its visitors and the help it
gives; and lost and found, with a public page where tourists report a loss or search.
"""

from flask_babel import lazy_gettext as _l

from app.plugin_api import ALL_ROLES, Job, NavEntry, Permission, Plugin

# The roster, lounge, lost-and-found and seasons pages are routes of the views' blueprint.
from . import lost, lounge, roster, seasons  # noqa: F401
from .api import api
from .demo import demo_data
from .jobs import flag_unclaimed
from .metrics import METRICS
from .models import (
    Assignment,
    FoundItem,
    HelpGiven,
    LossReport,
    PeakDay,
    RosterCell,
    VisitorCount,
)
from .public import public
from .schemas import Settings
from .views import bp, home_card, object_url

plugin = Plugin(
    key="tourism",
    name_zh="旅游警务",
    name_en="Tourist-zone posts",
    version="1.0.0",
    description_zh="景区岗点按淡季、平季、旺季配足警力，遇峰增援；民警、辅警和古镇义警同排一张班表；"
                   "暖心警务会客厅记录接待人次和各类求助；游客失物登记、比对、核验身份后返还，"
                   "并有免登录的失物招领查询页。",
    description_en="Posts in the scenic area staffed by season, with reinforcement on peak "
                   "days; officers, auxiliaries and volunteers on one roster; the warm-service "
                   "lounge's visitors and help given; lost and found with identity-checked "
                   "returns and a public page for tourists.",
    blueprint=bp,
    api_blueprint=api,
    public_blueprint=public,
    models=(RosterCell, Assignment, PeakDay, VisitorCount, HelpGiven, LossReport,
            FoundItem),
    settings=Settings,
    permissions=(
        Permission("tourism.view", _l("See tourist-zone posts"), ALL_ROLES),
        Permission("tourism.record", _l("Count visitors, record help and lost things"),
                   ("station_admin", "officer", "auxiliary", "county_admin")),
        Permission("tourism.manage", _l("Plan the roster and dispose of unclaimed items"),
                   ("station_admin", "officer", "county_admin")),
    ),
    navigation=(NavEntry("plugin_tourism.index", _l("Tourist-zone posts"), "tourism.view"),),
    metrics=METRICS,
    jobs=(Job("tourism.flag_unclaimed", flag_unclaimed, "15 6 * * *",
              _l("Flag found items unclaimed past the disposal days")),),
    demo_data=demo_data,
    object_url=object_url,
    home_card=home_card,
    # The counter's clicks are events, not row changes (VisitorCount is not audited).
    audit_labels={"tourism.visitors": _l("Visitors counted")},
)
