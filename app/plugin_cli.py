"""``fengqiao plugins`` and ``fengqiao jobs``: the installed modules, their state, and
their recurring jobs run by hand (the scheduler runs them on their schedule)."""

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.plugin_host import host


@click.group("plugins")
def plugins_group():
    """Installed station modules."""


@plugins_group.command("list")
@with_appcontext
def plugins_list():
    """Each installed module, its version, requirements and how many stations use it;
    then every module that could not be loaded, with the reason."""
    plugins = host().plugins
    counts = _stations_using() if plugins else {}
    if not plugins:
        click.echo(_("No modules are installed."))
    for key, plugin in plugins.items():
        requires = ", ".join(plugin.requires) or "-"
        click.echo(f"{key:<16} {plugin.version:<8} {_('loaded'):<8} "
                   f"{plugin.name_zh} / {plugin.name_en}")
        click.echo("  " + _("requires: %(requires)s; switched on in %(n)d stations",
                            requires=requires, n=counts.get(key, 0)))
    for problem in host().problems:
        click.echo(f"{problem.name:<16} {'-':<8} {_('skipped'):<8} {problem.reason}")
    if host().problems:
        sys.exit(1)


def _stations_using() -> dict[str, int]:
    from app.modules import StationPlugin
    from tenants.context import county_context
    from tenants.models import County

    counts: dict[str, int] = {}
    for county in db.session.scalars(select(County)):
        with county_context(county):  # one county at a time: no context sees them all
            rows = db.session.execute(
                select(StationPlugin.plugin, func.count())
                .where(StationPlugin.enabled.is_(True)).group_by(StationPlugin.plugin)
            )
            for key, n in rows:
                counts[key] = counts.get(key, 0) + n
    return counts


@click.group("jobs")
def jobs_group():
    """Recurring jobs that modules declare."""


@jobs_group.command("list")
@with_appcontext
def jobs_list():
    """Every recurring job with its schedule."""
    for plugin in host().plugins.values():
        for job in plugin.jobs:
            click.echo(f"{job.key:<32} {job.cron:<16} {job.label}")


@jobs_group.command("run")
@click.argument("key")
@click.option("--station", "station_slug", default=None, help="only this station")
@with_appcontext
def jobs_run(key, station_slug):
    """Run recurring job KEY now in every station that has its module on."""
    from app.jobs import run_recurring

    try:
        stations = run_recurring(key, station_slug)
        db.session.commit()  # on Redis, the jobs are pushed once this commits
    except LookupError as exc:
        click.echo(_("Error: %(reason)s", reason=str(exc)), err=True)
        sys.exit(2)
    click.echo(_("%(key)s ran in %(n)d stations.", key=key, n=stations))
