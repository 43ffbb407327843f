"""Form and API input validation with marshmallow, with messages in the user's language.

One schema per resource serves the HTML form and the JSON API. ``Form`` puts translated
messages on every field, and :class:`Text` treats a blank string as missing, which is
what a person filling a form means by leaving it empty.
"""

import marshmallow
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate
from marshmallow import missing as missing_

__all__ = ["Form", "Lines", "Rows", "Text", "choices", "ValidationError", "fields", "load",
           "validate"]



class ValidationError(marshmallow.ValidationError):
    """marshmallow's error, taking a lazy message (``_l(...)``) as one message: marshmallow
    would otherwise treat it as a sequence and keep only its first character."""

    def __init__(self, message, *args, **kwargs):
        if not isinstance(message, str | bytes | list | dict):
            message = str(message)
        super().__init__(message, *args, **kwargs)


_MESSAGES = {
    "required": _l("This field is required."),
    "null": _l("This field is required."),
    "validator_failed": _l("This value is not allowed."),
    "type": _l("Please enter a valid value."),
    "special": _l("Please enter a number."),  # nan, infinity
    "too_large": _l("Please enter a number."),
}
_INVALID = {
    fields.Integer: _l("Please enter a whole number."),
    fields.Float: _l("Please enter a number."),
    fields.Decimal: _l("Please enter a number."),
    fields.Boolean: _l("Please choose yes or no."),
    fields.Date: _l("Please enter a date as YYYY-MM-DD."),
    fields.DateTime: _l("Please enter a date and time as YYYY-MM-DD HH:MM."),
    fields.Time: _l("Please enter a time of day as HH:MM."),
    fields.Email: _l("Please enter a valid email address."),
}


class Text(fields.String):
    """A string field that strips white space; a blank value counts as missing."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        # A blank optional field is simply empty: its validators (a length, a pattern) are
        # for what someone typed, so they are not run on nothing.
        if isinstance(value, str) and not value.strip():
            if self.required:
                raise self.make_error("required")
            return None
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in value:
            raise self.make_error("invalid")
        return value.strip()


class Form(Schema):
    class Meta:
        unknown = EXCLUDE  # a form post carries its CSRF token and buttons too

    error_messages = {"type": _l("Please enter a valid value.")}

    def __init__(self, *args, keep: dict | None = None, **kwargs):
        # Values a record already holds that stay acceptable though no longer offered
        # (a retired village, a force who left): {field name: value}.
        self.keep = keep or {}
        super().__init__(*args, **kwargs)

    def on_bind_field(self, field_name, field_obj):
        _translate_messages(field_obj)


def _translate_messages(field_obj) -> None:
    messages = dict(_MESSAGES)
    for kind, message in _INVALID.items():
        if isinstance(field_obj, kind):
            messages["invalid"] = message
    messages.setdefault("invalid", _l("Please enter a valid value."))
    field_obj.error_messages = {**field_obj.error_messages, **messages}


def choices(pairs, blank: str = "—") -> list[tuple[str, str]]:
    """``(value, text)`` pairs for a select with an empty first option, values as strings
    as a form posts them back."""
    return [("", blank)] + [(str(value), text) for value, text in pairs]


def length(maximum: int, minimum: int = 1):
    return validate.Length(
        min=minimum, max=maximum, error=_l("Enter between {min} and {max} characters.")
    )


def one_of(choices):
    return validate.OneOf(list(choices), error=_l("Please choose one of the listed options."))


def period_pattern():
    """A period typed as ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY`` (:class:`app.periods.Period`)."""
    return validate.Regexp(r"^20\d\d(-(0[1-9]|1[0-2])|-Q[1-4])?\Z", error=_l(
        "Enter a month as YYYY-MM, a quarter as YYYY-Qn or a year."))


# An empty number, date or choice box in a form means "not given", not "invalid".
_BLANK_IS_MISSING = (fields.Number, fields.Date, fields.DateTime, fields.Time, fields.Boolean)


def load(schema: Schema, data) -> tuple[dict | None, dict[str, str]]:
    """Validate ``data``; return ``(result, {})`` or ``(None, {field: message})``."""
    if not hasattr(data, "items"):
        return None, {"_schema": gettext("Please enter a valid value.")}
    data = {
        key: value for key, value in _flatten(data).items()
        if not (value == "" and isinstance(schema.fields.get(key), _BLANK_IS_MISSING))
    }
    try:
        return schema.load(data), {}
    except marshmallow.ValidationError as err:
        return None, _messages(err.messages)


def _flatten(data) -> dict:
    # A MultiDict (request.form) keeps the first value of each key, like a form field.
    if hasattr(data, "to_dict"):
        return data.to_dict(flat=True)
    return dict(data)


def _messages(raw) -> dict[str, str]:
    out = {}
    for key, value in (raw.items() if isinstance(raw, dict) else [("_schema", raw)]):
        while isinstance(value, list | tuple) and value:
            value = value[0]
        if isinstance(value, dict):
            value = next(iter(_messages(value).values()), "")
        out[key] = str(value) if value else gettext("Please enter a valid value.")
    return out


class Lines(fields.List):
    """A list of short texts: one per line in a form's text area, a list in JSON or YAML.

    Blank lines are dropped and each entry is stripped; duplicates are refused.
    """

    def __init__(self, maximum_length: int = 40, **kwargs):
        entry = fields.String(validate=length(maximum_length))
        entry.error_messages = {**entry.error_messages, **_MESSAGES,
                                "invalid": _l("Please enter a valid value.")}
        super().__init__(entry, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.splitlines()
        if not isinstance(value, list | tuple):
            raise self.make_error("invalid")
        items = [v.strip() if isinstance(v, str) else v for v in value]
        items = [v for v in items if v != ""]
        result = super()._deserialize(items, attr, data, **kwargs)
        if len(set(result)) != len(result):
            raise ValidationError(_l("Each entry may appear only once."))
        return result


class Rows(fields.Field):
    """A small table, one row per line with its columns separated by ``|`` (a service
    catalogue, a list of posts), as a settings field: a text area in the form, a list of
    ``{column: value}`` in JSON or YAML and once loaded.

    Each column is checked by its own field; trailing columns whose field has a
    ``load_default`` may be left out. A wrong line is named in the message. The first
    column names the row, so it may appear only once.
    """

    SEPARATORS = ("|", "\uff5c")  # ASCII and full-width, as a Chinese keyboard types it

    def __init__(self, columns: list[tuple[str, fields.Field]], **kwargs):
        super().__init__(**kwargs)
        self.columns = columns
        for _name, column in columns:
            _translate_messages(column)

    def as_text(self, rows) -> str:
        """The rows as a person types them, for the text area."""
        lines = []
        for row in rows or ():
            # Each column shows its value as its field serialises it (a stored key as
            # the word a person types, say), and reads it back the same way.
            cells = ["" if row.get(name) is None else str(column._serialize(
                row.get(name), name, row)) for name, column in self.columns]
            while cells and cells[-1] == "":
                cells.pop()
            lines.append(" | ".join(cells))
        return "\n".join(lines)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [line for line in value.splitlines() if line.strip()]
        if not isinstance(value, list | tuple):
            raise self.make_error("invalid")
        rows = [self._row(number, item) for number, item in enumerate(value, start=1)]
        names = [row[self.columns[0][0]] for row in rows]
        if len(set(names)) != len(names):
            raise ValidationError(_l("Each entry may appear only once."))
        return rows

    def _row(self, number: int, item) -> dict:
        if isinstance(item, dict):
            cells = [item.get(name) for name, _f in self.columns]
            # Cells from JSON or YAML must read back as the same line in the form.
            if any(isinstance(c, str) and any(m in c for m in (*self.SEPARATORS, "\n", "\r"))
                   for c in cells):
                raise ValidationError(gettext(
                    "Line %(number)d: a cell may not contain | or a line break.",
                    number=number))
        elif isinstance(item, str):
            for separator in self.SEPARATORS[1:]:
                item = item.replace(separator, self.SEPARATORS[0])
            cells = [cell.strip() for cell in item.split(self.SEPARATORS[0])]
        else:
            raise self.make_error("invalid")
        if len(cells) > len(self.columns):
            raise ValidationError(gettext(
                "Line %(number)d: too many columns; write %(columns)s.",
                number=number, columns=self._pattern()))
        row = {}
        for index, (name, column) in enumerate(self.columns):
            cell = cells[index] if index < len(cells) else None
            try:
                if cell is None or cell == "":
                    if column.required or column.load_default is missing_:
                        raise ValidationError(column.error_messages["required"])
                    default = column.load_default
                    row[name] = default() if callable(default) else default
                else:
                    row[name] = column.deserialize(cell)
            except marshmallow.ValidationError as err:
                message = _messages(err.messages).get("_schema", "")
                raise ValidationError(gettext(
                    "Line %(number)d, %(column)s: %(message)s", number=number,
                    column=column.metadata.get("label", name), message=message)) from None
        return row

    def _pattern(self) -> str:
        return " | ".join(str(column.metadata.get("label", name))
                          for name, column in self.columns)
