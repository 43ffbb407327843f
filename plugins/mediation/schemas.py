"""One schema per resource for forms and API alike, and the module's settings (the ladder)."""

import re
from datetime import date

from flask_babel import LazyString, gettext, pgettext
from flask_babel import lazy_gettext as _l
from marshmallow import pre_load, validates, validates_schema

from app.plugin_api import (
    STATION_ROLES,
    ForceField,
    Form,
    Lines,
    Text,
    ValidationError,
    VillageField,
    fields,
    length,
    local_today,
    one_of,
    role_from_word,
    role_label,
    validate,
)

from .models import MEDIATOR_KINDS, METHODS, OUTCOMES, SOURCES, TYPES

DEFAULT_KINDS = ["邻里纠纷", "土地边界", "用水纠纷", "婚姻家庭", "债务纠纷", "损害赔偿", "其他"]
# Seed 000 (双堰): 百户长初调、治保主任复调、警务室联调; seed 004 (马良): the township office.
DEFAULT_LEVELS = [
    "百户长初调 | station_admin, officer, auxiliary",
    "治保主任复调 | station_admin, officer, auxiliary",
    "警务室联调 | station_admin, officer",
    "综治办及相关部门专班 | station_admin, officer",
]

_dates = validate.Range(
    date(1950, 1, 1), date(2100, 12, 31), error=_l("Please enter a date between 1950 and 2100.")
)


def parse_level(line: str) -> tuple[str, tuple[str, ...]]:
    """``"警务室联调 | station_admin, officer"`` -> the level's name and who may act there
    (every station role when none is named)."""
    name, _, roles = line.partition("|")
    named = tuple(r.strip() for r in roles.replace("，", ",").split(",") if r.strip())
    return name.strip(), named or STATION_ROLES


def role_words(roles=STATION_ROLES) -> str:
    """Roles by name in the reader's language: 所管理员、民警、辅警."""
    return pgettext("list separator", ", ").join(role_label(r) for r in roles)


class Levels(Lines):
    """The ladder's levels, typed with roles by name (百户长初调 | 所管理员, 民警) or by key;
    stored with the keys ("百户长初调 | station_admin, officer") as stations saved them
    before, so a stored ladder reads back unchanged."""

    def __init__(self, maximum_length: int, **kwargs):
        super().__init__(maximum_length=maximum_length, **kwargs)
        self.maximum_length = maximum_length

    def _deserialize(self, value, attr, data, **kwargs):
        levels = []
        for number, line in enumerate(super()._deserialize(value, attr, data, **kwargs), 1):
            name, _bar, words = line.replace("\uff5c", "|").partition("|")
            roles = []
            for word in (w.strip() for w in re.split(r"[,，、]", words) if w.strip()):
                role = role_from_word(word)
                if role not in STATION_ROLES:
                    raise ValidationError(gettext(
                        "Line %(number)d: %(word)s is not a role of the station; write "
                        "%(roles)s.", number=number, word=word, roles=role_words()))
                roles.append(role)
            level = f"{name.strip()} | {', '.join(roles)}" if roles else name.strip()
            # Keys are longer than 民警: what is stored must still load next time.
            if len(level) > self.maximum_length:
                raise ValidationError(gettext(
                    "Line %(number)d: the line is too long.", number=number))
            levels.append(level)
        return levels

    def _serialize(self, value, attr, obj, **kwargs):
        # Shown in the settings form with the roles' names, as the admin types them.
        shown = []
        for line in value or ():
            name, _bar, roles = line.partition("|")
            shown.append(f"{name.strip()} | {role_words(parse_level(line)[1])}"
                         if roles.strip() else name.strip())
        return shown


class Settings(Form):
    levels = Levels(
        maximum_length=120, load_default=lambda: list(DEFAULT_LEVELS),
        validate=validate.Length(1, 8, error=_l("Give between 1 and 8 levels.")),
        metadata={"label": _l("Levels of the ladder, lowest first"),
                  "help": LazyString(lambda: gettext(
                      "One per line: the level's name, then '|' and the roles that may act "
                      "there (%(roles)s); every role of the station when none is named.",
                      roles=role_words()))},
    )
    may_skip_levels = fields.Boolean(
        load_default=False,
        metadata={"label": _l("A case may skip levels when it is escalated")},
    )
    kinds = Lines(
        maximum_length=20, load_default=lambda: list(DEFAULT_KINDS),
        validate=validate.Length(1, 20, error=_l("Give between 1 and 20 kinds.")),
        metadata={"label": _l("Kinds of dispute"), "help": _l("One per line.")},
    )
    stuck_days = fields.Integer(
        load_default=15,
        validate=validate.Range(1, 365, error=_l("Enter a number of days from 1 to 365.")),
        metadata={"label": _l("Days at one level before a case shows as stuck")},
    )
    follow_up_days = fields.Integer(
        load_default=30,
        validate=validate.Range(1, 365, error=_l("Enter a number of days from 1 to 365.")),
        metadata={"label": _l("Days after an agreement to visit and check it holds")},
    )

    @validates("levels")
    def _named(self, value, **kwargs):
        # The roles were read by Levels: an unknown one never gets here.
        if any(not parse_level(line)[0] for line in value):
            raise ValidationError(_l("Each level needs a name."))


class _Choices(Form):
    """``member_ids``: who may be put in charge of a case (the station's officers and
    admins, see ``IN_CHARGE``); the view lists them, the schema holds to them."""

    def __init__(self, kinds=(), member_ids=(), **kwargs):
        super().__init__(**kwargs)
        self.kinds, self.member_ids = list(kinds), set(member_ids)


class CaseForm(_Choices):
    title = Text(required=True, validate=length(200))
    kind = Text(required=True)
    village_id = VillageField(load_default=None)
    narrative = Text(load_default=None, validate=length(8000))
    source = Text(required=True, validate=one_of(SOURCES))
    opened_on = fields.Date(required=True, validate=_dates)
    dispute_began_on = fields.Date(load_default=None, validate=_dates)
    officer_id = fields.Integer(load_default=None)

    @validates("kind")
    def _kind(self, value, **kwargs):
        if value not in self.kinds:
            raise ValidationError(_l("Please choose one of the listed options."))

    @validates("officer_id")
    def _officer(self, value, **kwargs):
        # The officer in charge may reveal the parties' personal data: an officer or the
        # station's admin, never an auxiliary (nor anyone outside the station).
        if value is not None and value not in self.member_ids:
            raise ValidationError(_l("Please choose one of the station's officers or admins."))

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        today = local_today()
        if data.get("opened_on") and data["opened_on"] > today:
            raise ValidationError(_l("A case cannot be opened in the future."), "opened_on")
        began = data.get("dispute_began_on")
        if began and data.get("opened_on") and began > data["opened_on"]:
            raise ValidationError(
                _l("The dispute cannot begin after the case was opened."), "dispute_began_on")


class CaseEditForm(CaseForm):
    """A case's details after it was opened, by CaseForm's rules: how it came in and the
    day it was opened stay as they were (the dispute still cannot begin after it)."""

    def __init__(self, case, **kwargs):
        # The case's village stays acceptable after it was retired (not offered for new).
        super().__init__(keep={"village_id": case.village_id}, **kwargs)
        self.case = case
        # Who is in charge already stays acceptable as it is (say they left the station
        # since): correcting the village must not force a new officer. Who may *change*
        # it is the view's rule (``may_reassign``).
        if case.officer_id is not None:
            self.member_ids.add(case.officer_id)

    @pre_load
    def _kept(self, data, **kwargs):
        return {**data, "source": self.case.source,
                "opened_on": self.case.opened_on.isoformat()}


class PartyForm(Form):
    kind = Text(load_default="person", validate=one_of(("person", "organisation")))
    name = Text(required=True, validate=length(100))
    phone = Text(load_default=None, validate=validate.Regexp(
        r"^[0-9+\- ]{5,20}$", error=_l("Please enter a phone number.")))
    id_number = Text(load_default=None, validate=validate.Regexp(
        r"^(\d{17}[\dXx]|[0-9A-Z]{18})$",
        error=_l("Enter an 18-character ID number or unified social credit code.")))


class AttemptForm(Form):
    """Who mediated: one of the station's community forces who mediate (picked), or, when
    they are not among them (the police office, a township team), in words."""

    held_on = fields.Date(required=True, validate=_dates)
    mediator_force_id = ForceField(kind=MEDIATOR_KINDS, load_default=None)
    mediator = Text(load_default=None, validate=length(100))
    method = Text(required=True, validate=one_of(METHODS))
    meeting_link = Text(load_default=None, validate=[length(300), validate.URL(
        schemes={"http", "https"}, require_tld=False, error=_l("Please enter a web address."))])
    mediation_type = Text(required=True, validate=one_of(TYPES))
    notes = Text(required=True, validate=length(8000))

    @validates_schema
    def _someone_mediated(self, data, **kwargs):
        if "mediator_force_id" not in data:
            return  # a bad pick: its own message says so
        if not data.get("mediator") and data["mediator_force_id"] is None:
            raise ValidationError(_l("Say who mediated: pick them from the list or write "
                                     "their name."), "mediator")
        if data.get("mediator") and data["mediator_force_id"] is not None:
            raise ValidationError(_l("Pick who mediated from the list or write their name, "
                                     "not both."), "mediator")

    @validates_schema
    def _video_has_a_link(self, data, **kwargs):
        if data.get("method") == "video" and not data.get("meeting_link"):
            raise ValidationError(_l("A video mediation needs its meeting link."), "meeting_link")
        if data.get("held_on") and data["held_on"] > local_today():
            raise ValidationError(_l("An attempt cannot be recorded before it happens."),
                                  "held_on")


class EscalateForm(Form):
    to_level = fields.Integer(required=True)
    reason = Text(required=True, validate=length(2000))


class CloseForm(Form):
    outcome = Text(required=True, validate=one_of(OUTCOMES))
    note = Text(required=True, validate=length(4000))
    terms = Text(load_default=None, validate=length(8000))
    confirmed = fields.Boolean(load_default=False)

    @validates_schema
    def _agreement_has_terms(self, data, **kwargs):
        if data.get("outcome") == "agreement":
            if not data.get("terms"):
                raise ValidationError(_l("Write the terms the parties agreed."), "terms")
            if not data.get("confirmed"):
                raise ValidationError(
                    _l("The parties must confirm the agreement."), "confirmed")


class ReopenForm(Form):
    """Mediating a case again after the follow-up found its agreement not kept."""

    level = fields.Integer(required=True)
    reason = Text(required=True, validate=length(2000))


class FollowUpForm(Form):
    followed_up_on = fields.Date(required=True, validate=_dates)
    holds = fields.Boolean(required=True)
    notes = Text(required=True, validate=length(4000))
