"""Lost and found: an item recorded, a tourist's report (at the desk or on the public page),
the match, the handover with the identity document checked, unclaimed items flagged and
disposed of, and a public page that shows nobody's personal data and is rate limited."""

import re
from datetime import timedelta

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.plugin_api import forces, local_today
from app.rate_limits import RateLimit
from plugins.tourism.demo import ITEMS, REPORTS
from plugins.tourism.models import FoundItem, LossReport
from tests.conftest import owner_context, within_station

from .conftest import BASE, PUBLIC

ITEM = {"kind": "手机", "public_description": "黑色手机一部",
        "description": "华为手机，蓝色手机壳，壳内有公交卡", "found_on": "",
        "found_place": "古镇老街", "kept_at": "会客厅失物柜1号", "finder_name": "王小明",
        "finder_phone": "13912345678"}
LOSS = {"kind": "手机", "description": "华为手机，蓝色壳", "lost_on": "",
        "lost_place": "老街", "reporter_name": "林晓燕", "reporter_phone": "13709160011"}


def _item(admin, **extra) -> int:
    data = {**ITEM, "found_on": local_today().isoformat(), **extra}
    response = admin.post(f"{BASE}/lost/items/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/items/(\d+)$", response.location).group(1))


def _report(admin) -> int:
    response = admin.post(f"{BASE}/lost/reports/new", {**LOSS,
                                                        "lost_on": local_today().isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/reports/(\d+)$", response.location).group(1))


def _state(app, item_id):
    def read():
        item = db.session.get(FoundItem, item_id)
        return item.status, item.report.status if item.report else None

    return within_station(app, "liuxi", read)


def test_found_matched_and_handed_over_with_identity_checked(owner_app, app, admin):
    refused = admin.post(f"{BASE}/lost/items/new", {**ITEM, "found_on": "",
                                                    "public_description": "手机 13912345678"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "请不要填写号码" in html and html.count("invalid-feedback") == 2
    item_id = _item(admin)
    report_id = _report(admin)

    page = admin.get(f"{BASE}/lost/items/{item_id}").get_data(as_text=True)
    assert "王*明" in page and "139****5678" in page and "王小明" not in page
    assert "华为手机，蓝色壳" in page  # the report offered as a match
    assert admin.post(f"{BASE}/lost/items/{item_id}/match", {"report_id": str(report_id)}) \
        .status_code == 302
    assert _state(app, item_id) == ("matched", "matched")

    unchecked = admin.post(f"{BASE}/lost/items/{item_id}/handover", {
        "receiver_name": "林晓燕", "receiver_id_type": "resident_id",
        "receiver_id_number": "61072619900101123"})
    assert unchecked.status_code == 400
    html = unchecked.get_data(as_text=True)
    assert "居民身份证号码应为 18 位" in html
    assert _state(app, item_id) == ("matched", "matched")
    unchecked = admin.post(f"{BASE}/lost/items/{item_id}/handover", {
        "receiver_name": "林晓燕", "receiver_id_type": "resident_id",
        "receiver_id_number": "61072619900101123x"})
    assert "请先核对证件与本人是否一致" in unchecked.get_data(as_text=True)
    response = admin.post(f"{BASE}/lost/items/{item_id}/handover", {
        "receiver_name": "林晓燕", "receiver_id_type": "resident_id",
        "receiver_id_number": "61072619900101123x", "identity_checked": "true",
        "details_confirmed": "true"})
    assert response.status_code == 302
    assert _state(app, item_id) == ("returned", "returned")
    page = admin.get(f"{BASE}/lost/items/{item_id}").get_data(as_text=True)
    assert "林*燕" in page and "6107**********123X" in page and "61072619900101123X" not in page
    again = admin.post(f"{BASE}/lost/items/{item_id}/handover", {})
    assert again.status_code == 400 and "已返还" in again.get_data(as_text=True)

    figures = admin.get("/api/v1/s/liuxi/tourism/metrics").get_json()["metrics"]
    assert figures["tourism.returned"] == 1 and figures["tourism.returned_share"] == 100.0
    _item(admin, public_description="蓝色雨伞一把", kind="其他")
    figures = admin.get("/api/v1/s/liuxi/tourism/metrics").get_json()["metrics"]
    assert figures["tourism.returned_share"] == 50.0
    with owner_app.app_context():  # the owner reads every chain
        handover = db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.object_type == "tourism_found_item", AuditEvent.action == "update",
            AuditEvent.object_id == str(item_id))).all()
    stored = next(c for c in handover if "receiver_id_number" in c)
    assert stored["receiver_id_number"] == [None, "6107**********123X"]
    assert stored["status"] == ["matched", "returned"]


def test_a_report_is_matched_to_one_item_only(app, admin):
    first, second, report_id = _item(admin), _item(admin), _report(admin)
    assert admin.post(f"{BASE}/lost/items/{first}/match", {"report_id": str(report_id)}) \
        .status_code == 302
    refused = admin.post(f"{BASE}/lost/items/{second}/match", {"report_id": str(report_id)})
    assert refused.status_code == 400
    assert "该报失已比对到其他物品" in refused.get_data(as_text=True)
    assert _state(app, first) == ("matched", "matched") and _state(app, second) == ("found", None)
    for wild in ("99999999999999999999", "-1", "0", str(2**31)):
        assert admin.post(f"{BASE}/lost/items/{second}/match", {"report_id": wild}) \
            .status_code == 404
    with owner_context():  # the claim is audited like any change of the report
        changes = db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.object_type == "tourism_loss_report", AuditEvent.action == "update",
            AuditEvent.object_id == str(report_id))).all()
    assert changes == [{"status": ["open", "matched"]}]


def test_a_wrong_match_can_be_undone(app, admin):
    item_id, report_id = _item(admin), _report(admin)
    admin.post(f"{BASE}/lost/items/{item_id}/match", {"report_id": str(report_id)})
    assert admin.post(f"{BASE}/lost/items/{item_id}/unmatch").status_code == 302
    assert _state(app, item_id) == ("found", None)
    report = within_station(app, "liuxi", lambda: db.session.get(LossReport, report_id).status)
    assert report == "open"


def test_revealing_personal_data_is_audited(owner_app, app, admin):
    item_id = _item(admin)
    shown = admin.post(f"{BASE}/lost/items/{item_id}/reveal").get_data(as_text=True)
    assert "王小明" in shown and "13912345678" in shown
    report_id = _report(admin)
    shown = admin.post(f"{BASE}/lost/reports/{report_id}/reveal").get_data(as_text=True)
    assert "林晓燕" in shown and "13709160011" in shown
    with owner_app.app_context():  # the owner reads every chain
        revealed = db.session.scalars(select(AuditEvent.object_type).where(
            AuditEvent.action == "pii.reveal")).all()
    assert sorted(revealed) == ["tourism_found_item", "tourism_loss_report"]

    # Once matched, the item's page shows the reporter too: both are recorded.
    admin.post(f"{BASE}/lost/items/{item_id}/match", {"report_id": str(report_id)})
    shown = admin.post(f"{BASE}/lost/items/{item_id}/reveal").get_data(as_text=True)
    assert "林晓燕" in shown and "13709160011" in shown
    with owner_app.app_context():  # the owner reads every chain
        revealed = db.session.execute(select(AuditEvent.object_type, AuditEvent.object_id).where(
            AuditEvent.action == "pii.reveal").order_by(AuditEvent.id)).all()
    assert revealed[2:] == [("tourism_found_item", str(item_id)),
                            ("tourism_loss_report", str(report_id))]
    api = admin.get("/api/v1/s/liuxi/tourism/found-items").get_json()["items"][0]
    assert api["finder_name"] == "王*明" and api["finder_phone"] == "139****5678"


def test_the_public_page_shows_no_personal_data(app, demo, make_browser, browser):
    """东岭 runs the module with its demo data: finders, owners, ID numbers, phones."""
    page = browser.get("/p/dongling/tourism/", query_string={"found_from": "2000-01-01"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "黑色手机一部" in html and "车钥匙一把" in html
    assert "身份证一张" not in html and "折叠伞一把" not in html  # returned, disposed
    assert "灰色双肩包" not in html  # matched to a report: spoken for
    volunteers = within_station(app, "dongling", lambda: [
        (f.name, f.phone) for f in forces(kind="volunteer")])  # on its roster
    assert volunteers
    secrets = [n for n, _p in volunteers] + [p for _n, p in volunteers]
    secrets += [r[4] for r in REPORTS] + [r[5] for r in REPORTS]
    secrets += ["610726199001011234", "游客王先生"]
    secrets += [i[2] for i in ITEMS] + ["失物柜", "值班室"]  # full descriptions, storage
    for value in secrets:
        assert value not in html, value
    assert not re.search(r"\d{11}", re.sub(r"<[^>]+>", " ", html))  # no phone, no ID
    assert "*" not in re.sub(r"<[^>]+>", " ", html)  # not even a masked one
    for path in ("/p/dongling/tourism/report",):
        assert browser.get(path).status_code == 200


def test_a_tourist_reports_a_loss_without_an_account(owner_app, app, admin, browser):
    page = browser.get(f"{PUBLIC}/report")
    assert page.status_code == 200 and "我要报失" in page.get_data(as_text=True)
    refused = browser.post(f"{PUBLIC}/report", {**LOSS, "lost_on": local_today().isoformat(),
                                                "reporter_phone": "12345678901"})
    assert refused.status_code == 400
    assert "请输入 11 位手机号码" in refused.get_data(as_text=True)
    response = browser.post(f"{PUBLIC}/report", {**LOSS, "lost_on": local_today().isoformat()})
    assert response.status_code == 302
    done = browser.get(response.location).get_data(as_text=True)
    reference = re.search(r'id="reference">([A-Z0-9-]+)<', done).group(1)
    assert reference.startswith("L-")
    assert browser.get(f"{PUBLIC}/report/done?ref=L-NOSUCH").status_code == 404
    staff = admin.get(f"{BASE}/lost/reports").get_data(as_text=True)  # the losses' tab
    assert reference in staff and "网上报失" in staff
    with owner_app.app_context():  # the owner reads every chain
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.object_type == "tourism_loss_report", AuditEvent.action == "create"))
    assert event.actor_id is None and event.changes["reporter_name"] == [None, "林*燕"]


def test_the_public_page_is_rate_limited(app, admin, browser):
    for _ in range(60):
        assert browser.get(f"{PUBLIC}/").status_code == 200
    limited = browser.get(f"{PUBLIC}/")
    assert limited.status_code == 429 and "请求过于频繁" in limited.get_data(as_text=True)

    other = browser.__class__(browser.client.application.test_client())
    loss = {**LOSS, "lost_on": local_today().isoformat()}
    for _ in range(3):
        assert other.post(f"{PUBLIC}/report", loss).status_code == 302
    assert other.post(f"{PUBLIC}/report", loss).status_code == 429  # 3 a day per phone
    assert other.post(f"{PUBLIC}/report", {**loss, "reporter_phone": "13709160012"}) \
        .status_code == 302
    assert other.post(f"{PUBLIC}/report", {**loss, "reporter_phone": "13709160013"}) \
        .status_code == 429  # 5 an hour per address
    with app.app_context():
        keys = " ".join(db.session.scalars(select(RateLimit.key)))
    assert "report:phone:" in keys and "1370916001" not in keys  # the phone only hashed


def test_the_public_page_is_404_where_the_module_is_off(browser, demo):
    assert browser.get(f"{PUBLIC}/").status_code == 404  # 柳溪 has not switched it on
    assert browser.get("/p/no-such-station/tourism/").status_code == 404


def test_public_search_by_kind_and_dates(admin, browser):
    _item(admin)
    _item(admin, kind="钥匙", public_description="钥匙一串",
          found_on=(local_today() - timedelta(days=40)).isoformat())
    html = browser.get(f"{PUBLIC}/", query_string={"kind": "钥匙",
                                                   "found_from": "2000-01-01"}).get_data(
        as_text=True)
    assert "钥匙一串" in html and "黑色手机一部" not in html
    html = browser.get(f"{PUBLIC}/").get_data(as_text=True)  # the last 30 days by default
    assert "黑色手机一部" in html and "钥匙一串" not in html
    bad = browser.get(f"{PUBLIC}/", query_string={"kind": "飞机"})
    assert bad.status_code == 400 and "请从列表中选择一项" in bad.get_data(as_text=True)
    bad = browser.get(f"{PUBLIC}/", query_string={"found_from": "2030-01-02",
                                                  "found_to": "2030-01-01"})
    assert bad.status_code == 400 and "开始日期不能晚于结束日期" in bad.get_data(as_text=True)


def test_unclaimed_items_are_flagged_once_and_disposed_of(owner_app, app, admin, make_browser):
    old = _item(admin, found_on=(local_today() - timedelta(days=100)).isoformat())
    recent = _item(admin)
    refused = admin.post(f"{BASE}/lost/items/{recent}/dispose", {"note": "上交"})
    assert refused.status_code == 400 and "保管尚未满 90 天" in refused.get_data(as_text=True)
    runner = app.test_cli_runner()
    for _ in range(2):  # a second run (a retried job) changes nothing more
        result = runner.invoke(args=["jobs", "run", "tourism.flag_unclaimed"])
        assert result.exit_code == 0, result.output
    flags = within_station(app, "liuxi", lambda: db.session.scalars(
        select(FoundItem.disposal_due).order_by(FoundItem.id)).all())
    assert flags == [True, False]
    with owner_app.app_context():  # the owner reads every chain
        flagged = db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.object_type == "tourism_found_item", AuditEvent.action == "update",
            AuditEvent.object_id == str(old))).all()
    assert flagged == [{"disposal_due": [False, True]}]
    due = admin.get(f"{BASE}/lost", query_string={"status": "due"}).get_data(as_text=True)
    assert f"/lost/items/{old}" in due and f"/lost/items/{recent}" not in due
    assert "1 件失物待处置" in admin.get("/s/liuxi/").get_data(as_text=True)

    aux = make_browser("liuxi-aux")
    assert aux.post(f"{BASE}/lost/items/{old}/dispose", {"note": "上交"}).status_code == 403
    assert admin.post(f"{BASE}/lost/items/{old}/dispose", {"note": ""}).status_code == 400
    assert admin.post(f"{BASE}/lost/items/{old}/dispose", {"note": "上交县局统一处置"}) \
        .status_code == 302
    assert _state(app, old) == ("disposed", None)


def _many(app, n, make):
    """``n`` rows written directly (the forms would take a minute): ``make(i)`` each."""
    def add():
        db.session.add_all(make(i) for i in range(n))
        db.session.commit()

    within_station(app, "liuxi", add)


def _found(i, kind="手机", status="found", days_ago=0):
    return FoundItem(reference=f"S-MANY{i:02d}", kind=kind, public_description=f"物品{i:02d}号",
                     found_on=local_today() - timedelta(days=days_ago), found_place="古镇老街",
                     kept_at="会客厅", status=status)


def _loss(i, kind="手机", status="open"):
    return LossReport(reference=f"L-MANY{i:02d}", kind=kind, description=f"报失{i:02d}号",
                      lost_on=local_today(), reporter_name="林晓燕",
                      reporter_phone="13709160011", status=status)


def _shown(html, pattern):
    return sorted(set(re.findall(pattern, html)))


def test_the_items_list_pages_with_its_total_and_keeps_its_filters(app, admin):
    size = app.config["PAGE_SIZE"]
    _many(app, size + 7, _found)
    _many(app, 3, lambda i: _found(90 + i, kind="钥匙"))  # filtered out below
    first = admin.get(f"{BASE}/lost", query_string={"status": "found", "kind": "手机"})
    html = first.get_data(as_text=True)
    assert f'data-total="{size + 7}"' in html and f"共 {size + 7} 条" in html
    assert len(_shown(html, r"物品(\d\d)号")) == size
    next_page = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "status=found" in next_page and "kind=" in next_page and "page=2" in next_page
    rest = admin.get(next_page).get_data(as_text=True)
    assert len(_shown(rest, r"物品(\d\d)号")) == 7
    assert set(_shown(html, r"物品(\d\d)号")).isdisjoint(_shown(rest, r"物品(\d\d)号"))
    assert "物品9" not in html + rest  # the keys, another kind


def test_the_losses_list_pages_and_its_tab_says_how_many_are_open(app, admin):
    size = app.config["PAGE_SIZE"]
    _many(app, size + 2, _loss)
    _many(app, 1, lambda i: _loss(99, status="returned"))
    lost = admin.get(f"{BASE}/lost").get_data(as_text=True)
    tab = re.search(r'href="/s/liuxi/tourism/lost/reports"[^>]*>(.*?)</a>', lost, re.S).group(1)
    assert "游客报失" in tab and str(size + 2) in tab
    html = admin.get(f"{BASE}/lost/reports").get_data(as_text=True)  # still open, by default
    assert f'data-total="{size + 2}"' in html and len(_shown(html, r"报失(\d\d)号")) == size
    rest = admin.get(f"{BASE}/lost/reports", query_string={"page": "2"}).get_data(as_text=True)
    assert _shown(rest, r"报失(\d\d)号") == ["00", "01"]  # the newest first: the first two last
    returned = admin.get(f"{BASE}/lost/reports", query_string={"status": "returned"})
    assert _shown(returned.get_data(as_text=True), r"报失(\d\d)号") == ["99"]


def test_possible_matches_are_paged_not_cut_short(app, admin):
    """Every open loss of the kind is offered for a found item, ten a page; a page drawn
    after a refusal says how many there are and leads back to page through them."""
    _many(app, 23, _loss)
    item_id = _item(admin)
    html = admin.get(f"{BASE}/lost/items/{item_id}").get_data(as_text=True)
    assert 'data-total="23"' in html and html.count("data-match=") == 10
    last = admin.get(f"{BASE}/lost/items/{item_id}", query_string={"page": "3"})
    assert last.get_data(as_text=True).count("data-match=") == 3
    refused = admin.post(f"{BASE}/lost/items/{item_id}/match", {"report_id": "x"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'data-total="23"' in html
    # The pages link to the item's own page, not to the POST-only address that drew this.
    assert f'href="/s/liuxi/tourism/lost/items/{item_id}?page=2"' in html
    assert "/match?page" not in html


def test_the_public_search_pages_through_every_item(app, admin, browser):
    size = app.config["PAGE_SIZE"]
    _many(app, size + 4, _found)
    html = browser.get(f"{PUBLIC}/", query_string={"kind": "手机"}).get_data(as_text=True)
    assert f"找到 {size + 4} 件物品" in html and len(_shown(html, r"物品(\d\d)号")) == size
    rest = browser.get(f"{PUBLIC}/", query_string={"kind": "手机", "page": "2"})
    assert len(_shown(rest.get_data(as_text=True), r"物品(\d\d)号")) == 4
    next_page = re.search(r'rel="next" href="([^"]+)"', html).group(1)
    assert next_page.startswith(f"{PUBLIC}/?") and "kind=" in next_page


def test_only_a_role_that_may_reveal_unmasks_and_every_reveal_is_recorded(owner_app, app, admin,
                                                                          make_browser):
    """The platform's one rule (station admin and county IT, here the station's admin):
    an officer sees the lost-and-found masked, without the button, and is refused."""
    item_id, report_id = _item(admin), _report(admin)
    officer = make_browser("liuxi-officer")
    for path in (f"/lost/items/{item_id}", f"/lost/reports/{report_id}"):
        html = officer.get(BASE + path).get_data(as_text=True)
        assert "操作留痕" not in html and "王小明" not in html and "林晓燕" not in html
        assert "操作留痕" in admin.get(BASE + path).get_data(as_text=True), path
    for path in (f"/lost/items/{item_id}/reveal", f"/lost/reports/{report_id}/reveal"):
        assert officer.post(BASE + path).status_code == 403, path
        assert admin.post(BASE + path).status_code == 200, path
    with owner_app.app_context():  # the owner reads every chain
        events = db.session.execute(select(AuditEvent.object_type, AuditEvent.changes).where(
            AuditEvent.action == "pii.reveal").order_by(AuditEvent.id)).all()
    assert events == [
        ("tourism_found_item", {"fields": ["finder_name", "finder_phone", "receiver_name",
                                           "receiver_id_number"]}),
        ("tourism_loss_report", {"fields": ["reporter_name", "reporter_phone"]}),
    ]
    # Volunteers' phones are the station's ground's to show (and to reveal): never here.
    assert "1389216" not in admin.get(f"{BASE}/volunteers").get_data(as_text=True)
