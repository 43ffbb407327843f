"""Signing in and out: landing pages, throttling, CSRF, redirects, sessions."""

import pytest
from sqlalchemy import select, text

from app.audit.models import AuditEvent
from app.extensions import db
from app.users import Membership, find_user
from tenants.context import station_context


def test_officer_lands_on_their_station_home(make_browser, demo):
    b = make_browser()
    response = b.sign_in("dongling-officer")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    page = b.get("/", follow_redirects=True)
    assert page.request.path == "/s/dongling/"
    assert "东岭派出所" in page.get_data(as_text=True)


def test_user_of_two_stations_chooses_and_switches(make_browser, demo):
    b = make_browser("roving-officer")
    page = b.get("/", follow_redirects=True)
    assert page.request.path == "/choose"
    html = page.get_data(as_text=True)
    assert "/s/dongling/" in html and "/s/qingshi/" in html
    assert b.get("/s/dongling/").status_code == 200
    assert b.get("/s/qingshi/").status_code == 200
    assert b.get("/s/liuxi/").status_code == 404  # not theirs: no hint it exists


def test_county_user_lands_on_county_console(make_browser, demo):
    page = make_browser("county-it").get("/", follow_redirects=True)
    assert page.request.path == "/county/demo/"


def test_wrong_password_is_refused_and_audited(owner_app, browser, app, demo):
    response = browser.sign_in("dongling-officer", "not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    with owner_app.app_context():  # the owner reads every chain
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "auth.sign_in_failed" in actions


def test_account_is_throttled_after_repeated_failures(browser, app, demo):
    limit = app.config["THROTTLE_ACCOUNT_LIMIT"]
    for _ in range(limit):
        assert browser.sign_in("dongling-officer", "wrong-password").status_code == 401
    # Now even the right password is refused, with a clear message.
    response = browser.sign_in("dongling-officer")
    assert response.status_code == 429
    assert "分钟后再试" in response.get_data(as_text=True)
    # Another account from another address is not affected.
    other = app.test_client()
    from tests.conftest import Browser

    response = Browser(other).sign_in(
        "qingshi-officer", environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert response.status_code == 302


def test_address_is_throttled_across_accounts(browser, app, demo):
    limit = app.config["THROTTLE_ADDRESS_LIMIT"]
    for i in range(limit):
        browser.sign_in(f"nobody-{i}", "wrong-password")
    response = browser.sign_in("liuxi-officer")
    assert response.status_code == 429


def test_form_without_csrf_token_is_rejected(make_browser, app, demo):
    b = make_browser("dongling-admin")
    response = b.post("/s/dongling/notices/new", {"title": "无令牌"}, csrf=False)
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert "无令牌" not in b.get("/s/dongling/notices").get_data(as_text=True)


def test_sign_in_without_csrf_token_is_rejected(browser, demo):
    response = browser.sign_in("dongling-officer", csrf=False)
    assert response.status_code == 400


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "javascript:alert(1)",
    "http:/evil.example",
])
def test_next_never_leaves_the_site(browser, demo, target):
    response = browser.post(
        "/auth/sign-in",
        {"username": "dongling-officer", "password": "fengqiao-demo", "next": target},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/" or location.startswith("http://fengqiao.test/")
    assert "evil" not in location and "javascript" not in location


def test_next_within_the_site_is_followed(browser, demo):
    browser.get("/s/dongling/notices")  # not signed in: redirected with next=
    response = browser.post(
        "/auth/sign-in",
        {"username": "dongling-officer", "password": "fengqiao-demo",
         "next": "/s/dongling/notices"},
    )
    assert response.headers["Location"] == "/s/dongling/notices"


def test_anonymous_is_sent_to_sign_in(browser, demo):
    response = browser.get("/s/dongling/")
    assert response.status_code == 302
    assert "/auth/sign-in?next=" in response.headers["Location"]


def test_sign_out_ends_the_session(make_browser, demo):
    b = make_browser("dongling-officer")
    assert b.get("/s/dongling/").status_code == 200
    b.post("/auth/sign-out")
    assert b.get("/s/dongling/").status_code == 302


def test_session_cookie_flags(browser, demo):
    response = browser.sign_in("dongling-officer")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "fengqiao_session" in h)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_deactivated_member_loses_the_station(make_browser, app, demo):
    b = make_browser("dongling-officer")
    with app.app_context():
        user = find_user("dongling-officer")
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        with station_context(membership.station):  # the station's own act
            membership.active = False
            db.session.commit()
    assert b.get("/s/dongling/").status_code == 404


def test_password_change_signs_out_other_sessions(make_browser, demo):
    phone, desk = make_browser("dongling-officer"), make_browser("dongling-officer")
    response = desk.post("/auth/account", {
        "current": "fengqiao-demo", "password": "a-new-password", "confirm": "a-new-password",
    })
    assert response.status_code == 302
    assert desk.get("/s/dongling/").status_code == 200  # this session goes on
    assert phone.get("/s/dongling/").status_code == 302  # the other one must sign in again
    assert make_browser().sign_in("dongling-officer", "a-new-password").status_code == 302


def test_password_change_validates(make_browser, demo):
    b = make_browser("dongling-officer")
    response = b.post("/auth/account", {"current": "wrong", "password": "short", "confirm": "x"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "8" in html  # the minimum length is named
    assert b.sign_in  # still signed in
    assert make_browser().sign_in("dongling-officer").status_code == 302  # unchanged


def test_old_hash_parameters_are_upgraded_on_sign_in(browser, app, demo, owner_engine):
    from argon2 import PasswordHasher

    from app.passwords import needs_rehash

    with app.app_context():
        user_id = find_user("dongling-officer").id
    old = PasswordHasher(time_cost=2, memory_cost=2048).hash("fengqiao-demo")
    assert needs_rehash(old)
    stored = text("SELECT password_hash FROM user_password WHERE user_id = :u")
    with owner_engine.begin() as conn:  # the hashes are the owner's to read
        conn.execute(text("UPDATE user_password SET password_hash = :h WHERE user_id = :u"),
                     {"h": old, "u": user_id})
    assert browser.sign_in("dongling-officer").status_code == 302
    with owner_engine.connect() as conn:
        new = conn.scalar(stored, {"u": user_id})
    assert new != old and not needs_rehash(new)


# -- sessions that really end ---------------------------------------------------------------

def _copy_cookies(source, target):
    for cookie in source.client._cookies.values():
        target.client.set_cookie(cookie.key, cookie.value, domain=cookie.domain,
                                 path=cookie.path)


def test_a_cookie_copied_before_sign_out_opens_nothing_after(make_browser, browser, demo):
    officer = make_browser("dongling-officer")
    assert officer.get("/s/dongling/").status_code == 200
    _copy_cookies(officer, browser)  # what a thief takes from the phone
    assert browser.get("/s/dongling/").status_code == 200
    officer.post("/auth/sign-out")
    stolen = browser.get("/s/dongling/")
    assert stolen.status_code == 302 and "/auth/sign-in" in stolen.headers["Location"]


def test_signing_out_one_device_leaves_the_others(make_browser, demo):
    phone, desk = make_browser("dongling-officer"), make_browser("dongling-officer")
    phone.post("/auth/sign-out")
    assert desk.get("/s/dongling/").status_code == 200


def test_a_password_change_ends_every_other_session(make_browser, browser, demo):
    desk, phone = make_browser("dongling-officer"), make_browser("dongling-officer")
    _copy_cookies(desk, browser)
    assert desk.post("/auth/account", {"current": "fengqiao-demo", "password": "a-new-pass-1",
                                       "confirm": "a-new-pass-1"}).status_code == 302
    assert desk.get("/s/dongling/").status_code == 200  # this one goes on
    for other in (phone, browser):
        assert other.get("/s/dongling/").status_code == 302


def test_the_csrf_token_is_new_after_signing_in(browser, demo):
    before = browser.token()
    assert browser.sign_in("dongling-officer").status_code == 302
    after = browser.token()
    assert after != before
    # A form posted with the token from before signing in is refused.
    refused = browser.post("/auth/sign-out", {"csrf_token": before})
    assert refused.status_code == 400
    assert browser.post("/auth/sign-out").status_code == 302


def test_hsts_outside_development(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.setenv("FENGQIAO_INSTANCE", str(tmp_path))
    production = create_app({"ENV": "production", "SECRET_KEY": "x" * 32,
                             "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    response = production.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    development = create_app({"ENV": "development", "SECRET_KEY": "x" * 32,
                              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db"})
    assert "Strict-Transport-Security" not in development.test_client().get(
        "/healthz").headers
