from flask import g, render_template
from markupsafe import Markup
from sqlalchemy import func, select

from app.access import require
from app.extensions import db
from app.ground.coverage import compute as ground_coverage
from app.permissions import STATION_VIEW
from app.plugin_host import host
from app.station.blueprint import bp
from app.station.notices import Notice
from app.users import Membership


@bp.get("/")
@require(STATION_VIEW)
def home():
    notices = db.session.scalars(
        select(Notice).order_by(Notice.pinned.desc(), Notice.created_at.desc()).limit(5)
    ).all()
    member_count = db.session.scalar(
        select(func.count()).select_from(Membership).where(
            Membership.station_id == g.station.id, Membership.active.is_(True)
        )
    )
    # A module's card is the HTML its own autoescaped template rendered.
    cards = [
        Markup(c)  # noqa: S704 - already escaped by the module's template
        for c in (p.home_card() for p in host().enabled() if p.home_card) if c
    ]
    return render_template("station/home.html", notices=notices, member_count=member_count,
                           modules=host().enabled(), cards=cards,
                           ground_gaps=ground_coverage().total)
