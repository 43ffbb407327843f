"""The module in a real browser: the lounge counter on a phone and a tablet, a week of the
roster with a peak day's reinforcement, one day of it on a 360 px phone, the module's tabs
on that phone, and a lost phone found, reported by the tourist on the public page and
handed back with the owner's identity checked."""

import os
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.plugin_api import local_today
from plugins.tourism.models import VisitorCount
from tests.conftest import sign_in_page, within_station

from .conftest import member_ids, save_cell
from .test_lounge import day_label

pytestmark = pytest.mark.browser

BASE = "/s/liuxi/tourism"


def _shot(page, name):
    folder = os.environ.get("TEST_ARTIFACTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"tourism_{name}.png"), full_page=True)


@pytest.fixture
def module_on(make_browser, demo):
    assert make_browser("liuxi-admin").post("/s/liuxi/modules/tourism/enable") \
        .status_code == 302


@pytest.fixture
def narrow(chromium):
    """The narrowest phone officers carry (360 px wide), in Chinese."""
    context = chromium.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN")
    yield context.new_page()
    context.close()


def _fits(page, selector):
    """Every element matched is wholly on the screen, and nothing scrolls sideways."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    boxes = page.locator(selector)
    assert boxes.count() > 0, selector
    for n in range(boxes.count()):
        box = boxes.nth(n).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (
            boxes.nth(n).inner_text(), box)


@pytest.fixture
def desktop(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield context.new_page()
    context.close()


def test_the_lounge_counter_on_a_phone_and_a_tablet(app, phone, chromium, live_server,
                                                     module_on):
    page = phone
    sign_in_page(page, live_server, "liuxi-aux")  # the desk is often an auxiliary's
    page.goto(live_server + f"{BASE}/lounge")
    count = page.locator("#visitor-count")
    expect(count).to_have_text("0")
    page.click("#count-undo")  # nothing to take back yet: the desk says so
    expect(page.locator("#desk [role=status]")).to_have_text("今天还没有可撤回的接待人次。")
    expect(count).to_have_text("0")
    for n in (1, 2, 3):
        page.click("#count-one")
        expect(count).to_have_text(str(n))
    page.click("#count-five")
    expect(count).to_have_text("8")
    page.click("#count-undo")
    expect(count).to_have_text("7")
    page.click("[data-help='寻找走失儿童']")
    expect(page.locator("[data-help='寻找走失儿童'] .badge")).to_have_text("1")
    # The rest of the screen follows the tap, without a reload: today's row of the two
    # weeks' table and today's help.
    today = page.locator("table tr", has_text=day_label(local_today()))
    expect(today.locator("td").nth(1)).to_have_text("7")  # visitors
    expect(today.locator("td").nth(2)).to_have_text("1")  # help given
    done_today = page.locator("section", has_text="今日帮助记录")
    expect(done_today).to_contain_text("寻找走失儿童")
    expect(done_today).not_to_contain_text("今天还没有记录")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "lounge_phone")

    page.reload()
    expect(page.locator("#visitor-count")).to_have_text("7")  # stored, not just shown
    assert within_station(app, "liuxi", lambda: db.session.scalar(
        select(func.sum(VisitorCount.visitors)))) == 7

    tablet = chromium.new_context(viewport={"width": 820, "height": 1180}, locale="zh-CN")
    desk = tablet.new_page()
    sign_in_page(desk, live_server, "liuxi-admin")
    desk.goto(live_server + f"{BASE}/lounge")
    desk.click("#count-one")  # a second desk adds to the same count
    expect(desk.locator("#visitor-count")).to_have_text("8")
    expect(desk.locator("table tr", has_text=day_label(local_today())).locator("td").nth(1)) \
        .to_have_text("8")
    _shot(desk, "lounge_tablet")
    tablet.close()


def test_a_roster_week_with_a_peak_day(desktop, live_server, module_on):
    page = desktop
    sign_in_page(page, live_server, "liuxi-admin")
    # The volunteers are the station's ground's: listed here, added there.
    page.goto(live_server + f"{BASE}/volunteers")
    expect(page.locator("#volunteers")).to_contain_text("赵文军 · 古镇义警")
    expect(page.locator("#ground-volunteers")).to_have_attribute(
        "href", "/s/liuxi/ground/forces?kind=volunteer")

    page.goto(live_server + f"{BASE}/roster?week=2030-03-04")
    cell = page.locator("td[data-cell='2030-03-04|早班|游客中心岗']")
    expect(cell).to_have_attribute("data-short", "1")
    expect(cell.locator("[data-staffed]")).to_have_text("0/2")
    with page.expect_navigation():
        cell.locator("a").click()
    members = page.locator("input[name=user_ids]")
    members.nth(0).check()
    members.nth(1).check()
    free = page.locator("label[for^='u-']").nth(2).inner_text()
    with page.expect_navigation():
        page.click("text=保存此班次")
    assert "已保存" in page.locator(".alert").first.inner_text()
    cell = page.locator("td[data-cell='2030-03-04|早班|游客中心岗']")
    expect(cell).to_have_attribute("data-short", "0")
    expect(cell.locator("[data-staffed]")).to_have_text("2/2")

    page.fill("#f-day", "2030-03-04")
    page.fill("#f-reason", "古镇民俗节")
    with page.expect_navigation():
        page.click("text=设为高峰日")
    cell = page.locator("td[data-cell='2030-03-04|早班|游客中心岗']")
    expect(cell).to_have_attribute("data-short", "1")
    expect(cell.locator("[data-staffed]")).to_have_text("2/4")
    gap = page.locator("[data-gap='2030-03-04|早班'] [data-reinforcement]")
    expect(gap).to_contain_text(free)
    expect(gap).to_contain_text("赵文军·古镇义警")
    _shot(page, "roster_week")


def test_a_lost_phone_goes_back_to_its_owner(desktop, phone, live_server, module_on):
    staff = desktop
    sign_in_page(staff, live_server, "liuxi-officer")
    staff.goto(live_server + f"{BASE}/lost/items/new")
    # What each field is called: the finder's, not a courtyard concern's "提出人".
    for field, words in (("kind", "物品类别"), ("public_description", "物品名称（公开显示）"),
                         ("found_on", "拾得日期"), ("found_place", "拾得地点"),
                         ("kept_at", "保管位置"), ("finder_name", "拾得人姓名"),
                         ("finder_phone", "拾得人电话")):
        expect(staff.locator(f"label[for=f-{field}]")).to_have_text(
            re.compile(rf"^{re.escape(words)}( \*)?$"))
    staff.select_option("#f-kind", "手机")
    staff.fill("#f-public_description", "黑色手机一部")
    staff.fill("#f-description", "华为手机，蓝色手机壳，壳内夹一张公交卡")
    staff.fill("#f-found_place", "古镇老街")
    staff.fill("#f-kept_at", "会客厅失物柜1号")
    with staff.expect_navigation():
        staff.click("text=登记物品")
    expect(staff.locator("#item-status")).to_contain_text("待认领")

    tourist = phone  # no account
    tourist.goto(live_server + "/p/liuxi/tourism/")
    with tourist.expect_navigation():
        tourist.click("form button:has-text('查询')")
    expect(tourist.locator("#results")).to_contain_text("黑色手机一部")
    expect(tourist.locator("#results")).not_to_contain_text("会客厅失物柜")
    _shot(tourist, "public_search")
    with tourist.expect_navigation():
        tourist.click("text=我要报失")
    for field, words in (("kind", "丢失物品类别"), ("lost_on", "丢失日期"),
                         ("reporter_name", "您的姓名"), ("reporter_phone", "您的手机号码")):
        expect(tourist.locator(f"label[for=f-{field}]")).to_have_text(
            re.compile(rf"^{re.escape(words)}( \*)?$"))
    tourist.select_option("#f-kind", "手机")
    tourist.fill("#f-description", "华为手机，蓝色壳，里面有公交卡")
    tourist.fill("#f-lost_place", "古镇老街")
    tourist.fill("#f-reporter_name", "林晓燕")
    tourist.fill("#f-reporter_phone", "13709160011")
    with tourist.expect_navigation():
        tourist.click("text=提交报失")
    reference = tourist.locator("#reference").inner_text()
    assert reference.startswith("L-")
    assert tourist.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(tourist, "public_reported")

    staff.goto(live_server + f"{BASE}/lost")
    with staff.expect_navigation():
        staff.click("main .nav-tabs >> text=游客报失")  # the losses' own list
    with staff.expect_navigation():
        staff.click(f"text={reference}")
    expect(staff.locator("main")).to_contain_text("林*燕")  # masked by default
    expect(staff.locator("main dl")).to_contain_text("报失人")
    expect(staff.locator("main dl")).to_contain_text("丢失日期和地点")
    with staff.expect_navigation():
        staff.click("text=比对为此物品")
    expect(staff.locator("#item-status")).to_contain_text("已比对到报失")
    staff.fill("#f-receiver_name", "林晓燕")
    staff.fill("#f-receiver_id_number", "61072619900101123X")
    staff.check("#f-details_confirmed")
    staff.check("#f-identity_checked")
    with staff.expect_navigation():
        staff.click("text=返还并登记")
    expect(staff.locator("#item-status")).to_contain_text("已返还")
    expect(staff.locator("#handover")).to_contain_text("林*燕")
    expect(staff.locator("#handover")).to_contain_text("6107**********123X")
    expect(staff.locator("main dl")).to_contain_text("拾得日期和地点")
    expect(staff.locator("main dl")).to_contain_text("返还记录")
    _shot(staff, "returned")


def test_every_tab_fits_a_360px_phone(narrow, live_server, module_on):
    page = narrow
    sign_in_page(page, live_server, "liuxi-admin")
    for path in ("/", "/roster", "/roster/day", "/lounge", "/lost", "/lost/reports",
                 "/seasons", "/volunteers"):
        page.goto(live_server + BASE + path)
        tabs = "nav[aria-label='旅游警务'] a"
        expect(page.locator(tabs)).to_have_count(6)
        _fits(page, tabs)
        for words in ("概览", "排班", "会客厅登记", "失物招领", "淡旺季分析", "义警"):
            expect(page.locator(tabs, has_text=words)).to_be_visible()
        expect(page.locator(f"{tabs}[aria-current=page]")).to_have_count(1)
    _shot(page, "tabs_360")


def test_one_day_of_the_roster_on_a_360px_phone(app, narrow, make_browser, live_server,
                                                module_on):
    """The day's shifts one under the other, its gaps and who can be sent, the days before
    and after, and the shifts edited from there; someone already at another post in the
    same shift shows where and cannot be ticked."""
    monday = "2030-03-04"
    planner = make_browser("liuxi-admin")
    people = member_ids(planner, day=monday)
    assert save_cell(planner, monday, "早班", "游客中心岗", people[:1]).status_code == 302
    page = narrow
    sign_in_page(page, live_server, "liuxi-admin")
    page.goto(live_server + f"{BASE}/roster?week={monday}")
    with page.expect_navigation():
        page.click("[data-views] >> text=按日")
    assert page.url.endswith(f"/roster/day?day={monday}")
    expect(page.locator("h1")).to_contain_text("3月4日周一")
    expect(page.locator("[data-cell]")).to_have_count(6)
    _fits(page, "[data-cell], [data-gap], [data-views] a, [data-day-step]")
    centre = page.locator(f"[data-cell='{monday}|早班|游客中心岗']")
    expect(centre).to_have_attribute("data-short", "1")
    expect(centre.locator("[data-staffed]")).to_have_text("1/2")
    gap = page.locator(f"[data-gap='{monday}|早班'] [data-reinforcement]")
    expect(gap).to_contain_text("赵文军·古镇义警")
    on_duty = centre.locator("small").inner_text()
    assert on_duty not in gap.inner_text().split("：", 1)[1]
    _shot(page, "roster_day_360")

    # A shift from the day: the person at the centre cannot be ticked for the old street.
    with page.expect_navigation():
        page.click(f"[data-cell='{monday}|早班|古镇老街岗'] a")
    busy = page.locator(f"input[name=user_ids][value='{people[0]}']")
    expect(busy).to_be_disabled()
    expect(page.locator(f"label[for=u-{people[0]}]")).to_contain_text("已在游客中心岗值守")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _shot(page, "cell_busy_360")
    page.check(f"input[name=user_ids][value='{people[1]}']")
    page.check(f"input[name=user_ids][value='{people[2]}']")
    with page.expect_navigation():
        page.click("text=保存此班次")
    assert page.url.endswith(f"/roster/day?day={monday}")  # back to the day, not the week
    street = page.locator(f"[data-cell='{monday}|早班|古镇老街岗']")
    expect(street.locator("[data-staffed]")).to_have_text("2/2")

    with page.expect_navigation():
        page.click("[data-day-step=next]")
    expect(page.locator("h1")).to_contain_text("3月5日周二")
    expect(page.locator("[data-cell='2030-03-05|早班|古镇老街岗'] [data-staffed]")) \
        .to_have_text("0/2")
    with page.expect_navigation():
        page.click("[data-views] >> text=按周")
    assert page.url.endswith("/roster?week=2030-03-05")
    expect(page.locator("td[data-cell='2030-03-04|早班|古镇老街岗'] [data-staffed]")) \
        .to_have_text("2/2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
