"""A county declared in one file: ``fengqiao tenants apply county.yaml``.

The manifest names the county with its own people (county IT, county leadership), its
stations, the modules each station runs (with their settings), each station's admins and
its villages. Applying it makes the database match: stations are created or renamed, listed
modules switched on (settings replaced when given), unlisted ones switched off (their data
kept), listed people created or given their role, listed villages created or updated by
name (the values given). Nothing else is removed: people, stations and villages missing
from the file are left alone.

Applying twice changes nothing the second time. Every problem is reported with where it is
in the file, and then nothing at all is written: the whole run is one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields
from sqlalchemy import select

from app.enrolment import PersonForm, enrol, may_join, may_take_role
from app.extensions import db
from app.forms import Form, Text, length
from app.ground.models import VILLAGE, VILLAGE_KINDS, Village
from app.ground.spreadsheets import VillageRow, renamed_villages
from app.modules import ModuleError, disable, enable, station_modules, validate_settings
from app.permissions import COUNTY_ROLES
from app.plugin_host import host
from app.users import User, normalise_username, role_from_word
from tenants.context import county_context, station_context
from tenants.models import County, Station
from tenants.onboarding import SLUG_RULE, OnboardingError, create_county, create_station

_UNKNOWN = {"unknown": _l("Unknown key: check its spelling.")}


class _Strict(Form):
    class Meta:
        unknown = "raise"  # a misspelt key in a file is a mistake, not a form's extra button

    error_messages = _UNKNOWN


class CountySpec(_Strict):
    slug = Text(required=True, validate=SLUG_RULE)
    name = Text(required=True, validate=length(100))
    # Checked one by one (CountyUserSpec), so one bad entry does not hide the rest.
    users = fields.Raw(load_default=list)


class AdminSpec(PersonForm):
    class Meta:
        unknown = "raise"

    error_messages = _UNKNOWN


class CountyRole(Text):
    """A county role by its key or its name as the web shows it (县局领导), loaded as the key."""

    def _deserialize(self, value, attr, data, **kwargs):
        role = role_from_word(super()._deserialize(value, attr, data, **kwargs))
        if role not in COUNTY_ROLES:
            raise ValidationError(_("county_admin (county IT) or county_viewer (county "
                                    "leadership)"))
        return role


class CountyUserSpec(AdminSpec):
    """One of the county bureau's own people, with their role in the county."""

    role = CountyRole(required=True)


class StationSpec(_Strict):
    slug = Text(required=True, validate=SLUG_RULE)
    name = Text(required=True, validate=length(100))
    modules = fields.Raw(load_default=dict)
    admins = fields.List(fields.Nested(AdminSpec), load_default=list)
    # Checked one by one (VillageSpec), so one bad village does not hide the rest.
    villages = fields.Raw(load_default=None)


class VillageSpec(VillageRow):
    """A village of a station by its name, as the spreadsheet import reads one: the keys
    given are set, those left out are left as they are."""

    class Meta:
        unknown = "raise"
        # Who covers it and whether it is in use are kept on the station's ground page.
        exclude = ("officer_id", "auxiliary_id", "active")

    error_messages = _UNKNOWN


@dataclass
class Outcome:
    changes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    invitations: list[tuple[str, str]] = field(default_factory=list)  # (username, token)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_file(path: str) -> tuple[dict | None, list[str]]:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except OSError as exc:
        return None, [f"{path}: {exc.strerror}"]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        problem = getattr(exc, "problem", exc)
        return None, [f"{where}: " + _("not valid YAML (%(problem)s)", problem=problem)]
    if not isinstance(doc, dict):
        return None, [f"{path}: " + _("the file must hold a mapping with county and stations")]
    return doc, []


def apply(doc: dict, dry_run: bool = False) -> Outcome:
    """Make the database match ``doc``. Commits only when there is no problem and not
    ``dry_run``; otherwise rolls everything back."""
    outcome = Outcome()
    spec = _load(doc, outcome)
    _check_within_file(spec, outcome)
    if spec["county"] is not None:
        # Even with problems found so far, the rest is tried, so that one run reports
        # every problem (another county's short name, an account that works elsewhere).
        _apply(spec, outcome)
    if outcome.ok and not dry_run:
        db.session.commit()
    else:
        db.session.rollback()
        outcome.invitations = []
    return outcome


def _load(doc: dict, outcome: Outcome) -> dict:
    """Each part validated on its own, so a bad station does not hide the others' problems."""
    for key in sorted(set(doc) - {"county", "stations"}, key=str):
        outcome.problems.append(f"{key}: {_UNKNOWN['unknown']}")
    county = None
    if not isinstance(doc.get("county"), dict):
        outcome.problems.append("county: " + _("a mapping with slug and name is required"))
    else:
        try:
            county = CountySpec().load(doc["county"])
        except ValidationError as err:
            outcome.problems += _locate(err.messages, doc["county"], "county")
        users = _load_county_users(doc["county"].get("users", []), outcome)
        if county is not None:
            county["users"] = users
    stations = []
    items = doc.get("stations")
    if not isinstance(items, list):
        outcome.problems.append("stations: " + _("a list of stations is required"))
        items = []
    for i, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise ValidationError({"_schema": [_("each station is a mapping")]})
            stations.append((i, StationSpec().load(item)))
        except ValidationError as err:
            outcome.problems += _locate(err.messages, item, _where(i, item))
    return {"county": county, "stations": stations}


def _load_county_users(items, outcome: Outcome) -> list[tuple[int, dict]]:
    if not isinstance(items, list):
        outcome.problems.append("county.users: " + _(
            "a list of people, each with username, full_name and role"))
        return []
    users = []
    for i, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise ValidationError({"_schema": [_("each person is a mapping")]})
            users.append((i, CountyUserSpec().load(item)))
        except ValidationError as err:
            outcome.problems += _locate(err.messages, item, f"county.users[{i}]")
    return users


def _check_within_file(spec: dict, outcome: Outcome) -> None:
    if spec["county"] is not None:
        first: dict[str, int] = {}
        for i, person in spec["county"]["users"]:
            if person["username"] in first:  # one account has one role in a county
                outcome.problems.append(f"county.users[{i}].username: " + _(
                    "the same username as county.users[%(i)d]", i=first[person["username"]]))
            first.setdefault(person["username"], i)
    seen: dict[str, int] = {}
    for i, station in spec["stations"]:
        where = _where(i, station)
        if station["slug"] in seen:
            outcome.problems.append(
                f"{where}.slug: "
                + _("the same short name as stations[%(i)d]", i=seen[station["slug"]])
            )
        seen.setdefault(station["slug"], i)
        station["modules"] = _checked_modules(station["modules"], where, outcome)
        station["villages"] = _checked_villages(station["villages"], where, outcome)


def _checked_modules(modules, where: str, outcome: Outcome) -> dict | None:
    """The station's modules as ``{key: settings or None}``, or None when they have a
    problem (then they are reported here, once, and left out of the apply)."""
    problems = len(outcome.problems)
    if isinstance(modules, list):
        if not all(isinstance(key, str) for key in modules):
            outcome.problems.append(f"{where}.modules: " + _(
                "a list of module keys, or a mapping of module keys to their settings"))
            return None
        modules = dict.fromkeys(modules)
    if not isinstance(modules, dict) or not all(isinstance(k, str) for k in modules):
        outcome.problems.append(f"{where}.modules: " + _(
            "a list of module keys, or a mapping of module keys to their settings"))
        return None
    for key, settings in modules.items():
        plugin = host().plugins.get(key)
        if plugin is None:
            outcome.problems.append(f"{where}.modules.{key}: " + _("no such module is installed"))
            continue
        for required in plugin.requires:
            if required not in modules:
                outcome.problems.append(f"{where}.modules.{key}: " + _(
                    "needs %(required)s, which is not listed", required=required))
        if settings is None:
            continue
        if not isinstance(settings, dict):
            outcome.problems.append(f"{where}.modules.{key}: " + _(
                "settings must be a mapping of names to values"))
            continue
        known = set(plugin.settings().fields) if plugin.settings else set()
        for name in sorted(set(settings) - known, key=str):
            outcome.problems.append(f"{where}.modules.{key}.{name}: {_UNKNOWN['unknown']}")
        try:
            validate_settings(plugin, settings)
        except ModuleError as exc:
            for name, message in exc.errors.items():
                outcome.problems.append(f"{where}.modules.{key}.{name}: {message}")
    return modules if len(outcome.problems) == problems else None


def _checked_villages(items, where: str, outcome: Outcome) -> list[dict] | None:
    """The station's villages, each loaded by :class:`VillageSpec`, or None when absent
    or with a problem (then reported here and left out of the apply)."""
    if items is None:
        return None
    if not isinstance(items, list):
        outcome.problems.append(f"{where}.villages: " + _(
            "a list of villages, each with at least a name"))
        return None
    problems, out, first = len(outcome.problems), [], {}
    for j, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else None
        place = f"{where}.villages[{j}]" + (f" ({name})" if isinstance(name, str) else "")
        try:
            if not isinstance(item, dict):
                raise ValidationError({"_schema": [_("each village is a mapping")]})
            # Only the keys given: the form's defaults would overwrite the rest.
            village = {k: v for k, v in VillageSpec().load(item).items() if k in item}
        except ValidationError as err:
            outcome.problems += _locate(err.messages, item, place)
            continue
        if village["name"] in first:
            outcome.problems.append(f"{place}.name: " + _(
                "the same name as villages[%(j)d]", j=first[village["name"]]))
        first.setdefault(village["name"], j)
        out.append(village)
    return out if len(outcome.problems) == problems else None


def _apply(spec: dict, outcome: Outcome) -> None:
    county = db.session.scalar(select(County).where(County.slug == spec["county"]["slug"]))
    if county is None:
        county = create_county({"slug": spec["county"]["slug"], "name": spec["county"]["name"]})
        outcome.changes.append(f"+ county {county.slug} {county.name}")
    # Everything else is the county's act, in its context: the database refuses a change
    # to another county's people or stations.
    with county_context(county):
        _apply_to(county, spec, outcome)


def _apply_to(county: County, spec: dict, outcome: Outcome) -> None:
    if county.name != spec["county"]["name"]:
        outcome.changes.append(
            f"~ county {county.slug} name: {county.name} -> {spec['county']['name']}"
        )
        county.name = spec["county"]["name"]

    slugs = [s["slug"] for _i, s in spec["stations"]]
    existing = {
        s.slug: s for s in db.session.scalars(select(Station).where(Station.slug.in_(slugs)))
    }
    usernames = {
        normalise_username(a["username"]) for _i, s in spec["stations"] for a in s["admins"]
    } | {normalise_username(p["username"]) for _i, p in spec["county"]["users"]}
    users = {
        u.username: u for u in db.session.scalars(select(User).where(User.username.in_(usernames)))
    }

    # The county's own people first, in the file's order: an account listed both there and
    # as a station's admin is then refused as a station admin, as enrolment refuses it.
    for i, person in spec["county"]["users"]:
        try:
            _ensure_county_user(county, person, outcome, users, f"users[{i}]")
        except OnboardingError as exc:
            outcome.problems += [
                f"county.{name}: {message}" for name, message in exc.errors.items()
            ]

    for i, item in spec["stations"]:
        where = _where(i, item)
        station = existing.get(item["slug"])
        if station is not None and station.county_id != county.id:
            outcome.problems.append(
                f"{where}.slug: " + _("this short name belongs to a station of another county")
            )
            continue
        try:
            if station is None:
                station = _create(county, item, outcome, users)
            else:
                _update(station, item, outcome, users)
        except OnboardingError as exc:
            outcome.problems += [
                f"{where}.{name}: {message}" for name, message in exc.errors.items()
            ]
            continue
        if item["modules"] is not None:
            _modules(station, item["modules"], where, outcome)
        if item["villages"]:
            _villages(station, item["villages"], where, outcome)
    db.session.flush()


def _create(county: County, item: dict, outcome: Outcome, users: dict) -> Station:
    if not item["admins"]:
        raise OnboardingError({"admins": _("a new station needs at least one admin")})
    first, *others = item["admins"]
    # The station is not there yet: the rule needs only its county.
    _check_may_join(users.get(first["username"]), "admins[0]", station=Station(
        county_id=county.id))
    station, enrolment = create_station(
        county,
        {
            "name": item["name"],
            "slug": item["slug"],
            "admin_username": first["username"],
            "admin_full_name": first["full_name"],
            "admin_phone": first.get("phone"),
        },
    )
    outcome.changes.append(f"+ station {station.slug} {station.name}")
    _note_admin(station, enrolment, outcome, users)
    for j, admin in enumerate(others, start=1):
        _ensure_admin(station, admin, outcome, users, f"admins[{j}]")
    return station


def _update(station: Station, item: dict, outcome: Outcome, users: dict) -> None:
    if station.name != item["name"]:
        outcome.changes.append(f"~ station {station.slug} name: {station.name} -> {item['name']}")
        station.name = item["name"]
    for j, admin in enumerate(item["admins"]):
        _ensure_admin(station, admin, outcome, users, f"admins[{j}]")


def _check_may_join(user: User | None, where: str, station: Station | None = None,
                    county: County | None = None) -> None:
    """The account may join ``station`` or ``county`` (enrolment's rule), or the problem."""
    if user is not None and not may_join(user, station, county):
        raise OnboardingError(
            {
                f"{where}.username": str(
                    _l(
                        "This account belongs to another county or to the county bureau; "
                        "choose another username."
                    )
                )
            }
        )


def _ensure_admin(station: Station, admin: dict, outcome: Outcome, users: dict, where: str) -> None:
    user = users.get(admin["username"])
    membership = None
    if user is not None:
        membership = next((m for m in user.memberships if m.station_id == station.id), None)
    if membership is not None:
        if not may_take_role(membership, "station_admin"):
            raise OnboardingError({f"{where}.username": str(_l(
                "A county account cannot also be a station's admin."))})
        if membership.role != "station_admin" or not membership.active:
            outcome.changes.append(
                f"~ admin {station.slug}/{user.username} role: {membership.role} -> station_admin"
            )
            membership.role, membership.active = "station_admin", True
        return
    _check_may_join(user, where, station=station)
    enrolment = enrol(
        username=admin["username"],
        full_name=admin["full_name"],
        phone=admin.get("phone"),
        role="station_admin",
        station=station,
    )
    _note_admin(station, enrolment, outcome, users)


def _ensure_county_user(county: County, person: dict, outcome: Outcome, users: dict,
                        where: str) -> None:
    """Give ``person`` their role in ``county``: as the stations' admins, a new account is
    created with an invitation link, an existing one is enrolled or has its role set."""
    user, role = users.get(person["username"]), person["role"]
    membership = None
    if user is not None:
        membership = next((m for m in user.memberships if m.county_id == county.id), None)
    if membership is not None:
        changed = [f"role: {membership.role} -> {role}"] if membership.role != role else []
        changed += [] if membership.active else ["active: no -> yes"]
        if changed:
            outcome.changes.append(f"~ county user {county.slug}/{user.username} "
                                   + "; ".join(changed))
            membership.role, membership.active = role, True
        return
    _check_may_join(user, where, county=county)
    enrolment = enrol(username=person["username"], full_name=person["full_name"],
                      phone=person.get("phone"), role=role, county=county)
    # Flushed now, so the membership's county_id is set when the same account comes up
    # again further down the file (a station's admin): enrolment's rules read it.
    db.session.flush()
    user = enrolment.membership.user
    users[user.username] = user
    mark = "+" if enrolment.created_user else "~"
    outcome.changes.append(f"{mark} county user {county.slug}/{user.username} {role}")
    if enrolment.invite_token:
        outcome.invitations.append((user.username, enrolment.invite_token))


def _note_admin(station: Station, enrolment, outcome: Outcome, users: dict) -> None:
    user = enrolment.membership.user
    users[user.username] = user
    mark = "+" if enrolment.created_user else "~"
    outcome.changes.append(f"{mark} admin {station.slug}/{user.username}")
    if enrolment.invite_token:
        outcome.invitations.append((user.username, enrolment.invite_token))


def _modules(station: Station, wanted: dict, where: str, outcome: Outcome) -> None:
    rows = station_modules(station)
    plugins = host().plugins
    try:
        for key in plugins:  # load order: a requirement comes first
            if key not in wanted:
                continue
            row, settings = rows.get(key), wanted[key]
            before = (row.enabled, row.settings) if row is not None else (False, None)
            row = enable(station, key, settings, rows=rows)
            if not before[0]:
                outcome.changes.append(f"+ module {station.slug}/{key}")
            elif settings is not None and before[1] != row.settings:
                outcome.changes.append(f"~ module {station.slug}/{key} settings")
        for key in reversed(list(plugins)):  # dependants are switched off first
            row = rows.get(key)
            if key not in wanted and row is not None and row.enabled:
                disable(station, key, rows=rows)
                outcome.changes.append(
                    f"- module {station.slug}/{key} " + _("(switched off; its records are kept)")
                )
    except ModuleError as exc:
        outcome.problems += [f"{where}.modules: {message}" for message in exc.errors.values()]


def _villages(station: Station, wanted: list[dict], where: str, outcome: Outcome) -> None:
    """Create or update the station's villages by name; none is removed. A village the
    station renamed, listed by its former name, is a problem: not a new village."""

    def shown(key, value) -> str:
        if value is None:
            return "—"
        return str(VILLAGE_KINDS[value]) if key == "kind" else str(value)

    # Station-owned rows: written in the station's own context, and flushed in it.
    with station_context(station):
        existing = {v.name: v for v in db.session.scalars(select(Village))}
        renamed = renamed_villages(existing)
        position = max((v.position for v in existing.values()), default=-1)
        for j, spec in enumerate(wanted):  # all of the station's list, so j is its place
            village = existing.get(spec["name"])
            if spec["name"] in renamed:
                outcome.problems.append(f"{where}.villages[{j}] ({spec['name']}).name: " + _(
                    "This village is now called %(name)s: write that name.",
                    name=renamed[spec["name"]]))
                continue
            if village is None:
                position += 1
                db.session.add(Village(position=position, **({"kind": VILLAGE} | spec)))
                outcome.changes.append(f"+ village {station.slug}/{spec['name']}")
                continue
            changed = [(key, value) for key, value in spec.items()
                       if getattr(village, key) != value]
            if changed:
                outcome.changes.append(f"~ village {station.slug}/{village.name} " + "; ".join(
                    f"{key}: {shown(key, getattr(village, key))} -> {shown(key, value)}"
                    for key, value in changed))
                for key, value in changed:
                    setattr(village, key, value)
        db.session.flush()


def _where(i: int, item) -> str:
    slug = item.get("slug") if isinstance(item, dict) else None
    return f"stations[{i}]" + (f" ({slug})" if slug else "")


def _locate(messages, doc, prefix: str = "") -> list[str]:
    """Flatten marshmallow's nested errors into ``stations[3] (slug).admins[0].phone: ...``."""
    out = []
    for key, value in messages.items():
        if isinstance(key, int):
            item = doc[key] if isinstance(doc, list) and key < len(doc) else None
            path = prefix + (
                f"[{key}]"
                + (
                    f" ({item['slug']})"
                    if isinstance(item, dict) and isinstance(item.get("slug"), str)
                    else ""
                )
            )
            child = item
        elif key == "_schema":  # about the item as a whole
            path, child = prefix, doc
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
            child = doc.get(key) if isinstance(doc, dict) else None
        if isinstance(value, dict):
            out += _locate(value, child, path)
        else:
            text = value[0] if isinstance(value, list) and value else value
            out.append(f"{path}: {text}")
    return out
