"""One rule, as the README says: a county account cannot also be a station's admin. Both
ways round (a station's admin does not join the county; a county account does not become a
station's admin) and on every path: the county console, the station's People page, the
manifest and the CLI (all through app.enrolment.may_join). Each refusal writes nothing."""

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.users import Membership, User, find_user
from tenants.context import station_context
from tests.conftest import owner_context


def _counts(app):
    with owner_context():  # the owner reads every chain
        return tuple(db.session.scalar(select(func.count()).select_from(t))
                     for t in (User, Membership, AuditEvent))


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_a_station_admin_is_not_added_to_the_county_on_the_console(make_browser, app, demo):
    county = make_browser("county-it")
    before = _counts(app)
    response = county.post("/county/demo/users/new", {
        "username": "dongling-admin", "full_name": "某", "role": "county_viewer"})
    assert response.status_code == 400
    assert ("该账号是东岭派出所的所管理员，县局账号不能同时担任所管理员"
            in response.get_data(as_text=True))
    # A deactivated admin membership counts too: activating it again keeps its role.
    with app.app_context():
        membership = db.session.scalar(select(Membership).where(
            Membership.user_id == find_user("qingshi-admin").id))
        with station_context(membership.station):
            membership.active = False
            db.session.commit()
    before = _counts(app)
    refused = county.post("/county/demo/users/new", {
        "username": "qingshi-admin", "full_name": "某", "role": "county_admin"})
    assert refused.status_code == 400 and "青石派出所的所管理员" in refused.get_data(as_text=True)
    assert _counts(app) == before
    # An officer of a station may still join: only a station's admin is refused.
    assert county.post("/county/demo/users/new", {
        "username": "dongling-officer", "full_name": "某", "role": "county_viewer",
    }).status_code == 302


def test_a_county_account_does_not_become_a_stations_admin_on_the_web(make_browser, app, demo):
    county, station_admin = make_browser("county-it"), make_browser("dongling-admin")
    before = _counts(app)
    new_station = county.post("/county/demo/stations/new", {
        "name": "南川派出所", "slug": "nanchuan", "admin_username": "county-lead",
        "admin_full_name": "某"})
    assert new_station.status_code == 400
    assert "该账号属于其他县或县局" in new_station.get_data(as_text=True)
    added = station_admin.post("/s/dongling/members/new", {
        "username": "county-lead", "full_name": "某", "role": "station_admin"})
    assert added.status_code == 400 and "县局" in added.get_data(as_text=True)
    assert _counts(app) == before


def test_the_cli_keeps_the_rule_both_ways(app, demo):
    before = _counts(app)
    for args in (
        ["--username", "dongling-admin", "--county", "demo", "--role", "county_viewer"],
        ["--username", "county-lead", "--station", "dongling", "--role", "station_admin"],
    ):
        result = _cli(app, "user", "create", "--name", "某", *args)
        assert result.exit_code == 2, result.output
        assert "username: 该账号属于其他县或县局" in result.output
    station = _cli(app, "station", "create", "--county", "demo", "--name", "北坡派出所",
                   "--slug", "beipo", "--admin-username", "county-it", "--admin-name", "某")
    assert station.exit_code == 2 and "admin_username" in station.output
    assert _counts(app) == before


def test_the_manifest_keeps_the_rule_both_ways(app, demo, tmp_path):
    path = tmp_path / "county.yaml"
    path.write_text("""
county:
  slug: demo
  name: 示范县公安局
  users:
    - {username: dongling-admin, full_name: 某, role: county_viewer}
stations:
  - slug: nanchuan
    name: 南川派出所
    admins: [{username: county-lead, full_name: 某}]
""", encoding="utf-8")
    before = _counts(app)
    result = _cli(app, "tenants", "apply", str(path))
    assert result.exit_code == 2, result.output
    assert "county.users[0].username: 该账号属于其他县或县局" in result.output
    assert "stations[0] (nanchuan).admins[0].username: 该账号属于其他县或县局" in result.output
    assert _counts(app) == before
    with app.app_context():
        assert [m.station_id is not None for m in find_user("dongling-admin").memberships] == [
            True]


def test_a_station_officer_who_is_also_a_county_account_cannot_be_made_its_admin(
        app, demo, make_browser):
    """A station officer may also hold a county role; promoting them to the station's admin
    would break the rule by a role change instead of a join, on the web or by manifest."""
    from sqlalchemy import select

    from app.enrolment import enrol
    from app.extensions import db
    from app.users import Membership, find_user
    from tenants.models import County

    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == "demo"))
        enrol(username="dongling-officer", full_name="x", role="county_viewer", county=county)
        db.session.commit()
        member = db.session.scalar(select(Membership.id).where(
            Membership.user_id == find_user("dongling-officer").id,
            Membership.station_id == demo.station("dongling").id))
    admin = make_browser("dongling-admin")
    page = admin.post(f"/s/dongling/members/{member}/role", {"role": "station_admin"},
                      follow_redirects=True).get_data(as_text=True)
    assert "县局账号不能同时担任派出所的所管理员" in page
    with app.app_context():
        assert db.session.get(Membership, member).role == "officer"
