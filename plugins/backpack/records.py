"""What of backpack policing stands in a village of the station's ground: its home-service
requests (the village's page, the county's counts per village)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.plugin_api import VillageRecords

from .models import HomeRequest


def _requests():
    return select(HomeRequest.village_id.label("village_id"), HomeRequest.id.label("id"),
                  HomeRequest.service.label("title"), HomeRequest.requested_on.label("day"))


VILLAGE_RECORDS = (
    VillageRecords(key="backpack.requests", label=_l("Home-service requests"),
                   query=_requests, endpoint="plugin_backpack.request_page",
                   id_arg="backpack_request_id"),
)
