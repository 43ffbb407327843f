"""Onboarding: creating counties and stations with their first admin.

One function per act, shared by the county console, the CLI and the demo, so a rule is
checked the same way wherever a station is created.
"""

from flask_babel import lazy_gettext as _l
from marshmallow import validates
from sqlalchemy import select

from app import audit
from app.enrolment import AlreadyMember, BelongsElsewhere, Enrolment, PersonForm, enrol
from app.extensions import db
from app.forms import Form, Text, ValidationError, length, load, validate
from tenants.context import county_context, station_context
from tenants.models import SLUG_RE, County, Station

SLUG_RULE = validate.Regexp(
    SLUG_RE, error=_l("2 to 64 characters: lower-case letters, digits and '-'.")
)


class _NamedForm(Form):
    """A name and a URL short name that must be unique among ``model``'s rows."""

    model: type
    name = Text(required=True, validate=length(100))
    slug = Text(required=True, validate=SLUG_RULE)

    @validates("slug")
    def _unique(self, value, **kwargs):
        if db.session.scalar(select(self.model.id).where(self.model.slug == value)):
            raise ValidationError(_l("This short name is already taken."))


class CountyForm(_NamedForm):
    model = County


class StationForm(_NamedForm):
    model = Station


class NewStationForm(StationForm):
    """A station and its first station admin, in one form."""

    admin_username = Text(required=True)
    admin_full_name = Text(required=True)
    admin_phone = Text(load_default=None)


class OnboardingError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def create_county(data: dict) -> County:
    clean, errors = load(CountyForm(), data)
    if errors:
        raise OnboardingError(errors)
    county = County(**clean)
    db.session.add(county)
    db.session.flush()
    return county


def create_station(county: County, data: dict, admin_password: str | None = None,
                   modules=()):
    """Create a station in ``county`` with its first station admin and ``modules``
    (module keys) switched on with their default settings.

    Returns ``(station, enrolment)``; the enrolment carries the admin's invitation token
    when the account is new and no password was given. Raises :class:`OnboardingError`
    with a message per field; nothing is written then.
    """
    clean, errors = load(NewStationForm(), data)
    person, person_errors = load(PersonForm(), {
        "username": data.get("admin_username"),
        "full_name": data.get("admin_full_name"),
        "phone": data.get("admin_phone"),
    })
    errors.update({f"admin_{k}": v for k, v in person_errors.items()})
    if errors:
        raise OnboardingError(errors)
    with county_context(county):  # the database lets a county open its own stations only
        station = Station(county=county, name=clean["name"], slug=clean["slug"])
        db.session.add(station)
        db.session.flush()
    # Open the station's own chain, so `audit verify` can tell a whole removed chain.
    audit.record("station.open", station_id=station.id, object_type="station",
                 object_id=station.id)
    try:
        enrolment: Enrolment = enrol(
            station=station, role="station_admin", password=admin_password, **person
        )
    except (AlreadyMember, BelongsElsewhere) as exc:
        raise OnboardingError({
            "admin_username": str(_l("This account belongs to another county or to the "
                                     "county bureau; choose another username."))
        }) from exc
    db.session.flush()
    switch_on(station, modules)
    return station, enrolment


def switch_on(station: Station, keys) -> None:
    """Switch modules on in load order, so a module's requirement comes before it."""
    from app.modules import ModuleError, enable, station_modules
    from app.plugin_host import host

    wanted = set(keys)
    unknown = wanted - set(host().plugins)
    if unknown:
        raise OnboardingError({"modules": str(_l("Unknown module: %(keys)s",
                                                 keys=", ".join(sorted(unknown))))})
    with station_context(station):
        rows = station_modules(station)
        for key in host().plugins:
            if key in wanted:
                try:
                    enable(station, key, rows=rows)
                except ModuleError as exc:
                    raise OnboardingError({"modules": exc.errors["_schema"]}) from exc
        db.session.flush()
