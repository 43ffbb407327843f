"""The audit log is read a page at a time by position, newest first: it never counts the
log (a county's holds millions of rows), each page costs the same statements however long
the log, the filters stay in the links, and every event is on exactly one page."""

import re

from sqlalchemy import select

from app.extensions import db
from tenants.models import Station
from tests.conftest import statements_of

LOG = "/s/liuxi/audit"
KIND = "paging_marker"  # the events these tests write (no model: the log names any kind)
MARK = re.compile(rf'data-object-type="{KIND}">[^<#]*#(\d+)<')
LINK = re.compile(r'rel="(prev|next)" href="([^"]+)"')


def _record(app, slug, first, n):
    from app.audit import record

    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.slug == slug))
        for i in range(first, first + n):
            record("pii.reveal", station_id=station.id, object_type=KIND, object_id=i,
                   changes={"fields": ["name"]})
        db.session.commit()


def _links(html) -> dict[str, str]:
    return {rel: href.replace("&amp;", "&") for rel, href in LINK.findall(html)}


def _shown(html) -> list[int]:
    return [int(m) for m in MARK.findall(html)]


def test_every_event_is_on_one_page_older_and_back_newer(app, demo, make_browser):
    size = app.config["PAGE_SIZE"]
    total = 2 * size + 5
    _record(app, "liuxi", 1, total)
    admin = make_browser("liuxi-admin")
    url, pages = f"{LOG}?object_type={KIND}", []
    while True:
        html = admin.get(url).get_data(as_text=True)
        pages.append(_shown(html))
        links = _links(html)
        if pages[1:]:
            assert "prev" in links  # a way back from every page but the first
        if "next" not in links:
            break
        assert f"object_type={KIND}" in links["next"] and links["next"].startswith(LOG + "?")
        url = links["next"]
    assert [len(p) for p in pages] == [size, size, 5]
    assert sum(pages, []) == list(range(total, 0, -1))  # newest first, none twice or lost
    assert 'data-total' not in html.split("<table")[0]  # a long log is not counted
    # Back, newer and newer again, to the newest page.
    back = []
    while "prev" in links:
        html = admin.get(links["prev"]).get_data(as_text=True)
        back.append(_shown(html))
        links = _links(html)
    assert back == pages[-2::-1]
    # From an older page, straight back to the newest, the filter kept.
    older = admin.get(_links(admin.get(url).get_data(as_text=True))["prev"]).get_data(
        as_text=True)
    newest = re.search(r'href="([^"]+)">回到最新<', older).group(1).replace("&amp;", "&")
    assert newest == f"{LOG}?object_type={KIND}"
    assert _shown(admin.get(newest).get_data(as_text=True)) == pages[0]


def test_a_page_reads_the_same_statements_however_long_the_log_and_never_counts(
        app, demo, make_browser):
    admin = make_browser("liuxi-admin")
    first = f"{LOG}?object_type={KIND}"
    _record(app, "liuxi", 1, 60)
    admin.get(first)  # warm
    older = _links(admin.get(first).get_data(as_text=True))["next"]
    short = [statements_of(app, admin, first), statements_of(app, admin, older)]
    _record(app, "liuxi", 61, 600)
    older = _links(admin.get(first).get_data(as_text=True))["next"]
    long = [statements_of(app, admin, first), statements_of(app, admin, older)]
    assert [len(s) for s in long] == [len(s) for s in short]
    assert not [s for s in sum(long, []) if "count(" in s.lower()]


def test_a_cursor_that_is_not_a_row_of_this_log_shows_the_newest_page(app, demo,
                                                                      make_browser):
    _record(app, "liuxi", 1, 60)
    _record(app, "dongling", 1000, 1)
    with app.app_context():
        from app.audit.models import AuditEvent

        foreign = db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.object_id == "1000"))
    admin = make_browser("liuxi-admin")
    newest = _shown(admin.get(f"{LOG}?object_type={KIND}").get_data(as_text=True))
    for cursor in ("abc", "²", "-3", "2147483648", "99999999999", str(foreign), "1" * 30):
        for arg in ("before", "after"):
            response = admin.get(f"{LOG}?object_type={KIND}&{arg}={cursor}")
            assert response.status_code == 200, (arg, cursor)
            assert _shown(response.get_data(as_text=True)) == newest, (arg, cursor)


def test_the_county_log_pages_with_its_station_filter(app, demo, make_browser):
    size = app.config["PAGE_SIZE"]
    _record(app, "liuxi", 1, size + 3)
    _record(app, "qingshi", 500, 4)
    liuxi = demo.station("liuxi").id
    county = make_browser("county-it")
    url = f"/county/demo/audit?object_type={KIND}&station={liuxi}"
    html = county.get(url).get_data(as_text=True)
    assert _shown(html) == list(range(size + 3, 3, -1))
    older = _links(html)["next"]
    assert f"station={liuxi}" in older and f"object_type={KIND}" in older
    assert _shown(county.get(older).get_data(as_text=True)) == [3, 2, 1]
    everyone = county.get(f"/county/demo/audit?object_type={KIND}").get_data(as_text=True)
    assert _shown(everyone)[:4] == [503, 502, 501, 500]
