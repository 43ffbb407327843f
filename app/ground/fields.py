"""Form fields that pick from the station's ground: the value is an id, checked to be one
of the current station's rows, in use (or the record's own, see ``Form(keep=...)``)."""

import marshmallow
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.forms import ValidationError, fields
from app.ground.models import Force, Grid, KeyPlace, Village


class _GroundField(fields.Integer):
    model: type
    message: str

    def __init__(self, *, kind: str | tuple[str, ...] | None = None, **kwargs):
        self.kinds = (kind,) if isinstance(kind, str) else kind
        super().__init__(strict=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            wanted = super()._deserialize(value, attr, data, **kwargs)
        except marshmallow.ValidationError:  # not a number: not one of the station's
            raise ValidationError(self.message) from None
        row = db.session.scalar(select(self.model).where(self.model.id == wanted))
        keep = getattr(self.parent, "keep", {}).get(self.name)
        if row is None or not (self._in_use(row) or wanted == keep):
            raise ValidationError(self.message)
        if self.kinds and getattr(row, "kind", None) not in self.kinds and wanted != keep:
            raise ValidationError(self.message)
        return wanted

    def _in_use(self, row) -> bool:
        return row.active


class VillageField(_GroundField):
    """A village of the station's ground (an id)."""

    model = Village
    message = _l("Please choose one of the station's villages.")


class GridField(_GroundField):
    """A grid of the station's ground (an id)."""

    model = Grid
    message = _l("Please choose one of the station's grids.")

    def _in_use(self, row) -> bool:
        return row.active and row.village.active


class ForceField(_GroundField):
    """A community force of the station (an id), of ``kind`` when given."""

    model = Force
    message = _l("Please choose one of the station's community forces.")


class PlaceField(_GroundField):
    """A key place of the station (an id), of ``kind`` when given."""

    model = KeyPlace
    message = _l("Please choose one of the station's key places.")
