"""What of courtyard talks stands in a village of the station's ground: its meeting points,
the sessions held at them and the concerns raised there (the village's page, the county's
counts per village)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.plugin_api import VillageRecords

from .models import Concern, Point, Session

_AT_POINT = (Point.id == Session.point_id) & (Point.tenant_id == Session.tenant_id)


def _points():
    # Even with nothing held yet, a point stands in the village (and keeps it from deletion).
    return select(Point.village_id.label("village_id"), Point.id.label("id"),
                  Point.name.label("title"), Point.created_at.label("day"))


def _sessions():
    return (select(Point.village_id.label("village_id"), Session.id.label("id"),
                   Point.name.label("title"), Session.held_on.label("day"))
            .select_from(Session).join(Point, _AT_POINT))


def _concerns():
    return (select(Point.village_id.label("village_id"), Concern.id.label("id"),
                   Concern.title.label("title"), Concern.raised_on.label("day"))
            .select_from(Concern)
            .join(Session, (Session.id == Concern.session_id)
                  & (Session.tenant_id == Concern.tenant_id))
            .join(Point, _AT_POINT))


VILLAGE_RECORDS = (
    VillageRecords(key="courtyard.points", label=_l("Meeting points"), query=_points,
                   endpoint="plugin_courtyard.point", id_arg="point_id"),
    VillageRecords(key="courtyard.sessions", label=_l("Courtyard sessions"), query=_sessions,
                   endpoint="plugin_courtyard.session", id_arg="session_id"),
    VillageRecords(key="courtyard.concerns", label=_l("Courtyard concerns"), query=_concerns,
                   endpoint="plugin_courtyard.concern", id_arg="concern_id"),
)
