"""The benchmark's county (bench/county.py): made through the product's own code, with
stations of different sizes and every module's history reaching back as far as asked."""

import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.clock import local_today
from tests.conftest import _settings, within_station

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from county import COUNTY_SLUG, generate, station_slug  # noqa: E402


def test_the_county_has_a_history_as_long_as_asked_in_every_module(app, database_urls):
    from app.extensions import db
    from plugins.appointments.models import Booking
    from plugins.courtyard.models import Session
    from plugins.mediation.models import Case
    from plugins.tourism.models import RosterCell

    made = generate(_settings(database_urls[0]), stations=2, days=200, jobs=2,
                    log=lambda _line: None)
    assert made["slugs"] == [station_slug(0), station_slug(1)]
    assert made["audit_events"] > 0

    def oldest():
        return {model.__name__: db.session.scalar(select(func.min(column)))
                for model, column in ((Session, Session.held_on), (Case, Case.opened_on),
                                      (Booking, Booking.day), (RosterCell, RosterCell.day))}

    today = local_today()
    sizes = []
    for slug in made["slugs"]:
        # Beyond the three months of the demo county, in every module.
        assert all(day < today - timedelta(days=100) for day in
                   within_station(app, slug, oldest).values())
        sizes.append(within_station(app, slug, lambda: db.session.scalar(
            select(func.count()).select_from(Case))))
    assert sizes[0] != sizes[1]  # stations of different sizes, for a fair comparison
    with app.app_context():
        from tenants.models import County

        assert db.session.scalar(select(County.id).where(County.slug == COUNTY_SLUG))
