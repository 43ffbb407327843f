"""A station's page of figures over time: every metric of the modules it runs, 13 months
of them ending with the month asked, the last one what the month's screen shows."""

import re

from app.county.station_trends import sparkline
from app.periods import Period
from tests.county.test_dashboard import _cards, _rows

PAGE = "/county/demo/stations/liuxi/figures"
LINE = re.compile(r'<tr data-metric="([^"]+)" data-values="([^"]*)">')


def test_every_figure_over_thirteen_months_ends_with_the_months_own(
        make_browser, liuxi_mediates, app):
    lead = make_browser("county-lead")
    html = lead.get(PAGE).text
    lines = dict(LINE.findall(html))
    with app.app_context():
        from app.plugin_host import host

        assert list(lines) == [m.key for m in host().plugins["mediation"].metrics]
    assert all(len(values.split(",")) == 13 for values in lines.values())
    assert lines["mediation.rate"].split(",")[-1] == "95.0"
    month = _cards(lead.get("/county/demo/dashboard?per=counted").text)
    for key, values in lines.items():
        shown = {slug: figure for slug, figure, *_ in _rows(month[key][1])}
        assert values.split(",")[-1] == shown["liuxi"], key
    assert "<svg" in html


def test_a_month_asked_ends_the_line(make_browser, liuxi_mediates):
    before = Period.last_full_month().previous()
    html = make_browser("county-lead").get(f"{PAGE}?period={before.label}").text
    rate = dict(LINE.findall(html))["mediation.rate"].split(",")
    assert len(rate) == 13 and rate[-1] == "—"  # 柳溪's cases are all of the month after
    assert before.name in html


def test_other_stations_and_station_people_get_a_404(make_browser, demo):
    lead = make_browser("county-lead")
    assert lead.get("/county/demo/stations/nowhere/figures").status_code == 404
    assert make_browser("liuxi-admin").get(PAGE).status_code in (403, 404)
    html = lead.get(PAGE).text  # 柳溪 runs no module
    assert "该所未运行任何带数据的模块" in html and not LINE.search(html)


def test_the_line_leaves_gaps_and_shows_a_lone_point():
    assert sparkline([None, None]) == ""
    path = sparkline([1, 2, None, 5, None, 3], width=100, height=20)
    assert path.count("M") == 3 and path.count("L") == 1
    assert sparkline([4], width=100, height=20) == "M0.0 18.0 l0.1 0"
