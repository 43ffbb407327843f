"""The audit log speaks the reader's language: every kind of object and every field has
words in Chinese and English, values read as a person reads them (是/否, local time, names,
codes as words), and objects are chosen from a list rather than typed as table names."""

import re
from datetime import datetime

from babel.messages.pofile import read_po
from sqlalchemy import select

from app.audit import labels
from app.audit.models import AuditEvent
from app.extensions import db
from app.station.notices import Notice
from tests.conftest import within_station
from tests.core.test_i18n import PO
from tests.test_page_walk import visible_text


def _translated() -> set[tuple]:
    with PO.open("rb") as f:
        return {(m.context, m.id) for m in read_po(f) if m.id and m.string}


def _key(word) -> tuple:
    """(context, msgid) of a lazy string made by _l or lazy_pgettext."""
    args = word._args
    return (args[0], args[1]) if len(args) > 1 else (None, args[0])


def _audited_models():
    return [m.class_ for m in db.Model.registry.mappers if getattr(m.class_, "__audit__", True)]


def test_every_audited_table_and_field_has_words_in_both_languages(app):
    chinese = _translated()
    with app.app_context():
        models = _audited_models()
        assert len(models) > 20  # the core's and every installed module's
        missing = {m.__tablename__: labels.unlabelled_fields(m) for m in models}
        assert {t: f for t, f in missing.items() if f} == {}
        unnamed = [m.__tablename__ for m in models if getattr(m, "__label__", None) is None]
        assert unnamed == []
        words = [m.__label__ for m in models]
        words += [w for m in models for w in (getattr(m, "__labels__", {}) or {}).values()]
        words += list(labels.COMMON_FIELDS.values())
        words += [w for m in models for codes in (getattr(m, "__value_labels__", {}) or {})
                  .values() for w in codes.values()]
        words += list(labels._extra_labels.values())
    untranslated = sorted({_key(w) for w in words
                           if hasattr(w, "_args") and _key(w) not in chinese}, key=str)
    assert untranslated == []


def test_the_viewer_shows_words_local_times_and_a_list_of_objects(owner_app, app, demo,
                                                                  make_browser):
    def change_a_notice():
        notice = db.session.scalars(select(Notice).order_by(Notice.id)).first()
        notice.pinned = not notice.pinned
        notice.title = "本周护学岗安排（调整）"
        db.session.commit()
        return notice.id, notice.pinned

    notice_id, pinned = within_station(app, "dongling", change_a_notice)
    admin = make_browser("dongling-admin")
    html = admin.get("/s/dongling/audit?object_type=station_notice").get_data(as_text=True)
    row = re.search(r'<tr>\s*<td data-label="时间">(.*?)</tr>', html, re.S).group(0)
    assert "通知" in row
    assert "station_notice" not in row.replace('data-object-type="station_notice"', "")
    assert "置顶：" in row and ("否 → 是" if pinned else "是 → 否") in row
    assert "True" not in row and "False" not in row
    assert "标题：" in row and "title" not in row
    assert '<select class="form-select" id="a-object_type"' in html
    assert '<option value="station_notice" selected>通知</option>' in html

    # Times are the county's (Asia/Shanghai, UTC+8), in the table and in changed fields.
    with owner_app.app_context():  # the owner reads every chain
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.object_type == "station_notice", AuditEvent.action == "update"))
        utc = event.created_at
    local = utc.hour + 8
    assert f"{local % 24:02d}:{utc.minute:02d}" in row or f"{local % 24}:{utc.minute:02d}" in row

    admin.post("/lang", {"lang": "en"})
    english = admin.get("/s/dongling/audit?object_type=station_notice").get_data(as_text=True)
    assert "Pinned: " in english and ("No → Yes" if pinned else "Yes → No") in english
    assert '<option value="station_notice" selected>Notice</option>' in english


def test_people_and_codes_read_as_words(app, demo, make_browser):
    from app.users import find_user
    from plugins.courtyard.models import Concern

    def reassign():
        concern = db.session.scalars(select(Concern).where(Concern.status == "open")).first()
        concern.status = "in_progress"
        concern.owner_id = find_user("dongling-aux").id
        db.session.commit()
        return concern.id, find_user("dongling-aux").full_name

    concern_id, aux_name = within_station(app, "dongling", reassign)
    admin = make_browser("dongling-admin")
    html = admin.get(f"/s/dongling/audit?object_type=courtyard_concern&object_id={concern_id}"
                     ).get_data(as_text=True)
    assert "状态：待办 → 跟进中" in html and "in_progress" not in html
    assert re.search(r"责任人：\S+ → " + aux_name, html)  # names, not user ids


def test_a_stored_datetime_shows_in_local_time(app):
    from app.station_plugin import StationPlugin

    stored = datetime(2026, 11, 30, 23, 30).isoformat()  # UTC, as the log keeps it
    with app.test_request_context():
        shown = labels._value(StationPlugin, "changed_at", stored, {})
    assert shown.startswith("2026/12/1") and "07:30" in shown  # the next morning in Beijing


def test_modules_stations_and_settings_read_as_words(app, demo, make_browser):
    """Switching a module and changing its settings: the module's name, the station's name
    and which settings changed, not keys, ids and a Python dict."""
    admin = make_browser("liuxi-admin")
    assert admin.post("/s/liuxi/modules/courtyard/enable").status_code == 302
    form = {"categories": "烦心事\n揪心事", "due_days": "7", "flag_overdue": "true"}
    assert admin.post("/s/liuxi/modules/courtyard/settings", form).status_code == 302
    html = admin.get("/s/liuxi/audit?object_type=station_plugin").get_data(as_text=True)
    rows = visible_text(html)
    assert "模块：∅ → 小院说事" in rows and "派出所：∅ → 柳溪派出所" in rows
    assert "设置：已修改：事项类别、事项办理期限（天）" in rows  # what the admin changed
    for raw in ("courtyard", "{'", "due_days", "categories"):
        assert raw not in rows, raw


def test_an_odd_stored_row_does_not_break_the_log(app, demo, make_browser):
    from app.audit import record

    def odd():
        from tenants.models import Station

        station = db.session.scalar(select(Station).where(Station.slug == "dongling"))
        record("pii.reveal", station_id=station.id, object_type="station_notice",
               object_id=1, changes={"fields": [{"not": "a name"}], "for": ["x", 1]})
        record("pii.reveal", station_id=station.id, object_type="nothing_known",
               object_id=None, changes={"weird": [[1, 2], {"a": None}]})
        db.session.commit()

    with app.app_context():
        odd()
    assert make_browser("dongling-admin").get("/s/dongling/audit").status_code == 200


def test_every_kind_of_object_and_action_a_module_audits_has_words(app):
    """What modules record by hand (a reveal, an export, a route sheet) reads as words too."""
    from pathlib import Path

    from app.audit.viewer import action_label

    source = "\n".join(p.read_text(encoding="utf-8") for p in
                       (Path(__file__).resolve().parents[2] / "plugins").rglob("*.py"))
    objects = set(re.findall(r'reveal\(\s*"([a-z_]+)"', source))
    objects |= set(re.findall(r'audit_event\(\s*"[a-z_.]+",\s*object_type="([a-z_]+)"', source))
    actions = set(re.findall(r'audit_event\(\s*"([a-z_.]+)"', source))
    assert {"backpack_route_sheet", "mediation_case"} <= objects and actions
    with app.test_request_context():
        assert [o for o in sorted(objects) if labels.object_label(o) == o] == []
        assert [a for a in sorted(actions) if action_label(a) == a] == []
