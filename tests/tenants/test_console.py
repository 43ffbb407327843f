"""County IT onboards stations and the county's own people (web and CLI) and sees every station
of the county; county leadership reads the console."""

import re

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.enrolment import enrol
from app.extensions import db
from app.users import Membership, User, find_user
from tenants.models import Station
from tenants.onboarding import create_county, create_station
from tests.conftest import owner_context

NEW_STATION = {
    "name": "南川派出所", "slug": "nanchuan", "admin_username": "nanchuan-admin",
    "admin_full_name": "孙立新", "admin_phone": "13600001234",
}


def test_county_it_sees_every_station(make_browser, demo):
    html = make_browser("county-it").get("/county/demo/").get_data(as_text=True)
    for name in ("东岭派出所", "青石派出所", "柳溪派出所"):
        assert name in html


def test_county_it_creates_a_station_with_its_first_admin(make_browser, app, demo):
    county = make_browser("county-it")
    response = county.post("/county/demo/stations/new", NEW_STATION)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "南川派出所" in html
    link = re.search(r'value="http://fengqiao\.test(/auth/invite/[^"]+)"', html).group(1)
    newcomer = make_browser()
    newcomer.post(link, {"password": "nanchuan-pass", "confirm": "nanchuan-pass"})
    page = newcomer.get("/", follow_redirects=True)
    assert page.request.path == "/s/nanchuan/"
    assert newcomer.get("/s/nanchuan/members").status_code == 200  # the admin manages people
    assert "南川派出所" in county.get("/county/demo/").get_data(as_text=True)


def test_invalid_station_form_reports_each_field_and_creates_nothing(make_browser, app, demo):
    county = make_browser("county-it")
    response = county.post("/county/demo/stations/new", {
        **NEW_STATION, "slug": "Bad Slug!", "admin_username": "", "admin_phone": "123",
    })
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.count("invalid-feedback") == 3
    taken = county.post("/county/demo/stations/new", {**NEW_STATION, "slug": "dongling"})
    assert "已被占用" in taken.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Station)) == 3
        assert find_user("nanchuan-admin") is None


def test_county_leadership_sees_but_cannot_create(make_browser, demo):
    lead = make_browser("county-lead")
    assert lead.get("/county/demo/").status_code == 200
    assert lead.get("/county/demo/stations/new").status_code == 403
    assert lead.post("/county/demo/stations/new", NEW_STATION).status_code == 403


def test_county_it_can_open_a_station_of_the_county(make_browser, demo):
    county = make_browser("county-it")
    assert county.get("/s/liuxi/").status_code == 200
    assert county.get("/s/liuxi/members").status_code == 200
    assert make_browser("county-lead").get("/s/liuxi/members").status_code == 403


def test_cli_creates_a_station(app, demo):
    runner = app.test_cli_runner()
    result = runner.invoke(args=[
        "station", "create", "--county", "demo", "--name", "北坡派出所", "--slug", "beipo",
        "--admin-username", "beipo-admin", "--admin-name", "周北坡",
    ])
    assert result.exit_code == 0, result.output
    assert "/auth/invite/" in result.output
    with app.app_context():
        user = find_user("beipo-admin")
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        assert membership.role == "station_admin"
    listing = runner.invoke(args=["station", "list", "--county", "demo"])
    assert "beipo" in listing.output


def test_cli_rejects_bad_input_clearly_and_writes_nothing(app, demo):
    result = app.test_cli_runner().invoke(args=[
        "station", "create", "--county", "demo", "--name", "北坡派出所", "--slug", "-bad-",
        "--admin-username", "x", "--admin-name", "周北坡",
    ])
    assert result.exit_code == 2
    assert "slug" in result.output and "admin_username" in result.output
    unknown = app.test_cli_runner().invoke(args=[
        "station", "create", "--county", "nowhere", "--name", "a", "--slug", "abc",
        "--admin-username", "abc", "--admin-name", "a",
    ])
    assert unknown.exit_code == 2 and "nowhere" in unknown.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Station)) == 3


def test_a_new_station_starts_with_the_modules_chosen(make_browser, app, owner_app, demo):
    county = make_browser("county-it")
    form = county.get("/county/demo/stations/new").get_data(as_text=True)
    assert 'name="modules" value="courtyard"' in form
    response = county.post("/county/demo/stations/new", {**NEW_STATION, "modules": "courtyard"})
    assert response.status_code == 200
    with owner_app.app_context():
        admin = find_user("nanchuan-admin")
        admin.set_password_as_owner("nanchuan-pass")
        db.session.commit()
    admin = make_browser("nanchuan-admin", "nanchuan-pass")
    assert admin.get("/s/nanchuan/courtyard/").status_code == 200
    refused = county.post("/county/demo/stations/new", {
        **NEW_STATION, "slug": "beichuan", "admin_username": "beichuan-admin",
        "modules": "nothing"})
    assert refused.status_code == 400 and "未知模块" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Station).where(
            Station.slug == "beichuan")) == 0


def test_county_leadership_compares_stations_on_the_dashboard(owner_app, make_browser, demo, app):

    from app.plugin_api import local_today
    from plugins.courtyard.models import Session
    from tenants.context import station_context

    with app.app_context(), station_context(db.session.get(Station, demo.station("dongling").id)):
        held = db.session.scalars(select(Session.held_on)).all()
    this_month = sum(d.strftime("%Y-%m") == local_today().strftime("%Y-%m") for d in held)
    lead = make_browser("county-lead")
    # This month named in the address: the page's default period is not this test's matter.
    html = lead.get(f"/county/demo/dashboard?period={local_today():%Y-%m}").get_data(
        as_text=True)
    assert "说事活动" in html and "解决率" in html
    # 东岭 and 青石 run courtyard talks with demo data; 柳溪 has not switched it on.
    assert re.search(
        rf'data-station="dongling" data-metric="courtyard.sessions" data-figure="{this_month}"',
        html)
    assert 'data-station="liuxi" data-metric="courtyard.sessions"' not in html
    assert re.search(r"未启用此模块：\s*柳溪派出所", html)
    last_year = lead.get("/county/demo/dashboard?period=2001").get_data(as_text=True)
    assert re.search(r'data-station="dongling" data-metric="courtyard.sessions" data-figure="0"',
                     last_year)
    assert make_browser("dongling-admin").get("/county/demo/dashboard").status_code == 404


def db_counts(app):
    with owner_context():  # the owner reads every chain
        return tuple(db.session.scalar(select(func.count()).select_from(t))
                     for t in (User, Membership, AuditEvent))


NEW_COUNTY_PERSON = {"username": "demo-it2", "full_name": "周建明", "phone": "13600005678",
                     "role": "county_admin"}


def test_county_it_adds_one_of_the_countys_people(owner_app, make_browser, app, demo):
    county = make_browser("county-it")
    home = county.get("/county/demo/").get_data(as_text=True)
    assert 'href="/county/demo/users"' in home
    listing = county.get("/county/demo/users").get_data(as_text=True)
    assert "county-lead" in listing and "县局领导" in listing
    assert "dongling-admin" not in listing  # a station's people are on the station's page
    form = county.get("/county/demo/users/new").get_data(as_text=True)
    assert 'value="county_viewer" selected' in form and 'value="officer"' not in form
    response = county.post("/county/demo/users/new", NEW_COUNTY_PERSON)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "demo-it2 现为示范县公安局的县局信息管理员" in html
    link = re.search(r'value="http://fengqiao\.test(/auth/invite/[^"]+)"', html).group(1)
    newcomer = make_browser()
    newcomer.post(link, {"password": "county-it-pass", "confirm": "county-it-pass"})
    assert newcomer.get("/", follow_redirects=True).request.path == "/county/demo/"
    assert newcomer.get("/county/demo/stations/new").status_code == 200
    assert "demo-it2" in county.get("/county/demo/users").get_data(as_text=True)
    with owner_app.app_context():  # the owner reads every chain
        user = find_user("demo-it2")
        (membership,) = user.memberships
        assert (membership.county_id, membership.role) == (demo.county.id, "county_admin")
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.object_type == "membership", AuditEvent.object_id == str(membership.id)))
        assert event.chain == f"county:{demo.county.id}" and event.actor_name == "county-it"


def test_an_existing_account_of_the_county_is_given_the_role(make_browser, app, demo):
    with app.app_context():
        user = find_user("dongling-officer")
        own = (user.full_name, user.phone)
    assert own != (NEW_COUNTY_PERSON["full_name"], NEW_COUNTY_PERSON["phone"])
    county = make_browser("county-it")
    response = county.post("/county/demo/users/new", {
        **NEW_COUNTY_PERSON, "username": "dongling-officer", "role": "county_viewer"})
    assert response.status_code == 302  # no link: the account has its password
    page = county.get("/county/demo/users").get_data(as_text=True)
    assert "dongling-officer" in page and "已添加" in page
    # The name and phone typed are not the account's: it keeps its own, and says so.
    assert "该账号保留其原有的姓名和手机号，表单中填写的姓名和手机号未被采用" in page
    with app.app_context():
        user = find_user("dongling-officer")
        assert (user.full_name, user.phone) == own


def test_wrong_or_unfit_county_people_are_refused_and_nothing_is_written(make_browser, app,
                                                                         demo):
    with app.app_context():
        other = create_county({"name": "乙县公安局", "slug": "yi"})
        create_station(other, {"name": "乙所", "slug": "yi-suo", "admin_username": "yi-admin",
                               "admin_full_name": "乙"}, admin_password="yi-admin-pass")
        db.session.commit()
    county = make_browser("county-it")
    before = db_counts(app)
    for form, field_message in (
        ({"role": "officer"}, "请从列表中选择一项"),
        ({"username": "X Y", "phone": "123"}, "3 至 64 个字符"),
        ({"username": "county-lead"}, "该账号已是县局人员"),
        ({"username": "yi-admin"}, "该账号属于其他县或县局"),  # another county's station
    ):
        response = county.post("/county/demo/users/new", {**NEW_COUNTY_PERSON, **form})
        assert response.status_code == 400
        assert field_message in response.get_data(as_text=True)
    assert db_counts(app) == before


def test_only_county_it_manages_the_countys_people(make_browser, app, demo):
    lead = make_browser("county-lead")
    assert 'href="/county/demo/users' not in lead.get("/county/demo/").get_data(as_text=True)
    assert lead.get("/county/demo/users").status_code == 403
    assert lead.get("/county/demo/users/new").status_code == 403
    assert lead.post("/county/demo/users/new", NEW_COUNTY_PERSON).status_code == 403
    assert make_browser("dongling-admin").get("/county/demo/users").status_code == 404
    # Another county's IT does not see this county at all.
    with app.app_context():
        enrol(username="yi-it", full_name="乙", role="county_admin", password="yi-it-pass-1",
              county=create_county({"name": "乙县公安局", "slug": "yi"}))
        db.session.commit()
    other = make_browser("yi-it", "yi-it-pass-1")
    assert other.get("/county/yi/users").status_code == 200
    assert other.get("/county/demo/users").status_code == 404
    assert other.post("/county/demo/users/new", NEW_COUNTY_PERSON).status_code == 404
    with app.app_context():
        assert find_user("demo-it2") is None
