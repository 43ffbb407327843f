"""What of dispute mediation stands in a village of the station's ground: its cases (the
village's page, the county's counts per village)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.plugin_api import VillageRecords

from .models import Case


def _cases():
    return select(Case.village_id.label("village_id"), Case.id.label("id"),
                  Case.title.label("title"), Case.opened_on.label("day"))


VILLAGE_RECORDS = (
    VillageRecords(key="mediation.cases", label=_l("Mediation cases"), query=_cases,
                   endpoint="plugin_mediation.case", id_arg="case_id"),
)
