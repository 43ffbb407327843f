"""``fengqiao figures``: the county's stored figures, refreshed or computed on demand."""

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from app.county.figures import is_closed, refresh_county
from app.extensions import db
from app.periods import Period
from tenants.models import County


@click.group("figures")
def figures_group():
    """The county's stored figures (月晾晒)."""


@figures_group.command("compute")
@click.option("--county", "county_slug", help="one county's short name (default: every county)")
@click.option("--period", "periods", multiple=True, metavar="PERIOD",
              help="a closed month (2026-11), quarter (2026-Q3) or year (2025); repeatable. "
                   "Default: the periods the county's pages show")
@click.option("--all", "everything", is_flag=True,
              help="compute every figure again, not only those missing or out of date")
@with_appcontext
def figures_compute(county_slug, periods, everything):
    """Store the figures that are missing or out of date (what the recurring job does)."""
    wanted = []
    for text in periods:
        period = Period.read(text)
        if period is None:
            raise click.UsageError(_("%(text)s is not a month, quarter or year.", text=text))
        if not is_closed(period):
            raise click.UsageError(_("%(period)s is not over yet: its figures are counted "
                                     "live.", period=period.label))
        wanted.append(period)
    query = select(County).order_by(County.id)
    if county_slug:
        query = query.where(County.slug == county_slug)
    counties = db.session.scalars(query).all()
    if county_slug and not counties:
        raise click.UsageError(_("No county %(slug)s.", slug=county_slug))
    for county in counties:
        count = refresh_county(county, wanted or None, everything=everything or bool(wanted))
        db.session.commit()
        click.echo(_("%(county)s: %(count)d figures stored.", county=county.name, count=count))
