"""One cleaning of what a request carries: NUL and the other C0 control characters, but
tab, newline and carriage return, are taken out of every query-string and form value (and
name), every upload's file name and every text value in the URL's path, as Werkzeug parses
them, before any view, form or query sees them.

No one types them and no page sends them; PostgreSQL refuses NUL in text outright (a
filter with ``%00`` in it was a 500), and the others would be stored and exported. Nothing
else is normalised: DEL, C1 controls, full-width or combining characters are left alone.
Upload contents are the sender's bytes and stay untouched. Headers are not cleaned: the
one the app echoes (``X-Request-ID``) is checked where it is read. The app has no JSON
write endpoint; one would clean its strings with :func:`clean`.
"""

from flask import Flask, Request
from werkzeug.datastructures import FileStorage, ImmutableMultiDict, MultiDict
from werkzeug.routing import PathConverter, UnicodeConverter

# Tab, newline and carriage return stay: a text area sends its lines with them.
_CONTROLS = dict.fromkeys(c for c in range(0x20) if chr(c) not in "\t\n\r")


def clean(value: str) -> str:
    """``value`` without NUL and the other C0 control characters but tab, LF and CR."""
    return value.translate(_CONTROLS)


def _cleaned(value):
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, FileStorage) and value.filename:
        value.filename = clean(value.filename)  # the name only: the contents are the file
    return value


class CleanValues(ImmutableMultiDict):
    """``request.args``, ``.form`` and ``.files``, cleaned as they are built.

    Werkzeug builds all three through ``Request.parameter_storage_class`` (``values``
    combines the first two), so this one class sees every parsed value.
    """

    def __init__(self, mapping=None):
        pairs = MultiDict(mapping).items(multi=True) if mapping is not None else ()
        super().__init__([(_cleaned(k), _cleaned(v)) for k, v in pairs])


class CleanRequest(Request):
    parameter_storage_class = CleanValues


class CleanString(UnicodeConverter):
    """``<name>`` and ``<string:name>`` in a route: the station's or county's slug, a
    module's key, an invitation token."""

    def to_python(self, value: str) -> str:
        return clean(value)


class CleanPath(PathConverter):
    def to_python(self, value: str) -> str:
        return clean(value)


def init_app(app: Flask) -> None:
    """Install the cleaning; before any route is added, since a rule takes its converters
    when it is added (Flask's own static route keeps Werkzeug's: it only opens files)."""
    app.request_class = CleanRequest
    app.url_map.converters.update(default=CleanString, string=CleanString, path=CleanPath)
