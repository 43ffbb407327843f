"""Chinese first, English by a switch that is remembered; every message has its Chinese."""

from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parents[2] / "app/translations/zh/LC_MESSAGES/messages.po"


def test_pages_speak_chinese_by_default(browser, demo):
    html = browser.get("/auth/sign-in").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "登录" in html and "Sign in" not in html


def test_the_switch_is_remembered_without_an_account(browser, demo):
    response = browser.post("/lang", {"lang": "en", "next": "/auth/sign-in"})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/sign-in"
    html = browser.get("/auth/sign-in").get_data(as_text=True)
    assert "Sign in" in html and '<html lang="en">' in html


def test_the_switch_is_remembered_on_the_account(make_browser, demo):
    b = make_browser("dongling-officer")
    b.post("/lang", {"lang": "en", "next": "/s/dongling/"})
    later = make_browser("dongling-officer")  # another device, no cookie
    html = later.get("/s/dongling/").get_data(as_text=True)
    assert "Notices" in html and "所务通知" not in html


def test_language_switch_refuses_foreign_next(browser, demo):
    response = browser.post("/lang", {"lang": "en", "next": "https://evil.example/"})
    assert "evil" not in response.headers["Location"]


def test_error_pages_in_both_languages(make_browser, demo):
    b = make_browser("dongling-officer")
    assert "页面不存在" in b.get("/s/nowhere/").get_data(as_text=True)
    b.post("/lang", {"lang": "en"})
    missing = b.get("/s/nowhere/")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)
    forbidden = b.get("/s/dongling/members")
    assert forbidden.status_code == 403 and "Not allowed" in forbidden.get_data(as_text=True)


def test_every_message_has_a_chinese_translation():
    with PO.open("rb") as f:
        catalog = read_po(f)
    missing = [m.id for m in catalog if m.id and not (
        all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert missing == []
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == []


def test_the_catalogue_covers_the_source(tmp_path):
    """Strings added to code or templates (the core's and every module's) without running
    `make messages` are caught."""
    from babel.messages.frontend import CommandLineInterface

    pot = tmp_path / "check.pot"
    root = Path(__file__).resolve().parents[2]
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(root / "babel.cfg"), "-k", "_l",
        "-k", "lazy_pgettext:1c,2", "-o", str(pot), str(root),
    ])

    def keys(path):
        with path.open("rb") as f:
            return {(m.context, m.id if isinstance(m.id, str) else m.id[0])
                    for m in read_po(f) if m.id}

    source = keys(pot)
    assert len(source) > 1000  # the extraction really read the tree
    assert {k for k in source if k[1].startswith("Mediation")}  # modules' strings too
    assert source - keys(PO) == set()


def test_switching_language_on_a_page_drawn_by_a_post_goes_back_to_the_page_it_came_from(
        app, make_browser, demo):
    """A reveal answers a POST: its URL takes no GET, so the switch returns to the form's
    page instead of a 405 (and never to another site)."""
    import re

    from sqlalchemy import select

    from app.extensions import db
    from app.users import Membership

    with app.app_context():
        member = db.session.scalar(select(Membership.id).where(
            Membership.station_id == demo.station("dongling").id))
    admin = make_browser("dongling-admin")
    came_from = f"/s/dongling/members/{member}"
    page = admin.post(f"{came_from}/reveal", headers={"Referer": f"http://fengqiao.test{came_from}"})
    assert page.status_code == 200
    back = re.search(r'name="next" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert back == came_from
    assert admin.post("/lang", {"lang": "en", "next": back}).location == came_from
    elsewhere = admin.post(f"{came_from}/reveal", headers={"Referer": "https://evil.example/x"})
    assert re.search(r'name="next" value="([^"]+)"',
                     elsewhere.get_data(as_text=True)).group(1) == "/"
