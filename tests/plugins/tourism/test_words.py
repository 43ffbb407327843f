"""The module's words, as an officer reads them in Chinese: each label names what it labels
(a short English word shared with another meaning takes a context), Chinese punctuation in
Chinese sentences, and the audit log in words rather than column names and codes."""

import re
from datetime import timedelta

from sqlalchemy import select

from app.audit.labels import unlabelled_fields
from app.extensions import db
from app.plugin_api import local_today
from plugins.tourism import plugin
from plugins.tourism.models import FoundItem
from tests.conftest import within_station

from .conftest import BASE, PUBLIC, force_id, member_ids, save_cell
from .test_lost import ITEM, _item, _report

CJK = "\u4e00-\u9fff"
# An ASCII stop, comma, colon... touching Chinese: "高峰日: 古镇民俗节", "已保存. 请".
ASCII_IN_CHINESE = re.compile(rf"[{CJK}）][.,:;!?](?=\s|$|[{CJK}])|[.,:;!?] +[{CJK}]")


def _label(html, name) -> str:
    """The text of the label of field ``name`` (without the required star)."""
    match = re.search(rf'<label[^>]*for="f-{name}"[^>]*>(.*?)</label>', html, re.S)
    assert match, f"no label for {name}"
    return re.sub(r"<[^>]+>|\*", "", match.group(1)).strip()


def _text(html) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "\n", html))


def test_each_label_names_what_it_labels(admin, browser):
    new_item = admin.get(f"{BASE}/lost/items/new").get_data(as_text=True)
    assert _label(new_item, "finder_phone") == "拾得人电话"  # not the courtyard's 提出人电话
    assert _label(new_item, "finder_name") == "拾得人姓名"
    assert _label(new_item, "kind") == "物品类别"
    desk = admin.get(f"{BASE}/lost/reports/new").get_data(as_text=True)
    assert _label(desk, "reporter_name") == "报失人姓名"  # the officer writes the tourist's
    assert _label(desk, "reporter_phone") == "报失人手机号码"
    assert _label(desk, "kind") == "丢失物品类别"
    public = browser.get(f"{PUBLIC}/report").get_data(as_text=True)
    assert _label(public, "reporter_name") == "您的姓名"  # the tourist writes their own
    assert _label(public, "reporter_phone") == "您的手机号码"
    search = browser.get(f"{PUBLIC}/").get_data(as_text=True)
    assert _label(search, "kind") == "物品类别" and _label(search, "found_to") == "至"
    item_id = _item(admin)
    page = admin.get(f"{BASE}/lost/items/{item_id}").get_data(as_text=True)
    assert "<dt>拾得日期和地点</dt>" in page and "<dt>拾得人</dt>" in page


def test_no_ascii_punctuation_inside_chinese_sentences(app, admin, browser):
    """Every page of the module in Chinese, with a peak, a gap, a match and the flashes."""
    monday = local_today() - timedelta(days=local_today().weekday())
    someone = member_ids(admin, day=monday.isoformat())[0]
    pages = [save_cell(admin, monday.isoformat(), "早班", "游客中心岗", [someone])]
    pages.append(admin.post(f"{BASE}/peaks", {"day": monday.isoformat(), "reason": "古镇民俗节"}))
    pages.append(admin.post(f"{BASE}/lounge/help", {"kind": "急救"}))
    pages.append(admin.post(f"{BASE}/lounge/tally", {
        "day": (local_today() - timedelta(days=1)).isoformat(), "hour": "10", "visitors": "3"}))
    item_id, report_id = _item(admin), _report(admin)
    pages.append(admin.post(f"{BASE}/lost/items/new", {**ITEM, "found_on": ""}))  # refused
    paths = ["/", "/roster", f"/roster/day?day={monday.isoformat()}",
             f"/roster/cell?day={monday.isoformat()}&shift=早班&post=古镇老街岗", "/lounge",
             "/lost", "/lost/reports", f"/lost/items/{item_id}", f"/lost/reports/{report_id}",
             "/lost/items/new", "/lost/reports/new", "/volunteers", "/seasons"]
    texts = [_text(r.get_data(as_text=True)) for r in pages if r.status_code != 302]
    for r in pages:
        if r.status_code == 302:
            texts.append(_text(admin.get(r.location).get_data(as_text=True)))  # its flash
    texts += [_text(admin.get(BASE + p).get_data(as_text=True)) for p in paths]
    matched = admin.post(f"{BASE}/lost/items/{item_id}/match", {"report_id": str(report_id)})
    texts.append(_text(admin.get(matched.location).get_data(as_text=True)))
    texts += [_text(browser.get(PUBLIC + p).get_data(as_text=True))
              for p in ("/", "/report", "/?kind=钥匙")]
    wrong = [m.group(0) for t in texts for m in ASCII_IN_CHINESE.finditer(t)]
    assert wrong == []
    assert "高峰日：古镇民俗节" in " ".join(texts)


def test_the_audit_log_speaks_of_the_modules_records_in_words(app, admin):
    for model in plugin.models:
        assert str(model.__label__), model
        assert unlabelled_fields(model) == [], model.__name__
    assert str(FoundItem.__value_labels__["status"]["matched"]) == "Matched to a report"
    item_id, report_id = _item(admin), _report(admin)
    admin.post(f"{BASE}/lost/items/{item_id}/match", {"report_id": str(report_id)})
    admin.post(f"{BASE}/lounge/count", {"add": "1"})
    save_cell(admin, "2030-03-04", "早班", "游客中心岗", member_ids(admin)[:1],
              [force_id(app, "孙德胜")])
    html = admin.get("/s/liuxi/audit").get_data(as_text=True)
    text = _text(html)
    for words in ("拾得物品", "拾得人电话", "保管位置", "待认领 → 已比对到报失", "报失登记",
                  "报失人姓名", "查找中 → 已比对到失物", "会客厅接待计数", "会客厅接待人次",
                  "义警", "岗点班次", "在岗人员"):
        assert words in text, words
    for raw in ("finder_phone", "kept_at", "tourism_found_item", "tourism.visitors",
                "reporter_name", "force_id", "tourism_roster_cell", "cell_id"):
        assert raw not in text, raw
    assert within_station(app, "liuxi", lambda: db.session.scalar(
        select(FoundItem.status).where(FoundItem.id == item_id))) == "matched"
