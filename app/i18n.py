"""Language: Simplified Chinese first, English second; the choice is remembered."""

import os

from flask import before_render_template, current_app, has_request_context, request
from flask_babel import get_translations
from flask_login import current_user
from jinja2 import Environment

COOKIE = "fengqiao_lang"
NAMES = {"zh": "中文", "en": "English"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        # The CLI and jobs: FENGQIAO_LANG=en for English output, Chinese otherwise.
        chosen = os.environ.get("FENGQIAO_LANG")
        return chosen if chosen in languages else default
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in languages else default


# Flask-Babel gives templates a gettext that finds the catalogue again on every call (the
# request's domain, its locale, the cache): most of the cost of each of a list page's
# hundreds of _(). Each render gets the same Jinja callables bound to the catalogue of
# the language it renders in, looked up once. Templates rendered another way (the 503
# page) and macros imported without context keep Flask-Babel's, which say the same.
_CALLABLES = ("gettext", "ngettext", "pgettext", "npgettext")


@before_render_template.connect
def _bind_the_catalogue(app, template, context, **extra) -> None:
    if "babel" not in app.extensions:
        return
    translations = get_translations()
    bound = app.extensions.setdefault("fengqiao.gettext", {})  # a catalogue per language
    found = bound.get(id(translations))
    if found is None or found[0] is not translations:
        if len(bound) >= 16:  # catalogues made anew (never, as Flask-Babel keeps them)
            bound.clear()
        found = bound[id(translations)] = (translations, _callables(translations))
    for name, fn in found[1].items():
        context.setdefault(name, fn)


def _callables(translations) -> dict:
    # Jinja wraps them as it does Flask-Babel's (newstyle: escaped as the template being
    # rendered is, with %(name)s values). The environment only makes them.
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    env.install_gettext_callables(
        gettext=translations.ugettext, ngettext=translations.ungettext, newstyle=True,
        pgettext=translations.upgettext, npgettext=translations.unpgettext,
    )
    return {name: env.globals[name] for name in _CALLABLES}
