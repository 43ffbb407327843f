"""预约办事 · Appointments (seeds 000 双堰 and 002 圣人涧).

The station's service catalogue (what it offers at the window, by appointment or at
home) and booking times at the window: residents book online without an account, staff
book for callers on the phone or WeChat, and the day's list shows who came. The evening
before, everyone booked is reminded by text message.
"""

from flask_babel import lazy_gettext as _l

from app.plugin_api import ALL_ROLES, Job, NavEntry, Permission, Plugin

from .api import api
from .demo import demo_data
from .jobs import release_holds, send_reminders
from .metrics import METRICS
from .models import Booking, Day, Slot
from .public import public
from .schemas import Settings
from .views import bp, home_card

plugin = Plugin(
    key="appointments",
    name_zh="预约办事",
    name_en="Appointments",
    version="1.0.0",
    description_zh="本所的办事目录（窗口办理、预约办理、上门服务）和户政窗口预约：群众在手机上"
                   "免登录预约时段，民警辅警可代电话、微信来约的群众预约；当天名单记录到场与"
                   "爽约，前一天傍晚短信提醒。",
    description_en="The station's service catalogue (at the window, by appointment or at "
                   "home) and appointments at the window: residents book a time on their "
                   "phone without an account, staff book for people who call or message on "
                   "WeChat, the day's list shows who came, and a text reminds everyone the "
                   "evening before.",
    blueprint=bp,
    api_blueprint=api,
    public_blueprint=public,
    models=(Slot, Day, Booking),
    settings=Settings,
    permissions=(
        Permission("appointments.view", _l("See appointments and the service catalogue"),
                   ALL_ROLES),
        Permission("appointments.handle", _l("Book for callers and note who came"),
                   ("station_admin", "officer", "auxiliary", "county_admin")),
    ),
    navigation=(NavEntry("plugin_appointments.index", _l("Appointments"),
                         "appointments.view"),),
    metrics=METRICS,
    jobs=(Job("appointments.send_reminders", send_reminders, "0 17 * * *",
              _l("Remind people booked for tomorrow")),
          Job("appointments.release_holds", release_holds, "*/5 * * * *",
              _l("Give back the places of online bookings not confirmed in time"))),
    demo_data=demo_data,
    home_card=home_card,
)
