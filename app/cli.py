"""The ``fengqiao`` command: Flask's CLI plus the platform's own groups.

``db`` comes from Flask-Migrate; ``demo``, ``county``, ``station``, ``user``, ``audit`` and
``worker`` are defined here. Bad input is reported in the user's language and writes nothing;
so is a database that was never migrated, for every command at once (:class:`_Commands`).
"""

import sys
from contextlib import contextmanager

import click
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from flask_babel import gettext as _
from sqlalchemy import inspect, select
from sqlalchemy.exc import DBAPIError, InternalError, ProgrammingError

from app.audit.chain import act_as_cli
from app.enrolment import echo_invitations
from app.extensions import db


def _create_app():
    from app import create_app
    from app.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:  # a clear message, not a traceback
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


class _Commands(FlaskGroup):
    """Flask's command group, telling a database without its tables from a bug: any command
    that reaches a missing table says to run ``fengqiao db upgrade`` and exits 2 (as a
    missing setting does), instead of a traceback. ``db`` itself is left alone: it is what
    creates the tables."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DBAPIError as exc:
            if ctx.invoked_subcommand == "db" or not _missing_table(exc):
                raise
            _not_migrated(ctx.ensure_object(ScriptInfo).load_app())


def _missing_table(exc: DBAPIError) -> bool:
    """Whether ``exc`` is a table that does not exist: SQLite's message, or PostgreSQL's
    SQLSTATE 42P01 (undefined_table), which holds whatever the server's language."""
    return getattr(exc.orig, "sqlstate", None) == "42P01" or "no such table" in str(exc.orig)


def _not_migrated(app) -> None:
    # A fresh context (and session): the command's own ended with its failed transaction.
    with app.app_context():
        versioned = inspect(db.engine).has_table("alembic_version")
        click.echo(_("The database lacks tables this version needs: run `fengqiao db "
                     "upgrade` first.") if versioned else
                   _("The database has no tables yet: run `fengqiao db upgrade` first."),
                   err=True)
    sys.exit(2)


cli = _Commands(create_app=_create_app, help="Fengqiao (枫桥) platform commands.")


def _fail(errors: dict[str, str]) -> None:
    db.session.rollback()
    for field, message in errors.items():
        click.echo(f"  {field}: {message}", err=True)
    sys.exit(2)


@contextmanager
def _as_owner():
    """What only the database owner may do: the app's own role is refused by PostgreSQL,
    and the command says how to run it instead of failing with a traceback."""
    try:
        yield
    except (ProgrammingError, InternalError) as exc:
        if getattr(exc.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        _fail({"database": _("Only the database owner may do this. Run the command with "
                             "the owner's DATABASE_URL (the one migrations use).")})


def register_commands(app) -> None:
    from flask_migrate.cli import db as db_group

    from app.county.figures_cli import figures_group
    from app.plugin_cli import jobs_group, plugins_group
    from app.workers import scheduler_command, worker_command
    from tenants.manifest_cli import tenants_group

    db_group.add_command(db_upgrade)
    for command in (demo_command, county_group, station_group, user_group, audit_group,
                    worker_command, scheduler_command, plugins_group, jobs_group,
                    tenants_group, figures_group):
        app.cli.add_command(command)


@click.command("upgrade")
@click.option("--sql", is_flag=True, help="print the SQL instead of running it")
@click.option("--grant-to", "app_role", envvar="FENGQIAO_APP_ROLE", default=None,
              help="PostgreSQL: the app's role, granted what it needs after upgrading")
@click.argument("revision", default="heads")
@with_appcontext
def db_upgrade(sql, app_role, revision):
    """Upgrade the core and every installed module to the newest schema (run it as the
    tables' owner)."""
    from flask_migrate import upgrade

    upgrade(revision=revision, sql=sql)
    if app_role and not sql and db.engine.dialect.name == "postgresql":
        from tenants.row_security import grant_app_role

        with db.engine.begin() as connection:
            grant_app_role(connection, app_role)
        click.echo(_("Granted the app role %(role)s its privileges.", role=app_role))


@click.command("demo")
@with_appcontext
def demo_command():
    """Seed the demo county (once) and print its sign-ins."""
    from app.demo import PASSWORD, seed

    act_as_cli()
    created, accounts = seed()
    click.echo(_("Demo county created.") if created else _("Demo county already present."))
    click.echo(_("Demo sign-ins (password: %(password)s):", password=PASSWORD))
    for username, description in accounts:
        click.echo(f"  {username:<18} {description}")


@click.group("county")
def county_group():
    """Counties (县公安局)."""


@county_group.command("create")
@click.option("--name", required=True, help="e.g. 示范县公安局")
@click.option("--slug", required=True, help="short name used in URLs, e.g. shifan")
@with_appcontext
def county_create(name, slug):
    from tenants.onboarding import OnboardingError, create_county

    act_as_cli()
    try:
        county = create_county({"name": name, "slug": slug})
    except OnboardingError as exc:
        _fail(exc.errors)
    db.session.commit()
    click.echo(_("County %(name)s created.", name=county.name))


@click.group("station")
def station_group():
    """Stations (派出所), the tenants."""


@station_group.command("create")
@click.option("--county", "county_slug", required=True, help="the county's short name")
@click.option("--name", required=True, help="e.g. 东岭派出所")
@click.option("--slug", required=True, help="short name used in URLs, e.g. dongling")
@click.option("--admin-username", required=True)
@click.option("--admin-name", required=True, help="the first station admin's full name")
@click.option("--admin-phone", default=None)
@click.option("--admin-password", default=None,
              help="set a password now instead of printing an invitation link")
@click.option("--module", "modules", multiple=True, help="a module to switch on (repeatable)")
@with_appcontext
def station_create(county_slug, name, slug, admin_username, admin_name, admin_phone,
                   admin_password, modules):
    """Create a station with its first station admin."""
    from tenants.models import County
    from tenants.onboarding import OnboardingError, create_station

    act_as_cli()
    county = db.session.scalar(select(County).where(County.slug == county_slug))
    if county is None:
        _fail({"county": _("No county with the short name %(slug)s.", slug=county_slug)})
    try:
        station, enrolment = create_station(county, {
            "name": name, "slug": slug, "admin_username": admin_username,
            "admin_full_name": admin_name, "admin_phone": admin_phone,
        }, admin_password=admin_password, modules=modules)
    except OnboardingError as exc:
        _fail(exc.errors)
    db.session.commit()
    click.echo(_("Station %(name)s created at /s/%(slug)s/.", name=station.name, slug=station.slug))
    if enrolment.invite_token:
        echo_invitations([(enrolment.membership.user.username, enrolment.invite_token)])


@station_group.command("list")
@click.option("--county", "county_slug", default=None)
@with_appcontext
def station_list(county_slug):
    from tenants.models import County, Station

    stmt = select(Station, County).join(County).order_by(County.slug, Station.slug)
    if county_slug:
        stmt = stmt.where(County.slug == county_slug)
    for station, county in db.session.execute(stmt):
        state = "" if station.active else " (inactive)"
        click.echo(f"{county.slug:<14} {station.slug:<20} {station.name}{state}")


@click.group("user")
def user_group():
    """User accounts."""


@user_group.command("create")
@click.option("--username", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--phone", default=None)
@click.option("--county", "county_slug", default=None,
              help="a county account: the county's short name, with --role county_admin "
                   "(county IT) or county_viewer (county leadership)")
@click.option("--station", "station_slug", default=None,
              help="a station account: the station's short name, with --role station_admin, "
                   "officer or auxiliary")
@click.option("--role", default=None, help="the account's role in the county or station")
@click.option("--platform-admin", is_flag=True, help="may run the whole deployment")
@click.option("--password", default=None,
              help="set a password now instead of printing an invitation link "
                   "(a platform admin is asked for one when not given)")
@with_appcontext
def user_create(username, full_name, phone, county_slug, station_slug, role, platform_admin,
                password):
    """Create an account with a role in a county or a station (printing its invitation
    link unless --password is given), or a platform admin. An existing account is given
    the role, as the web's "add a person" does."""
    from app.enrolment import PersonForm
    from app.forms import load
    from app.users import User, find_user

    act_as_cli()
    # Stripped, as the web forms do, so the password works there too.
    password = password.strip() if password is not None else None
    place, errors = _place(county_slug, station_slug, role, platform_admin)
    data, person_errors = load(PersonForm(), {"username": username, "full_name": full_name,
                                              "phone": phone})
    errors.update(person_errors)
    existing = find_user(data["username"]) if data else None
    if existing is not None and platform_admin:
        errors["username"] = _("This username is already taken.")
    elif existing is not None and password:
        # The role is given to the account as it is: its password is not reset in passing.
        errors["username"] = _("%(username)s exists already: leave out --password (use "
                               "`fengqiao user set-password` to change it).",
                               username=existing.username)
    if password is not None:
        errors.update(_password_problem(password))
    if errors:
        _fail(errors)
    if platform_admin:
        # Asked only now, so a mistake above does not cost typing a password twice.
        password = password or click.prompt(_("Password"), hide_input=True,
                                            confirmation_prompt=True).strip()
        errors = _password_problem(password)
        if errors:
            _fail(errors)
        with _as_owner():
            user = User(**data, is_platform_admin=True)
            db.session.add(user)
            user.set_first_password(password)
            db.session.commit()
        click.echo(_("User %(username)s created.", username=user.username))
        return
    _enrol_from_cli(data, place, password)


def _place(county_slug, station_slug, role, platform_admin) -> tuple[dict, dict]:
    """Where a new account works, as ``enrol``'s ``county=``/``station=`` and ``role=``
    (empty for a platform admin), and the problems with those options."""
    from app.permissions import COUNTY_ROLES, STATION_ROLES
    from app.users import role_from_word
    from tenants.models import County, Station

    if platform_admin:
        if county_slug or station_slug or role:
            return {}, {"platform_admin": _(
                "A platform admin works everywhere: leave out --county, --station and --role.")}
        return {}, {}
    if bool(county_slug) == bool(station_slug):
        return {}, {"county": _("Say where the account works: --county or --station (with "
                                "--role), or --platform-admin.")}
    if county_slug:
        where = db.session.scalar(select(County).where(County.slug == county_slug))
        scope, roles = "county", COUNTY_ROLES
        missing = _("No county with the short name %(slug)s.", slug=county_slug)
    else:
        where = db.session.scalar(select(Station).where(Station.slug == station_slug))
        scope, roles = "station", STATION_ROLES
        missing = _("No station with the short name %(slug)s.", slug=station_slug)
    errors = {} if where is not None else {scope: missing}
    key = role_from_word(role or "")  # the key, or the role's name as the web shows it
    if key not in roles:
        errors["role"] = _("Choose one of: %(roles)s.", roles=", ".join(roles))
    return {scope: where, "role": key}, errors


def _password_problem(password: str) -> dict[str, str]:
    from app.passwords import MIN_LENGTH

    if len(password) < MIN_LENGTH:
        return {"password": _("Use at least %(n)d characters.", n=MIN_LENGTH)}
    return {}


def _enrol_from_cli(data: dict, place: dict, password: str | None) -> None:
    from app.enrolment import AlreadyMember, BelongsElsewhere, enrol
    from app.users import role_label

    where = place.get("county") or place.get("station")
    try:
        enrolment = enrol(**data, **place, password=password)
    except AlreadyMember:
        _fail({"username": _("This account already belongs to %(place)s.", place=where.name)})
    except BelongsElsewhere:
        _fail({"username": _("This account belongs to another county or to the county "
                             "bureau; choose another username.")})
    db.session.commit()
    user, role = enrolment.membership.user, role_label(enrolment.membership.role)
    if enrolment.created_user:
        click.echo(_("User %(username)s created: %(role)s of %(place)s.",
                     username=user.username, role=role, place=where.name))
    else:
        click.echo(_("The existing account %(username)s is now %(role)s of %(place)s.",
                     username=user.username, role=role, place=where.name))
    if enrolment.invite_token:
        echo_invitations([(user.username, enrolment.invite_token)])


@user_group.command("set-password")
@click.argument("username")
@click.password_option()
@with_appcontext
def user_set_password(username, password):
    from app.passwords import MIN_LENGTH
    from app.users import find_user

    act_as_cli()
    password = password.strip()
    user = find_user(username)
    if user is None:
        _fail({"username": _("No such user.")})
    if len(password) < MIN_LENGTH:
        _fail({"password": _("Use at least %(n)d characters.", n=MIN_LENGTH)})
    with _as_owner():
        user.set_password_as_owner(password)
        db.session.commit()
    click.echo(_("Password changed for %(username)s.", username=user.username))


@click.group("audit")
def audit_group():
    """The tamper-evident audit log."""


@audit_group.command("verify")
@click.option("--chain", default=None, help="only this chain, e.g. station:3")
@click.option("--heads", "heads_file", type=click.Path(dir_okay=False), default=None,
              help="a published heads document (default: the newest in the heads folder)")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="processes checking chains at once on PostgreSQL "
                   "(default: one per CPU, at most 4)")
@with_appcontext
def audit_verify(chain, heads_file, workers):
    """Check every hash chain against its keys and the last published heads; exit 1
    naming the first bad row of each broken chain. Run it with the owner's DATABASE_URL:
    the app's own role reads no chain outside its context."""
    from pathlib import Path

    from app.audit import heads, verify
    from app.audit.chain import MAX_DEFAULT_WORKERS, CheckNotRun, usable_cpus

    path = Path(heads_file) if heads_file else heads.latest()
    try:
        published = heads.load(path) if path else None
    except heads.BadHeads as exc:
        click.echo(_("The heads document %(path)s cannot be trusted: %(why)s",
                     path=path, why=exc), err=True)
        click.echo(_("Audit log verification FAILED."), err=True)
        sys.exit(1)
    if path is None:
        click.echo(_("No published heads found: checking the chains among themselves only."),
                   err=True)
    # One snapshot: rows committed while verifying must not look like removed ones.
    postgres = db.engine.dialect.name == "postgresql"
    options = {"isolation_level": "REPEATABLE READ"} if postgres else {}
    try:
        with _as_owner(), db.engine.connect().execution_options(**options) as connection, \
                connection.begin():
            result = verify(connection, only_chain=chain, published=published,
                            workers=workers or min(usable_cpus(), MAX_DEFAULT_WORKERS))
    except CheckNotRun as exc:
        # Exit 2, not 1: an alarm on a broken chain must not fire for a check that failed.
        click.echo(_("The audit log could not be checked: %(why)s", why=exc), err=True)
        sys.exit(2)
    if result.ok:
        click.echo(_("Audit log intact: %(rows)d rows in %(chains)d chains.",
                     rows=result.rows, chains=result.chains))
        if path:
            click.echo(_("Checked against the heads published in %(path)s.", path=path))
        return
    for problem in result.problems:
        click.echo(problem, err=True)
    click.echo(_("Audit log verification FAILED."), err=True)
    sys.exit(1)


@audit_group.command("publish")
@with_appcontext
def audit_publish():
    """Sign every chain's head and publish it outside the database now (the scheduler
    does it every hour)."""
    from app.audit import heads

    path = heads.publish()
    click.echo(_("Heads of the audit chains published in %(path)s.", path=path))
