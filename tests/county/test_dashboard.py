"""The county's screen for the month: each module's name over its own metrics in either
language, every station ranked per metric with its changes against a chosen period and a
year before, figures off the county's target marked, and the last full month by default."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.county.models import Target
from app.extensions import db
from app.periods import Period
from tenants.context import county_context, station_context
from tenants.models import County, Station

PAGE = "/county/demo/dashboard"
CARD = re.compile(r'<article class="card h-100" data-metric-card="([^"]+)" '
                  r'data-module-of="([^"]+)">(.*?)</article>', re.S)
ROW = re.compile(r'<tr data-station="([^"]+)" data-metric="([^"]+)" data-figure="([^"]*)" '
                 r'data-rank="(\d*)"( data-off-target)?>(.*?)</tr>', re.S)


def _cards(html: str) -> dict[str, tuple[str, str]]:
    """metric key -> (the module named over it, the card's HTML)."""
    return {key: (module, body) for key, module, body in CARD.findall(html)}


def _rows(card: str) -> list[tuple[str, str, str, bool, str]]:
    """(station, figure, rank, off target, the row's text) in the card's order."""
    return [(slug, figure, rank, bool(off), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))
            for slug, _, figure, rank, off, text in ROW.findall(card)]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_each_module_name_stands_over_its_own_metrics(make_browser, demo, app, language):
    from app.plugin_host import host

    lead = make_browser("county-lead")
    lead.post("/lang", {"lang": language})
    html = lead.get(PAGE).get_data(as_text=True)
    sections = re.findall(r'data-module="([^"]+)">\s*<h2[^>]*data-module-name>([^<]+)</h2>'
                          r'(.*?)</section>', html, re.S)
    with app.app_context():
        declared = {p.key: [m.key for m in p.metrics] for p in host().plugins.values()
                    if p.metrics}
    assert [key for key, _, _ in sections] == list(declared)
    for key, name, body in sections:
        cards = _cards(body)
        assert list(cards) == declared[key]
        assert {module for module, _ in cards.values()} == {name}
    names = [name for _, name, _ in sections]
    expected = (["小院说事", "三级联调"] if language == "zh"
                else ["Courtyard talks", "Dispute mediation"])
    assert all(name in names for name in expected)


def test_the_default_is_the_last_full_month(make_browser, demo, app):
    from plugins.courtyard.models import Session

    last = Period.last_full_month()
    assert last.end == Period.current_month().start
    assert last.start == (last.end - timedelta(days=1)).replace(day=1)
    with app.app_context(), station_context(db.session.get(Station, demo.station("dongling").id)):
        held = db.session.scalars(select(Session.held_on)).all()
    in_last_month = sum(d in last for d in held)
    lead = make_browser("county-lead")
    html = lead.get(f"{PAGE}?per=counted").get_data(as_text=True)
    assert f'value="{last.label}" selected' in html
    assert f'value="{last.previous().label}" selected' in html  # compared against
    rows = {slug: figure for slug, figure, *_ in _rows(_cards(html)["courtyard.sessions"][1])}
    assert rows["dongling"] == str(in_last_month)
    this_month = lead.get(f"{PAGE}?period={Period.current_month().label}")
    assert f'value="{Period.current_month().label}" selected' in this_month.get_data(as_text=True)


def test_every_station_is_ranked_with_its_changes(make_browser, liuxi_mediates, app):
    """柳溪 settled 19 of 20 last month: the rate card ranks it, and the month compared
    against is the one chosen."""
    lead = make_browser("county-lead")
    last = Period.last_full_month()
    html = lead.get(f"{PAGE}?against={last.previous().previous().label}").get_data(as_text=True)
    rows = _rows(_cards(html)["mediation.rate"][1])
    assert [r[0] for r in rows][0] == "liuxi" and rows[0][1:3] == ("95.0", "1")
    assert {r[0] for r in rows} == {"dongling", "qingshi", "liuxi"}
    assert f'value="{last.previous().previous().label}" selected' in html


def test_a_figure_off_target_is_marked(make_browser, liuxi_mediates, app):
    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == "demo"))
        with county_context(county):
            db.session.add(Target(county_id=county.id, metric="mediation.rate",
                                  operator=">=", value=98))
            db.session.commit()
    html = make_browser("county-lead").get(PAGE).get_data(as_text=True)
    card = _cards(html)["mediation.rate"][1]
    liuxi = next(r for r in _rows(card) if r[0] == "liuxi")
    assert liuxi[3] is True  # 95.0 < 98
    assert "≥ 98" in card and "data-off-target-count" in card


def test_a_period_compared_against_that_is_none_says_so(make_browser, demo):
    html = make_browser("county-lead").get(f"{PAGE}?against=soon").get_data(as_text=True)
    assert "data-unknown-period" in html and "soon" in html


def test_station_people_get_no_screen(make_browser, demo):
    assert make_browser("dongling-admin").get(PAGE).status_code in (403, 404)


def test_a_big_county_lists_the_first_and_last_of_each_metric():
    from app.county.dashboard import HEAD, LISTED, TAIL, Board

    small = Board(None, list(range(LISTED)), None, None, "counted")
    assert small.listed == small.rows and small.hidden == 0
    big = Board(None, list(range(1000)), None, None, "counted")
    assert big.listed == [*range(HEAD), *range(1000 - TAIL, 1000)]
    assert big.hidden == 1000 - HEAD - TAIL
