"""Template filters and globals shared by every page."""

from flask_babel import format_datetime, gettext

from app.audit.labels import object_label
from app.audit.viewer import ACTION_LABELS, action_label
from app.modules import module_names
from app.pii import mask
from app.users import ROLE_LABELS


def _datetime(value, style: str = "medium") -> str:
    # Rows hold naive UTC; Flask-Babel shows it in the configured zone (Asia/Shanghai).
    return format_datetime(value, style) if value else ""


def _role_label(role: str | None) -> str:
    if role == "platform_admin":
        return gettext("Platform admin")
    return str(ROLE_LABELS.get(role, role or ""))


def _figure(value) -> str:
    """A figure as the county's pages print it: — for none, one decimal at most."""
    if value is None:
        return "—"
    return str(round(value, 1) if isinstance(value, float) else value)


def _period_name(label: str) -> str:
    """A stored period label (``2026-11``, ``2026-Q4``, ``2026``) as people say it."""
    from app.periods import Period

    period = Period.read(label)
    return period.name if period else label


def init_app(app) -> None:
    app.add_template_filter(_period_name, "period_name")
    app.add_template_filter(_figure, "figure")
    app.add_template_filter(_datetime, "datetime")
    app.add_template_filter(lambda value, kind: mask(kind, value), "mask")
    app.add_template_global(_role_label, "role_label")
    app.add_template_global(action_label)
    app.add_template_global(object_label)
    app.add_template_global(module_names)
    app.add_template_global(ACTION_LABELS, "action_labels")
