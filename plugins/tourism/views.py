"""The module's overview page and what the station's home page shows of it; the roster,
lounge and lost-and-found pages are routes of the same blueprint in their own files."""

from flask import render_template, request, url_for
from flask_babel import format_date, get_locale
from sqlalchemy import func, select

from app.plugin_api import (
    Period,
    blueprint,
    choices,
    db,
    local_today,
    may_reveal,
    require,
    settings,
)

from .labels import LABELS, label
from .metrics import METRICS
from .models import FOUND, OPEN, WAITING, FoundItem, HelpGiven, LossReport, VisitorCount
from .staffing import roster

KEY = "tourism"
VIEW, RECORD, MANAGE = "tourism.view", "tourism.record", "tourism.manage"

bp = blueprint(KEY, __name__)


def day_label(day) -> str:
    """A day as people say it: 7月14日周一, Mon, Jul 14."""
    return format_date(day, get_locale().datetime_skeletons["MMMEd"].pattern)


# The badge of a found item's status (one due for disposal: "warning").
ITEM_STYLES = {"returned": "success", "disposed": "secondary"}


@bp.context_processor
def _helpers():
    # ``words``: the statuses in the user's language once a page, for a list's rows.
    return {"label": label, "labels": LABELS, "today": local_today(), "choices": choices,
            "day_label": day_label, "may_reveal": may_reveal, "item_styles": ITEM_STYLES,
            "words": {group: {code: str(text) for code, text in LABELS[group].items()}
                      for group in ("item", "report")}}


def status_code(errors) -> int:
    return 400 if errors else 200


def visitors_on(day) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(VisitorCount.visitors), 0))
        .where(VisitorCount.day == day)
    )


@bp.get("/")
@require(VIEW)
def index():
    period = Period.parse(request.args.get("period"))
    today = local_today()
    config = settings(KEY)
    figures = [(m, m.compute(period)) for m in METRICS]
    help_by_kind = db.session.execute(
        select(HelpGiven.kind, func.count()).where(
            HelpGiven.day >= period.start, HelpGiven.day < period.end)
        .group_by(HelpGiven.kind).order_by(func.count().desc())
    ).all()
    return render_template(
        "tourism/index.html", period=period, figures=figures, help_by_kind=help_by_kind,
        today_visitors=visitors_on(today), today_roster=roster(today, 1, config)[0],
        waiting=count_of(FoundItem, FoundItem.status.in_(WAITING)),
        due=count_of(FoundItem, FoundItem.status == FOUND, FoundItem.disposal_due.is_(True)),
        open_reports=count_of(LossReport, LossReport.status == OPEN),
    )


def count_of(model, *where) -> int:
    """How many rows of ``model`` match ``where``: the figures the cards and tabs show."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def object_url(object_type: str, object_id: int) -> str | None:
    if object_type == "found_item":
        return url_for("plugin_tourism.item", found_item_id=object_id)
    if object_type == "loss_report":
        return url_for("plugin_tourism.report", loss_report_id=object_id)
    return None


def home_card():
    today = roster(local_today(), 1, settings(KEY))[0]
    return render_template(
        "tourism/_home_card.html", visitors=visitors_on(local_today()),
        short=len(today.short_cells()),
        due=count_of(FoundItem, FoundItem.status == FOUND, FoundItem.disposal_due.is_(True)),
    )
