"""Language: Simplified Chinese first, English second; the choice is remembered."""

import os

from flask import current_app, has_request_context, request
from flask_login import current_user

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
