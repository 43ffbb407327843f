from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.safe_redirect import safe_next
from app.extensions import db
from app.i18n import COOKIE

bp = Blueprint("web", __name__)


def places(user) -> list[dict]:
    """The stations and counties ``user`` can open, for the switcher and the chooser."""
    out = []
    for m in user.active_memberships():
        if m.station is not None:
            out.append({
                "kind": "station", "name": m.station.name, "role": m.role_label,
                "county": m.station.county.name,
                "url": url_for("station.home", station_slug=m.station.slug),
                "slug": m.station.slug,
            })
        else:
            out.append({
                "kind": "county", "name": m.county.name, "role": m.role_label,
                "county": m.county.name,
                "url": url_for("county.home", county_slug=m.county.slug),
                "slug": m.county.slug,
            })
    return sorted(out, key=lambda p: (p["kind"] != "county", p["county"], p["name"]))


@bp.get("/")
@login_required
def index():
    options = places(current_user)
    if len(options) == 1:
        return redirect(options[0]["url"])
    return redirect(url_for("web.choose"))


@bp.get("/choose")
@login_required
def choose():
    return render_template("web/choose.html", options=places(current_user))


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang")
    target = safe_next(request.form.get("next"), url_for("web.index"))
    response = redirect(target)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        if current_user.is_authenticated and current_user.locale != lang:
            current_user.locale = lang
            db.session.commit()
    return response
