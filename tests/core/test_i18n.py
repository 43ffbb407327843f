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
