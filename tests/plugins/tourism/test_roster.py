"""The roster as a station plans it: a week of posts and shifts against each season's
minimum, a peak day and the reinforcement it calls for, people never at two posts at once,
and two admins editing the same shift without overwriting each other."""

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.enrolment import enrol
from app.extensions import db
from app.plugin_api import Force, local_today
from app.users import User
from plugins.tourism.models import Assignment, RosterCell
from tenants.context import station_context
from tenants.models import Station
from tests.conftest import within_station

from .conftest import BASE, cell_html, force_id, member_ids, save_cell, version_of

MONDAY, SATURDAY = "2030-03-04", "2030-03-09"  # March: the normal season by default


def _people(app):
    return within_station(app, "liuxi", lambda: sorted(
        (c.post, c.shift, a.user_id) for c in db.session.scalars(select(RosterCell))
        for a in c.assignments))


def test_a_week_shows_short_cells_and_a_filled_shift_turns_staffed(app, admin):
    week = admin.get(f"{BASE}/roster", query_string={"week": "2030-03-06"})
    assert week.status_code == 200
    html = week.get_data(as_text=True)
    assert "2030-03-04 起的一周" in html  # any day picks its Monday
    cell = cell_html(html, MONDAY, "早班", "游客中心岗")
    assert 'data-short="1"' in cell and "0/2" in cell  # normal season: 2 at the centre
    assert "0/1" in cell_html(html, MONDAY, "晚班", "魏氏庄园岗")

    first, second = member_ids(admin)[:2]
    assert save_cell(admin, MONDAY, "早班", "游客中心岗", [first, second]).status_code == 302
    html = admin.get(f"{BASE}/roster", query_string={"week": MONDAY}).get_data(as_text=True)
    cell = cell_html(html, MONDAY, "早班", "游客中心岗")
    assert 'data-short="0"' in cell and "2/2" in cell
    assert len(_people(app)) == 2

    # Of that rostered day's six post-shifts, five are still short.
    figures = admin.get("/api/v1/s/liuxi/tourism/metrics?period=2030-03").get_json()["metrics"]
    assert figures["tourism.understaffed"] == 5


def test_nobody_stands_at_two_posts_in_one_shift(app, admin):
    someone = member_ids(admin)[0]
    assert save_cell(admin, MONDAY, "早班", "游客中心岗", [someone]).status_code == 302
    refused = save_cell(admin, MONDAY, "早班", "古镇老街岗", [someone])
    assert refused.status_code == 400
    assert "本班次已在游客中心岗值守" in refused.get_data(as_text=True)
    assert save_cell(admin, MONDAY, "晚班", "古镇老街岗", [someone]).status_code == 302
    assert save_cell(admin, MONDAY, "早班", "古镇老街岗", [999999]).status_code == 400
    assert [p for p, _s, _u in _people(app)] == ["古镇老街岗", "游客中心岗"]


def test_two_admins_editing_one_shift_do_not_overwrite_each_other(app, admin, make_browser):
    with app.app_context():
        liuxi = db.session.scalar(select(Station).where(Station.slug == "liuxi"))
        enrol(username="liuxi-admin2", full_name="副所长", role="station_admin", station=liuxi,
              password="fengqiao-demo")
        db.session.commit()
    other = make_browser("liuxi-admin2")
    a, b, c = member_ids(admin)[:3]

    # Both open the shift while it is still empty, both save: the second is refused.
    seen_by_first = version_of(admin, MONDAY, "早班", "游客中心岗")
    seen_by_second = version_of(other, MONDAY, "早班", "游客中心岗")
    assert save_cell(admin, MONDAY, "早班", "游客中心岗", [a], version=seen_by_first) \
        .status_code == 302
    refused = save_cell(other, MONDAY, "早班", "游客中心岗", [b], version=seen_by_second)
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "此班次已被他人修改" in html
    assert _name(app, a) in html.split('id="on-duty"')[1].split("</dd>")[0]  # what stands now

    # Again once the shift exists: both read version 1, the first save wins.
    seen_by_first = version_of(admin, MONDAY, "早班", "游客中心岗")
    seen_by_second = version_of(other, MONDAY, "早班", "游客中心岗")
    assert save_cell(other, MONDAY, "早班", "游客中心岗", [a, c], version=seen_by_second) \
        .status_code == 302
    assert save_cell(admin, MONDAY, "早班", "游客中心岗", [], version=seen_by_first) \
        .status_code == 409
    assert sorted(u for _p, _s, u in _people(app)) == sorted([a, c])


def test_the_database_refuses_a_stale_shift_even_between_check_and_save(app, admin):
    """Two saves that both passed the form's version check: the row's version column makes
    the second UPDATE match nothing, so it fails instead of overwriting."""
    save_cell(admin, MONDAY, "早班", "游客中心岗", member_ids(admin)[:1])

    def race():
        cell_id = db.session.scalar(select(RosterCell.id))
        first = db.session.get(RosterCell, cell_id)
        station = db.session.get(Station, first.tenant_id)
        with Session(db.engine) as other, station_context(station):
            second = other.get(RosterCell, cell_id)
            second.updated_by = None
            other.commit()
        first.updated_by = None
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            return "refused"
        return "overwritten"

    assert within_station(app, "liuxi", race) == "refused"


def test_a_peak_day_raises_the_minimum_and_names_who_can_be_sent(app, admin):
    people = member_ids(admin, day=SATURDAY)
    assert save_cell(admin, SATURDAY, "早班", "游客中心岗", people[:2]).status_code == 302
    html = admin.get(f"{BASE}/roster", query_string={"week": SATURDAY}).get_data(as_text=True)
    assert "2/2" in cell_html(html, SATURDAY, "早班", "游客中心岗")

    response = admin.post(f"{BASE}/peaks", {"day": SATURDAY, "reason": "古镇民俗节"})
    assert response.status_code == 302
    html = admin.get(response.location).get_data(as_text=True)
    cell = cell_html(html, SATURDAY, "早班", "游客中心岗")
    assert 'data-short="1"' in cell and "2/4" in cell  # peak minimum 3, +1 reinforcement
    assert "古镇民俗节" in html
    gap = html.split(f'data-gap="{SATURDAY}|早班"')[1].split("</li>")[0]
    on_duty, free = _name(app, people[0]), _name(app, people[2])
    assert "可增援" in gap and "赵文军·古镇义警" in gap  # a volunteer of the ground
    assert free in gap.split("可增援")[1] and on_duty not in gap.split("可增援")[1]

    again = admin.post(f"{BASE}/peaks", {"day": SATURDAY, "reason": "重复"})
    assert again.status_code == 400 and "这一天已设为高峰日" in again.get_data(as_text=True)
    bad = admin.post(f"{BASE}/peaks", {"day": "", "reason": "", "extra": "99"})
    assert bad.get_data(as_text=True).count("invalid-feedback") == 3


def _name(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).full_name


def test_a_renamed_post_keeps_its_people_as_no_longer_a_post(app, admin):
    someone = member_ids(admin)[0]
    assert save_cell(admin, MONDAY, "早班", "魏氏庄园岗", [someone]).status_code == 302
    posts = ("游客中心岗 | 青木川古镇游客中心 | 08:00-20:00 | 1 | 2 | 3\n"
             "庄园东门岗 | 魏氏庄园东门 | 08:30-18:00 | 1 | 1 | 2")
    settings = {"posts": posts, "shifts": "早班 | 08:00-14:00\n晚班 | 14:00-20:00",
                "peak_months": "7,8", "offpeak_months": "1", "peak_extra": "1",
                "help_kinds": "指路", "item_kinds": "手机", "disposal_days": "90",
                "claim_contact": "到会客厅认领"}
    assert admin.post("/s/liuxi/modules/tourism/settings", settings).status_code == 302
    html = admin.get(f"{BASE}/roster", query_string={"week": MONDAY}).get_data(as_text=True)
    assert "庄园东门岗" in html and "（已撤销的岗点）" in html
    old = admin.get(f"{BASE}/roster/cell", query_string={
        "day": MONDAY, "shift": "早班", "post": "魏氏庄园岗"})
    assert old.status_code == 200 and "（已撤销的岗点）" in old.get_data(as_text=True)
    assert admin.get(f"{BASE}/roster/cell", query_string={
        "day": MONDAY, "shift": "早班", "post": "从未有过的岗"}).status_code == 404
    assert _people(app) == [("魏氏庄园岗", "早班", someone)]


def test_posts_and_seasons_are_checked_line_by_line(admin):
    response = admin.post("/s/liuxi/modules/tourism/settings", {
        "posts": "游客中心岗 | 游客中心 | 08:00-20:00 | 1 | 2 | 3\n"
                 "老街岗 | 老街 | 8点到晚上 | 1 | 2 | 4",
        "shifts": "早班 | 08:00-14:00", "peak_months": "7,13", "offpeak_months": "1",
        "peak_extra": "1", "help_kinds": "指路", "item_kinds": "手机", "disposal_days": "90",
        "claim_contact": "到会客厅认领"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "时间请按“时:分-时:分”填写" in html and "2" in html  # which line is wrong
    assert "请用 1 到 12 的数字填写月份" in html
    page = admin.get("/s/liuxi/modules/tourism/settings").get_data(as_text=True)
    assert "古镇老街岗 | 回龙场老街 | 08:00-22:00 | 1 | 2 | 4" in page  # unchanged defaults


def test_auxiliaries_see_the_roster_but_do_not_plan_it(admin, make_browser):
    aux = make_browser("liuxi-aux")
    assert aux.get(f"{BASE}/roster").status_code == 200
    assert save_cell(aux, MONDAY, "早班", "游客中心岗", [], version="0").status_code == 403
    assert aux.post(f"{BASE}/peaks", {"day": MONDAY, "reason": "x"}).status_code == 403
    assert aux.get(f"{BASE}/volunteers").status_code == 200


def test_the_volunteers_page_lists_the_grounds_volunteers_and_sends_there_to_add(app, admin):
    save_cell(admin, local_today().isoformat(), "早班", "游客中心岗", (),
              [force_id(app, "钱秀梅")])
    _leaves(app, "周桂兰")
    page = admin.get(f"{BASE}/volunteers").get_data(as_text=True)
    listed = re.findall(r'data-force="(\d+)"', page)
    assert sorted(listed[:3]) == sorted(str(force_id(app, n)) for n in ("孙德胜", "赵文军",
                                                                        "钱秀梅"))
    assert listed[3:] == [str(force_id(app, "周桂兰"))]  # who left, after those on the roster
    assert "钱秀梅 <small class=\"text-muted\">· 古镇义警" in page
    item = page.split(f'data-force="{force_id(app, "钱秀梅")}"')[1].split("</li>")[0]
    assert "未来 7 天 1 个班次" in item
    assert "已离开" in page.split(f'data-force="{force_id(app, "周桂兰")}"')[1]
    assert "李德明" not in page  # a household head, not a volunteer
    assert 'href="/s/liuxi/ground/forces?kind=volunteer"' in page
    assert admin.post(f"{BASE}/volunteers", {"name": "x"}).status_code == 405  # the ground's


def _leaves(app, name):
    def leave():
        db.session.scalar(select(Force).where(Force.name == name)).active = False
        db.session.commit()

    within_station(app, "liuxi", leave)


def test_the_roster_takes_a_volunteer_and_refuses_other_forces_and_stations(app, admin):
    someone = member_ids(admin)[0]
    volunteer = force_id(app, "赵文军")
    offered = admin.get(f"{BASE}/roster/cell", query_string={
        "day": MONDAY, "shift": "早班", "post": "游客中心岗"}).get_data(as_text=True)
    assert f'name="force_ids" value="{volunteer}"' in offered
    head, theirs = force_id(app, "李德明"), force_id(app, "赵文军", slug="dongling")
    assert f'value="{head}"' not in offered and theirs != volunteer
    for stranger in (head, theirs, 999999):
        refused = save_cell(admin, MONDAY, "早班", "游客中心岗", [someone], [stranger])
        assert refused.status_code == 400, stranger
        assert "请从本所人员和在册义警中选择" in refused.get_data(as_text=True)
    assert within_station(app, "liuxi", lambda: db.session.scalars(select(Assignment)).all()) \
        == []
    assert save_cell(admin, MONDAY, "早班", "游客中心岗", [someone], [volunteer]) \
        .status_code == 302
    assert within_station(app, "liuxi", lambda: {
        (a.user_id, a.force_id) for a in db.session.scalars(select(Assignment))}) == {
        (someone, None), (None, volunteer)}
    week = admin.get(f"{BASE}/roster", query_string={"week": MONDAY}).get_data(as_text=True)
    assert "2/2" in cell_html(week, MONDAY, "早班", "游客中心岗")


def test_a_volunteer_who_left_stays_on_past_shifts_and_is_not_offered_again(app, admin):
    someone = member_ids(admin)[0]
    volunteer = force_id(app, "孙德胜")
    assert save_cell(admin, MONDAY, "早班", "游客中心岗", [someone], [volunteer]) \
        .status_code == 302
    _leaves(app, "孙德胜")
    day = admin.get(f"{BASE}/roster/day", query_string={"day": MONDAY}).get_data(as_text=True)
    assert "孙德胜·古镇义警" in day
    cell = admin.get(f"{BASE}/roster/cell", query_string={
        "day": MONDAY, "shift": "早班", "post": "游客中心岗"}).get_data(as_text=True)
    assert "孙德胜·古镇义警" in cell.split('id="on-duty"')[1].split("</dd>")[0]
    assert " checked" in _checkbox(cell, "force_ids", volunteer)  # kept, can be taken off
    # Saving the shift with them still on it keeps them; another shift does not take them.
    assert save_cell(admin, MONDAY, "早班", "游客中心岗", [someone], [volunteer]) \
        .status_code == 302
    other = admin.get(f"{BASE}/roster/cell", query_string={
        "day": MONDAY, "shift": "晚班", "post": "游客中心岗"}).get_data(as_text=True)
    assert f'name="force_ids" value="{volunteer}"' not in other
    assert save_cell(admin, MONDAY, "晚班", "游客中心岗", [], [volunteer]).status_code == 400
    gap = admin.get(f"{BASE}/roster", query_string={"week": MONDAY}).get_data(as_text=True)
    assert "孙德胜" not in gap.split(f'data-gap="{MONDAY}|晚班"')[1].split("</li>")[0]


def test_days_outside_2000_to_2100_are_refused_or_fall_back_to_today(app, admin):
    monday = local_today() - timedelta(days=local_today().weekday())
    for week in ("9999-12-31", "0001-01-03", "2030-02-30", "nonsense"):
        page = admin.get(f"{BASE}/roster", query_string={"week": week})
        assert page.status_code == 200, week
        assert f"{monday.isoformat()} 起的一周" in page.get_data(as_text=True)
    assert admin.get(f"{BASE}/roster", query_string={"week": "2100-12-31"}).status_code == 200
    assert admin.get(f"{BASE}/roster/cell", query_string={"day": "9999-12-27"}) \
        .status_code == 200  # today's cell
    someone = member_ids(admin)[0]
    for day in ("9999-12-27", "1999-12-31", "soon", ""):
        refused = save_cell(admin, day, "早班", "游客中心岗", [someone], version="0")
        assert refused.status_code == 400, day
        assert "请输入 2000 年至 2100 年之间的日期" in refused.get_data(as_text=True)
    assert _people(app) == []  # nothing saved, not even to today's cell


def _checkbox(html, name, value) -> str:
    match = re.search(rf'<input[^>]*name="{name}" value="{value}"[^>]*>', html)
    assert match, f"no {name} {value}"
    return match.group(0)


def test_someone_on_duty_elsewhere_in_the_shift_cannot_be_ticked(app, admin):
    someone, other = member_ids(admin)[:2]
    volunteer = force_id(app, "赵文军")
    assert save_cell(admin, MONDAY, "早班", "游客中心岗", [someone], [volunteer]) \
        .status_code == 302
    html = admin.get(f"{BASE}/roster/cell", query_string={
        "day": MONDAY, "shift": "早班", "post": "古镇老街岗"}).get_data(as_text=True)
    for name, value in (("user_ids", someone), ("force_ids", volunteer)):
        box = _checkbox(html, name, value)
        assert " disabled" in box and " checked" not in box
        where = re.search(r'aria-describedby="([^"]+)"', box).group(1)
        assert re.search(rf'id="{where}">· 已在游客中心岗值守<', html)
    assert " disabled" not in _checkbox(html, "user_ids", other)
    # The next shift is another matter: free there.
    evening = admin.get(f"{BASE}/roster/cell", query_string={
        "day": MONDAY, "shift": "晚班", "post": "古镇老街岗"}).get_data(as_text=True)
    assert " disabled" not in _checkbox(evening, "user_ids", someone)
    # At their own post they stay tickable, so they can be taken off.
    own = admin.get(f"{BASE}/roster/cell", query_string={
        "day": MONDAY, "shift": "早班", "post": "游客中心岗"}).get_data(as_text=True)
    assert " checked" in _checkbox(own, "user_ids", someone)
    # A crafted form that ticks them anyway is still refused, and saves nothing.
    refused = save_cell(admin, MONDAY, "早班", "古镇老街岗", [someone, other])
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "本班次已在游客中心岗值守" in html
    assert " checked" not in _checkbox(html, "user_ids", someone)
    assert " checked" in _checkbox(html, "user_ids", other)  # what they chose, kept
    assert within_station(app, "liuxi", lambda: db.session.scalars(
        select(RosterCell.post)).all()) == ["游客中心岗"]


def test_the_day_shows_one_days_posts_gaps_and_who_can_be_sent(app, admin):
    people = member_ids(admin, day=MONDAY)
    assert save_cell(admin, MONDAY, "早班", "游客中心岗", people[:2]).status_code == 302
    html = admin.get(f"{BASE}/roster/day", query_string={"day": MONDAY}).get_data(as_text=True)
    assert "3月4日周一" in html
    cells = re.findall(r'data-cell="([^"]+)" data-short="(\d)"', html)
    assert ("2030-03-04|早班|游客中心岗", "0") in cells
    assert ("2030-03-04|晚班|魏氏庄园岗", "1") in cells
    assert {c.split("|")[0] for c, _s in cells} == {MONDAY}  # that day only, six cells
    assert len(cells) == 6
    gap = html.split(f'data-gap="{MONDAY}|早班"')[1].split("</li>")[0]
    sent = gap.split("可增援")[1]
    assert _name(app, people[2]) in sent and _name(app, people[0]) not in sent
    assert f'data-gap="{MONDAY}|晚班"' in html and 'data-gap="2030-03-05' not in html
    # The same figures as the week's page: one roster, two views.
    week = admin.get(f"{BASE}/roster", query_string={"week": MONDAY}).get_data(as_text=True)
    assert "2/2" in cell_html(week, MONDAY, "早班", "游客中心岗")
    assert f'href="/s/liuxi/tourism/roster/day?day={MONDAY}"' in week
    for step, day in (("previous", "2030-03-03"), ("next", "2030-03-05")):
        assert re.search(rf'href="/s/liuxi/tourism/roster/day\?day={day}" data-day-step='
                         rf'"{step}"', html)
    assert f'href="/s/liuxi/tourism/roster?week={MONDAY}"' in html  # back to the week

    # A shift opened from the day goes back to the day once saved.
    cell = admin.get(f"{BASE}/roster/cell", query_string={
        "day": MONDAY, "shift": "晚班", "post": "魏氏庄园岗", "back": "day"})
    assert 'name="back" value="day"' in cell.get_data(as_text=True)
    saved = admin.post(f"{BASE}/roster/cell", {
        "day": MONDAY, "shift": "晚班", "post": "魏氏庄园岗", "back": "day",
        "version": version_of(admin, MONDAY, "晚班", "魏氏庄园岗"),
        "user_ids": [str(people[0])]})
    assert saved.status_code == 302
    assert saved.location.endswith(f"/roster/day?day={MONDAY}")
    assert save_cell(admin, MONDAY, "晚班", "古镇老街岗", [people[1]]).location.endswith(
        f"/roster?week={MONDAY}#day-{MONDAY}")  # from the week, to the week


def test_the_week_reads_the_same_statements_however_many_shifts_are_staffed(app, admin):
    """One query for the week's cells and one for all their people, and who is busy in a
    short shift from the same rows: not a query per cell or per shift."""
    from sqlalchemy import event

    week = f"{BASE}/roster?week=2030-03-04"

    def statements() -> int:
        seen = []

        def count(*args, **kwargs):
            seen.append(1)

        with app.app_context():
            engine = db.engine
        admin.get(week)  # warm
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert admin.get(week).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    members = member_ids(admin)
    volunteer = force_id(app, "赵文军")

    def staff(n):
        assert save_cell(admin, f"2030-03-0{4 + n}", "早班", "游客中心岗",
                         user_ids=members[:1],
                         force_ids=[volunteer] if n % 2 else ()).status_code == 302

    staff(0)
    one = statements()
    for n in range(1, 5):
        staff(n)
    assert statements() == one
    page = admin.get(week).get_data(as_text=True)
    assert "赵文军" in cell_html(page, "2030-03-05", "早班", "游客中心岗")
