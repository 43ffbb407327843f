"""The station's ground from and to a spreadsheet (issue 15): the export reads back
unchanged, every problem of an upload is named by row and column, "Apply" writes all rows
or none, and a preview can only be applied where it was made."""

import re
import zipfile
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.ground.models import Force, Village
from tests.conftest import owner_context, within_station

VILLAGES = "/s/dongling/ground/import/villages"
FORCES = "/s/dongling/ground/import/forces"
PAYLOAD = re.compile(r'name="payload" value="([^"]+)"')


def _xlsx(rows) -> BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _upload(browser, url, content, name="list.xlsx"):
    if not isinstance(content, BytesIO):
        content = BytesIO(content)
    return browser.post(url, {"file": (content, name)}, content_type="multipart/form-data")


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _payload(response) -> str:
    return PAYLOAD.search(response.get_data(as_text=True)).group(1)


def _villages(app, slug="dongling"):
    return within_station(app, slug, lambda: {
        v.name: (v.kind, v.zone, v.households, v.registered_population,
                 v.resident_population, v.note, v.active)
        for v in db.session.scalars(select(Village))})


def _forces(app, slug="dongling"):
    return within_station(app, slug, lambda: sorted(
        (f.name, f.phone, f.kind, f.village_id, f.grid_id, f.team, f.note, f.active)
        for f in db.session.scalars(select(Force))))


def _audit_count(what=None):
    with owner_context():
        query = select(func.count()).select_from(AuditEvent)
        if what:
            query = query.where(AuditEvent.object_type == what)
        return db.session.scalar(query)


@pytest.mark.parametrize(("export", "url", "rows"), [
    ("/s/dongling/ground/villages.xlsx", VILLAGES, 9),
    ("/s/dongling/ground/forces.xlsx", FORCES, 28),
])
def test_an_export_imported_back_unchanged_changes_nothing(make_browser, app, demo, export,
                                                           url, rows):
    admin = make_browser("dongling-admin")
    exported = admin.get(export)
    assert exported.status_code == 200 and exported.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(exported.data)).active
    header = [c.value for c in sheet[1]]
    assert header[0] in ("名称", "姓名") and "类别" in header  # in the user's language
    assert sheet.max_row == rows + 1
    before = (_villages(app), _forces(app))
    preview = _upload(admin, url, exported.data)
    assert preview.status_code == 200
    page = _text(preview)
    assert f"读取 {rows} 行：新增 0 行，更新 0 行，无变化 {rows} 行" in page, page
    assert "无需更改" in page and 'name="payload"' not in preview.get_data(as_text=True)
    assert (_villages(app), _forces(app)) == before


def test_the_villages_export_writes_kinds_as_words_and_no_formula(make_browser, app, demo):
    def odd_note():
        village = db.session.scalar(select(Village).where(Village.name == "河口村"))
        village.note = '=HYPERLINK("https://evil.example","详情")'
        db.session.commit()

    within_station(app, "dongling", odd_note)
    admin = make_browser("dongling-admin")
    exported = admin.get("/s/dongling/ground/villages.xlsx")
    sheet = load_workbook(BytesIO(exported.data)).active
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    hekou = rows["河口村"]
    assert [c.value for c in hekou[:4]] == ["河口村", "村", "河口警务室", 412]
    assert rows["东岭社区"][1].value == "社区"
    assert hekou[6].data_type == "s" and hekou[6].quotePrefix  # text, never a formula
    assert hekou[7].value == "是"
    preview = _upload(admin, VILLAGES, exported.data)
    assert "无变化 9 行" in _text(preview)  # the odd note reads back as it was


def test_rows_are_added_and_updated_all_at_once(make_browser, app, demo):
    # A title row above the header, English headers in another order, an unknown column.
    upload = _xlsx([
        ["东岭派出所辖区村（社区）一览"],
        ["Households", "Name", "Remarks", "Kind", "Resident population", "Note"],
        [420, "河口村", "ignored", "Village", 1210, None],
        [None, None, None, None, None, None],
        [80, "新建村", None, "村", 300, "新并入"],
        [None, "新社区", None, "community", None, None],
    ])
    admin = make_browser("dongling-admin")
    events = _audit_count("ground_village")
    preview = _upload(admin, VILLAGES, upload)
    assert preview.status_code == 200, _text(preview)
    page = _text(preview)
    assert "新增 2 行，更新 1 行" in page and "原值：412" in page
    assert _audit_count("ground_village") == events  # a preview writes nothing
    applied = admin.post(VILLAGES, {"payload": _payload(preview)})
    assert applied.status_code == 302 and applied.headers["Location"].endswith("/ground/")
    assert "新增 2 条，更新 1 条" in _text(admin.get(VILLAGES))
    after = _villages(app)
    assert after["河口村"][2] == 420 and after["河口村"][1] == "河口警务室"  # zone untouched
    assert after["新建村"] == ("village", None, 80, None, 300, "新并入", True)
    assert after["新社区"][0] == "community" and len(after) == 11  # nothing removed
    assert _audit_count("ground_village") == events + 3
    positions = within_station(app, "dongling", lambda: [
        v.name for v in db.session.scalars(select(Village).order_by(Village.position))])
    assert positions[-2:] == ["新建村", "新社区"]  # after the station's own order


def test_every_bad_row_is_named_and_nothing_is_applied(make_browser, app, demo):
    upload = _xlsx([
        ["名称", "类别", "户数", "常住人口"],
        ["河口村", "村", 420, 1210],             # fine
        ["石门村", "镇", 338, 980],              # row 3: no such kind
        ["新建村", "村", 80, 300],               # fine
        ["新建村", "村", 81, 301],               # row 5: twice in the file
        ["", "村", 1, 1],                        # row 6: no name
        ["大坪村", "村", 221, "很多"],           # row 7: text in a number
        ["河坝村", "村", -3, 1000],              # row 8: below zero
    ])
    admin = make_browser("dongling-admin")
    before, events = _villages(app), _audit_count()
    preview = _upload(admin, VILLAGES, upload)
    assert preview.status_code == 400
    page = _text(preview)
    for expected in ("第 3 行，类别：请填写以下之一：村、社区。",
                     "第 5 行，名称：与第 4 行相同。",
                     "第 6 行，名称：此项为必填项。",
                     "第 7 行，常住人口：请输入整数。",
                     "第 8 行，户数："):
        assert expected in page, f"{expected!r} not in {page}"
    assert "所有行都正确之前不会做任何更改" in page
    assert 'name="payload"' not in preview.get_data(as_text=True)  # no Apply button
    # Rows signed as a preview would sign them, posted by hand: they apply nothing either.
    from flask import g

    from app.ground.spreadsheets import _signer

    with app.test_request_context():
        g.station = demo.station("dongling")
        payload = _signer("villages").dumps({"rows": [
            [2, {"name": "河口村", "households": "999"}], [3, {"name": "x", "kind": "镇"}]]})
    again = admin.post(VILLAGES, {"payload": payload})
    assert again.status_code == 400 and "第 3 行，类别" in _text(again)
    assert "未做任何更改" in _text(again)
    assert _villages(app) == before and _audit_count() == events


def test_forces_are_matched_by_name_and_phone_and_their_village_must_exist(
        make_browser, app, demo):
    admin = make_browser("dongling-admin")
    sheet = load_workbook(BytesIO(admin.get("/s/dongling/ground/forces.xlsx").data)).active
    header = [c.value for c in sheet[1]]
    first = [c.value for c in sheet[2]]
    changed = list(first)
    changed[header.index("所属队伍或组织")] = "村夜巡队"
    upload = _xlsx([
        header,
        changed,                                                        # row 2: update
        ["钱大伟", "治安积极分子", "13700001111", "河口村", None, None, None, "是"],  # new
        ["孙小红", "网格员", "13700002222", "东岭村", None, None, None, "是"],        # row 4
        ["周大山", "网格员", "13700003333", "河口村", "第九网格", None, None, "是"],  # row 5
        ["吴晓", "百户", "1370000", "河口村", None, None, None, "是"],               # row 6
        ["钱大伟", "志愿者", "13700001111", None, None, None, None, None],            # row 7
    ])
    before = _forces(app)
    preview = _upload(admin, FORCES, upload)
    assert preview.status_code == 400
    page = _text(preview)
    for expected in ("第 4 行，村（社区）：本所没有这个名称的村（社区）。",
                     "第 5 行，网格：该村（社区）没有这个名称的网格。",
                     "第 6 行，类别：请填写以下之一：",
                     "第 6 行，手机号码：",
                     "第 7 行，姓名：与第 3 行相同。"):
        assert expected in page, f"{expected!r} not in {page}"
    assert _forces(app) == before

    good = _xlsx([header, changed,
                  ["钱大伟", "治安积极分子", 13700001111, "河口村", None, None, None, "是"]])
    preview = _upload(admin, FORCES, good)
    assert preview.status_code == 200 and "新增 1 行，更新 1 行" in _text(preview)
    assert admin.post(FORCES, {"payload": _payload(preview)}).status_code == 302
    after = _forces(app)
    assert len(after) == len(before) + 1
    added = next(f for f in after if f[0] == "钱大伟")
    assert added[:3] == ("钱大伟", "13700001111", "activist")
    assert any(f[0] == first[0] and f[5] == "村夜巡队" for f in after)


def test_apply_checks_the_ground_again(make_browser, app, demo):
    """A village renamed between the preview and "Apply": nothing is applied, the preview
    comes back naming the row."""
    admin = make_browser("dongling-admin")
    upload = _xlsx([["姓名", "类别", "电话", "村（社区）"],
                    ["钱大伟", "治安积极分子", "13700001111", "河口村"],
                    ["孙小红", "网格员", "13700002222", "石门村"]])
    preview = _upload(admin, FORCES, upload)
    assert preview.status_code == 200

    def rename():
        db.session.scalar(select(Village).where(Village.name == "石门村")).name = "石门新村"
        db.session.commit()

    within_station(app, "dongling", rename)
    before = _forces(app)
    applied = admin.post(FORCES, {"payload": _payload(preview)})
    assert applied.status_code == 400
    assert "第 3 行，村（社区）：本所没有这个名称的村（社区）。" in _text(applied)
    assert _forces(app) == before  # not even 钱大伟


def test_a_tampered_or_foreign_preview_is_refused(make_browser, app, demo):
    upload = _xlsx([["名称", "户数"], ["河口村", 999]])
    admin = make_browser("dongling-admin")
    payload = _payload(_upload(admin, VILLAGES, upload))
    before = (_villages(app), _villages(app, "qingshi"))
    tampered = payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB")
    refused = admin.post(VILLAGES, {"payload": tampered})
    assert refused.status_code == 400 and "不是为本所的这份名单生成的" in _text(refused)
    # Made for the villages, not the forces.
    assert admin.post(FORCES, {"payload": payload}).status_code == 400
    # Another station's admin: the payload is bound to 东岭, and 东岭 is not theirs.
    other = make_browser("qingshi-admin")
    other.get("/s/qingshi/ground/import/villages")
    assert other.post("/s/qingshi/ground/import/villages",
                      {"payload": payload}).status_code == 400
    assert other.post(VILLAGES, {"payload": payload}).status_code == 404
    assert (_villages(app), _villages(app, "qingshi")) == before


def test_only_who_keeps_the_ground_may_import(make_browser, demo):
    upload = _xlsx([["名称"], ["新建村"]]).getvalue()
    for username in ("dongling-aux", "dongling-officer"):
        browser = make_browser(username)
        for url in (VILLAGES, FORCES):
            assert browser.get(url).status_code == 403
            assert _upload(browser, url, upload).status_code == 403
    assert make_browser("county-lead").get(VILLAGES).status_code in (403, 404)


def test_the_forces_export_is_a_reveal(make_browser, app, demo):
    officer = make_browser("dongling-officer")
    assert officer.get("/s/dongling/ground/forces.xlsx").status_code == 403
    assert officer.get("/s/dongling/ground/villages.xlsx").status_code == 200
    with owner_context():
        reveals = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "pii.reveal"))
    exported = make_browser("dongling-admin").get("/s/dongling/ground/forces.xlsx")
    sheet = load_workbook(BytesIO(exported.data)).active
    assert sheet["C1"].value == "手机号码"  # as the force form says it
    phones = {row[2].value for row in sheet.iter_rows(min_row=2)}
    assert "*" not in "".join(phones) and all(len(p) == 11 for p in phones)  # unmasked
    with owner_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "pii.reveal").order_by(AuditEvent.id.desc())).first()
        count = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "pii.reveal"))
    assert count == reveals + 1
    assert (event.actor_name, event.object_type) == ("dongling-admin", "ground_force")
    assert event.changes["for"] == "export" and event.changes["rows"] == len(phones)


def test_files_that_are_not_a_list_are_clear(make_browser, demo):
    admin = make_browser("dongling-admin")
    cases = [
        ("name,kind\n河口村,村\n".encode(), "不是 XLSX 文件"),
        (_xlsx([["东岭派出所"], ["村", "户数"]]).getvalue(), "没有找到表头"),
        (_xlsx([["姓名", "电话"], ["钱大伟", "13700001111"]]).getvalue(), "缺少“类别”列"),
        (_xlsx([["名称", "名称"], ["a", "b"]]).getvalue(), "“名称”列出现了两次"),
        (_xlsx([["名称"]]).getvalue(), "只有表头，没有数据行"),
        (_xlsx([["名称"], *([f"村{i}"] for i in range(2001))]).getvalue(), "超过 2000 行"),
        (b"PK" + b"\0" * (2 * 1024 * 1024), "大于 2 MB"),
    ]
    for index, (content, expected) in enumerate(cases):
        url = FORCES if "类别" in expected else VILLAGES
        response = _upload(admin, url, content)
        assert response.status_code == 400, index
        assert expected in _text(response), (index, _text(response))
    nothing = admin.post(VILLAGES, {}, content_type="multipart/form-data")
    assert nothing.status_code == 400 and "请选择要上传的 XLSX 文件" in _text(nothing)


def test_a_full_file_fits_in_its_preview(make_browser, app, demo):
    """2,000 rows: the preview's signed rows go back with "Apply" within the form limit."""
    rows = [["名称", "类别", "所属警务室或片区", "户数", "户籍人口", "常住人口", "说明"]]
    rows += [[f"第{i:04d}号安置小区", "社区", "城区警务室", 300 + i, 1200 + i, 1100 + i,
              "二〇二五年新建的易地扶贫搬迁安置点"] for i in range(2000)]
    admin = make_browser("dongling-admin")
    preview = _upload(admin, VILLAGES, _xlsx(rows))
    assert preview.status_code == 200 and "新增 2000 行" in _text(preview)
    assert admin.post(VILLAGES, {"payload": _payload(preview)}).status_code == 302
    assert len(_villages(app)) == 2009


@pytest.mark.browser
def test_the_preview_on_a_small_phone(chromium, live_server, demo, tmp_path):
    """360 px, Chinese: a bad row is named above the table, and the wide table scrolls
    inside its card instead of widening the page."""
    import os

    path = tmp_path / "villages.xlsx"
    path.write_bytes(_xlsx([
        ["名称", "类别", "所属警务室或片区", "户数", "户籍人口", "常住人口", "说明", "在用"],
        ["河口村", "村", "河口警务室", 420, 1530, 1210, "沿河两岸，汛期重点巡查", "是"],
        ["新建村", "村", "石门片区", 80, 300, "很多", None, "是"],
    ]).getvalue())
    context = chromium.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(live_server + "/")
        page.fill("#f-username", "dongling-admin")
        page.fill("#f-password", "fengqiao-demo")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        page.goto(live_server + VILLAGES)
        page.set_input_files("#f-file", str(path))
        with page.expect_navigation():
            page.click("main form[enctype] button[type=submit]")
        assert "第 3 行，常住人口：请输入整数。" in page.locator("#import-problems").inner_text()
        assert page.locator("form input[name=payload]").count() == 0  # nothing to apply
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        scroller = page.locator(".table-responsive")
        assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")  # it scrolls itself
        if os.environ.get("TEST_ARTIFACTS"):
            os.makedirs(os.environ["TEST_ARTIFACTS"], exist_ok=True)
            page.screenshot(path=os.path.join(os.environ["TEST_ARTIFACTS"],
                                              "ground-import-preview.png"), full_page=True)
            scroller.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
            page.screenshot(path=os.path.join(os.environ["TEST_ARTIFACTS"],
                                              "ground-import-preview-right.png"))
    finally:
        context.close()


def test_an_old_list_naming_a_renamed_village_is_told_its_new_name(make_browser, app, demo):
    def rename():
        from app.ground.models import VillageName

        village = db.session.scalar(select(Village).where(Village.name == "石门村"))
        village.name = "石门新村"
        db.session.add(VillageName(village_id=village.id, name="石门村"))
        db.session.commit()

    within_station(app, "dongling", rename)
    admin = make_browser("dongling-admin")
    villages = _upload(admin, VILLAGES, _xlsx([["名称", "户数"], ["石门村", 340]]))
    assert "第 2 行，名称：该村（社区）现名“石门新村”，请填写现名。" in _text(villages)
    forces = _upload(admin, FORCES, _xlsx([["姓名", "类别", "电话", "村（社区）"],
                                           ["钱大伟", "网格员", "13700001111", "石门村"]]))
    assert "第 2 行，村（社区）：该村（社区）现名“石门新村”，请填写现名。" in _text(forces)
    assert len(_villages(app)) == 9


def test_in_english_the_headers_and_problems_are_english_and_chinese_files_still_read(
        make_browser, demo):
    admin = make_browser("dongling-admin")
    admin.post("/lang", {"lang": "en"})
    sheet = load_workbook(BytesIO(admin.get("/s/dongling/ground/villages.xlsx").data)).active
    assert [c.value for c in sheet[1]] == [
        "Name", "Kind", "Police office or zone", "Households", "Registered population",
        "Resident population", "Note", "In use"]
    assert {row[1].value for row in sheet.iter_rows(min_row=2)} == {"Village", "Community"}
    chinese = _xlsx([["名称", "类别", "常住人口"], ["河口村", "社区", 1210],
                     ["大坪村", "村", "很多"]])
    page = _text(_upload(admin, VILLAGES, chinese))
    assert "Row 3, Resident population: Please enter a whole number." in page, page
    assert "2 rows read: 0 new, 1 to update, 0 unchanged." in page


def test_a_preview_older_than_an_hour_is_refused(make_browser, app, demo, monkeypatch):
    import time

    from itsdangerous import TimestampSigner

    admin = make_browser("dongling-admin")
    payload = _payload(_upload(admin, VILLAGES, _xlsx([["名称", "户数"], ["河口村", 999]])))
    before = _villages(app)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + 3601)
    late = admin.post(VILLAGES, {"payload": payload})
    assert late.status_code == 400 and "此预览已超过一小时" in _text(late)
    assert _villages(app) == before


def _households(app, name="河口村"):
    return within_station(app, "dongling", lambda: db.session.scalar(
        select(Village.households).where(Village.name == name)))


def _set_households(app, value, name="河口村"):
    def edit():  # as the village's edit page would, between the preview and "Apply"
        db.session.scalar(select(Village).where(Village.name == name)).households = value
        db.session.commit()

    within_station(app, "dongling", edit)


def test_a_preview_gone_stale_applies_nothing_and_shows_the_list_as_it_now_is(
        make_browser, app, demo):
    admin = make_browser("dongling-admin")
    preview = _upload(admin, VILLAGES, _xlsx([["名称", "户数"], ["河口村", 320]]))
    assert "原值：412" in _text(preview)
    _set_households(app, 999)
    events = _audit_count("ground_village")
    stale = admin.post(VILLAGES, {"payload": _payload(preview)})
    assert stale.status_code == 409
    page = _text(stale)
    assert "预览之后数据已有变动，请核对新的预览后再导入。" in page
    assert "原值：999" in page and "更新 1 行" in page  # the new preview, to check
    assert _households(app) == 999 and _audit_count("ground_village") == events
    # The new preview, once checked, applies.
    assert admin.post(VILLAGES, {"payload": _payload(stale)}).status_code == 302
    assert _households(app) == 320


def test_a_preview_applied_twice_changes_nothing_the_second_time(make_browser, app, demo):
    admin = make_browser("dongling-admin")
    preview = _upload(admin, VILLAGES, _xlsx([["名称", "户数"], ["河口村", 320]]))
    payload = _payload(preview)
    assert admin.post(VILLAGES, {"payload": payload}).status_code == 302
    assert _households(app) == 320
    _set_households(app, 500)  # edited after the import: a second submit must not undo it
    events = _audit_count("ground_village")
    again = admin.post(VILLAGES, {"payload": payload})
    assert again.status_code == 409 and "预览之后数据已有变动" in _text(again)
    assert _households(app) == 500 and _audit_count("ground_village") == events
    _set_households(app, 320)
    # Submitted twice with nothing edited between: nothing to do, and said so.
    double = admin.post(VILLAGES, {"payload": payload})
    assert double.status_code == 302 and double.headers["Location"].endswith("/ground/")
    assert "表格中的内容均已导入，无需再次导入。" in _text(admin.get(VILLAGES))
    assert _audit_count("ground_village") == events + 1  # only the edit back to 320


def test_a_force_row_with_a_bad_phone_names_its_village_and_grid_too(make_browser, app, demo):
    admin = make_browser("dongling-admin")
    upload = _xlsx([["姓名", "类别", "手机号码", "村（社区）", "网格"],
                    ["吴晓", "网格员", "1370000", "东岭村", None],
                    ["郑明", "网格员", "12", "河口村", "第九网格"],
                    ["", "网格员", "13700004444", "东岭村", None]])
    before = _forces(app)
    page = _text(_upload(admin, FORCES, upload))
    for expected in ("第 2 行，手机号码：", "第 2 行，村（社区）：本所没有这个名称的村（社区）。",
                     "第 3 行，手机号码：", "第 3 行，网格：该村（社区）没有这个名称的网格。",
                     "第 4 行，姓名：此项为必填项。",
                     "第 4 行，村（社区）：本所没有这个名称的村（社区）。"):
        assert expected in page, f"{expected!r} not in {page}"
    assert _forces(app) == before


def _with_blank_rows(rows, blank: int) -> BytesIO:
    """An XLSX of ``rows`` followed by ``blank`` empty formatted rows, as a sheet whose
    borders were once drawn far down has them (written into the XML: openpyxl would take
    seconds)."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    first = len(rows) + 1
    from openpyxl.styles import Font

    book.active.cell(row=first, column=1).font = Font(bold=True)
    buffer = BytesIO()
    book.save(buffer)
    out = BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) \
            as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                text = data.decode()
                styled = re.search(rf'<row r="{first}".*?</row>', text).group(0)
                text = text.replace(styled, "".join(
                    styled.replace(f'"{first}"', f'"{n}"').replace(f'"A{first}"', f'"A{n}"')
                    for n in range(first, first + blank)))
                text = re.sub(r'<dimension ref="[^"]+"',
                              f'<dimension ref="A1:B{first + blank - 1}"', text)
                data = text.encode()
            target.writestr(name, data)
    out.seek(0)
    return out


def test_a_sheet_with_endless_empty_rows_is_refused_without_reading_them(
        make_browser, app, demo, monkeypatch):
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    from app.ground.spreadsheets import HEADER_SEARCH, MAX_SHEET_ROWS

    iter_rows, read = ReadOnlyWorksheet.iter_rows, []

    def counted(self, *args, **kwargs):
        for row in iter_rows(self, *args, **kwargs):
            read.append(1)
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "iter_rows", counted)
    admin = make_browser("dongling-admin")
    rows = [["名称", "户数"], ["河口村", 320], ["新建村", 80]]
    before = _villages(app)
    endless = _upload(admin, VILLAGES, _with_blank_rows(rows, 100_000))
    assert endless.status_code == 400
    assert "表头下方超过 10000 行（含空行）" in _text(endless), _text(endless)
    assert len(read) <= HEADER_SEARCH + MAX_SHEET_ROWS + 1  # not the 100,000 empty ones
    assert _villages(app) == before
    # A few hundred empty formatted rows under a list are usual: they are skipped.
    usual = _upload(admin, VILLAGES, _with_blank_rows(rows, 300))
    assert usual.status_code == 200 and "读取 2 行：新增 1 行，更新 1 行" in _text(usual)


def test_the_forces_export_link_says_it_holds_phones_and_is_audited(make_browser, demo):
    page = _text(make_browser("dongling-admin").get("/s/dongling/ground/"))
    assert "导出群防群治力量表格（含手机号码，导出将记入审计日志）" in page
