"""The forms of the station's ground pages: a village, a grid, a key place, a community
force, and a grid's worker. The choices of people (officers, auxiliaries, accounts) are
the station's, handed in by the view; a value the record already holds stays acceptable
(``keep=``) though no longer offered, like a retired village's."""

import re

from flask_babel import lazy_gettext as _l
from marshmallow import pre_load, validates_schema

from app.enrolment import PHONE_RE
from app.extensions import db
from app.forms import Form, Text, ValidationError, fields, length, one_of, validate
from app.ground.fields import ForceField, GridField, VillageField
from app.ground.models import FORCE_KINDS, GRID_WORKER, PLACE_KINDS, VILLAGE, VILLAGE_KINDS, Grid

_count = validate.Range(0, 10_000_000,
                        error=_l("Please enter a whole number from 0 to 10,000,000."))
_phone = validate.Regexp(
    PHONE_RE, error=_l("Enter an 11-digit mobile number or a landline like 0916-1234567."))
MEMBER_MESSAGE = _l("Please choose one of the station's people.")


class _People(Form):
    """A form with pickers of the station's people: ``people`` maps a field to the user
    ids it may take."""

    def __init__(self, people: dict[str, list[tuple[int, str]]] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.people = {name: {uid for uid, _n in pairs} for name, pairs in (people or {}).items()}

    @validates_schema(skip_on_field_errors=False)  # every field's problem at once
    def _people(self, data, **kwargs):
        errors = {}
        for name, allowed in self.people.items():
            value = data.get(name)
            if value is not None and value not in allowed and value != self.keep.get(name):
                errors[name] = [str(MEMBER_MESSAGE)]
        if errors:
            raise ValidationError(errors)


def _person():
    return fields.Integer(strict=False, load_default=None)


class VillageForm(_People):
    name = Text(required=True, validate=length(60))
    kind = Text(load_default=VILLAGE, validate=one_of(VILLAGE_KINDS))
    zone = Text(load_default=None, validate=length(60))
    households = fields.Integer(load_default=None, validate=_count)
    registered_population = fields.Integer(load_default=None, validate=_count)
    resident_population = fields.Integer(load_default=None, validate=_count)
    note = Text(load_default=None, validate=length(1000))
    officer_id = _person()
    auxiliary_id = _person()
    active = fields.Boolean(load_default=True)


class GridForm(Form):
    name = Text(required=True, validate=length(60))
    note = Text(load_default=None, validate=length(1000))
    active = fields.Boolean(load_default=True)


class GridWorkerForm(Form):
    """A grid worker of the station put on a grid."""

    force_id = ForceField(kind=GRID_WORKER, required=True)


class PlaceForm(_People):
    kind = Text(required=True, validate=one_of(PLACE_KINDS))
    name = Text(required=True, validate=length(100))
    village_id = VillageField(required=True)
    officer_id = _person()
    note = Text(load_default=None, validate=length(1000))
    active = fields.Boolean(load_default=True)


class ForceForm(_People):
    name = Text(required=True, validate=length(64))
    kind = Text(required=True, validate=one_of(FORCE_KINDS))
    phone = Text(load_default=None, validate=_phone)
    village_id = VillageField(load_default=None)
    grid_id = GridField(load_default=None)
    user_id = _person()
    team = Text(load_default=None, validate=length(60))
    note = Text(load_default=None, validate=length(1000))
    active = fields.Boolean(load_default=True)

    @pre_load
    def _phone_as_typed(self, data, **kwargs):
        # 138 1234 5678 and 138-1234-5678 are how people write a mobile number.
        phone = data.get("phone")
        if isinstance(phone, str) and re.fullmatch(r"[\d\s-]+", phone.strip() or "x"):
            digits = re.sub(r"[\s-]", "", phone)
            if len(digits) == 11 and digits.startswith("1"):
                data = {**data, "phone": digits}
        return data

    @validates_schema(skip_on_field_errors=False)
    def _grid_in_village(self, data, **kwargs):
        grid_id = data.get("grid_id")
        if grid_id is None:
            return
        village_id = db.session.scalar(db.select(Grid.village_id).where(Grid.id == grid_id))
        if data.get("village_id") is None:
            data["village_id"] = village_id  # the grid says where they work
        elif data["village_id"] != village_id:
            raise ValidationError(
                {"grid_id": [str(_l("This grid is not in the village chosen."))]})
