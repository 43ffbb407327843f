from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import bindparam, func, or_, select

from app.auth.safe_redirect import safe_next
from app.extensions import db
from app.i18n import COOKIE
from app.users import Membership, role_label
from tenants.models import County, Station

bp = Blueprint("web", __name__)


# Built once: the switcher in every page's shell reads it.
_PLACES = (
    select(Membership.role, Station.slug, Station.name, County.slug, County.name)
    .select_from(Membership)
    .outerjoin(Station, Station.id == Membership.station_id)
    .join(County, County.id == func.coalesce(Station.county_id, Membership.county_id))
    .where(Membership.user_id == bindparam("user_id"), Membership.active.is_(True),
           or_(Station.id.is_(None), Station.active))
)


def places(user) -> list[dict]:
    """The stations and counties ``user`` can open, for the switcher and the chooser."""
    out = []
    for role, station_slug, station_name, county_slug, county_name in db.session.execute(
            _PLACES, {"user_id": user.id}):
        if station_slug is not None:
            out.append({
                "kind": "station", "name": station_name, "role": role_label(role),
                "county": county_name,
                "url": url_for("station.home", station_slug=station_slug),
                "slug": station_slug,
            })
        else:
            out.append({
                "kind": "county", "name": county_name, "role": role_label(role),
                "county": county_name,
                "url": url_for("county.home", county_slug=county_slug),
                "slug": county_slug,
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
