from urllib.parse import urlsplit

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


@bp.app_template_global()
def return_path() -> str:
    """Where the language switch comes back to: this page; for a page drawn in answer to
    a POST (a refused form, a reveal), which has no address of its own, the page the form
    was sent from."""
    if request.method == "GET":
        return request.full_path if request.query_string else request.path
    sent_from = urlsplit(request.referrer or "")
    if sent_from.netloc == request.host and sent_from.path:
        return sent_from.path + (f"?{sent_from.query}" if sent_from.query else "")
    return url_for("web.index")


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
