"""A metric across the county, as county leadership reads it: the stations ranked by what
their records say, those with too few cases set apart instead of topping the table, the
change against the period before, counts per 10,000 residents, in Chinese and English, and
nothing of it for a station's own people."""

import re

import pytest
from sqlalchemy import select

from app.county.fairness import wilson
from app.extensions import db
from app.modules import enable, switched_on
from app.periods import Period
from app.plugin_contract import Measure
from app.plugin_host import host
from tenants.context import county_context, station_context
from tenants.models import County, Station
from tenants.onboarding import create_station
from tests.conftest import statements_of, within_station

RATE_PAGE = "/county/demo/dashboard/mediation.rate"
PAGE_SIZE = 50  # a list's page (app.paging)
ROW = re.compile(r'<tr data-station="([^"]+)" data-rank="(\d*)">(.*?)</tr>', re.S)


def _rows(html: str) -> list[tuple[str, str, str]]:
    """(station slug, rank, the row's text) in the page's order."""
    return [(slug, rank, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cells)).strip())
            for slug, rank, cells in ROW.findall(html)]


def _listed(html: str, records: str) -> int:
    """How many records a module's list shows (links to ``records``/<id>)."""
    return len(set(re.findall(rf'href="{re.escape(records)}/(\d+)"', html)))


def _measured(app, key, period):
    """What the metric itself says of each demo station, in the county's context."""
    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == "demo"))
        stations = db.session.scalars(select(Station).where(Station.county_id == county.id))
        slugs = {s.id: s.slug for s in stations}
        with county_context(county):
            on = switched_on([db.session.get(Station, i) for i in slugs])
            metric = next(m for p in host().plugins.values() for m in p.metrics if m.key == key)
            return {slugs[i]: m for i, m in metric.measures(period, on[metric.module]).items()}


def test_the_station_with_enough_cases_ranks_and_the_small_ones_are_too_few_to_judge(
        make_browser, liuxi_mediates, app):
    lead = make_browser("county-lead")
    page = lead.get(RATE_PAGE)
    assert page.status_code == 200
    rows = _rows(page.get_data(as_text=True))
    measured = _measured(app, "mediation.rate", Period.last_full_month())
    assert rows[0][:2] == ("liuxi", "1")
    low, high = wilson(19, 20)
    assert "95.0" in rows[0][2] and f"{100 * low:.1f}–{100 * high:.1f}" in rows[0][2]
    assert " 20 " in f" {rows[0][2]} "  # the cases it stands on
    for slug, rank, text in rows[1:]:
        m = measured[slug]
        assert m.denominator < 10 and rank == ""
        assert ("件数太少，不作评判" in text) == bool(m.denominator)  # none: nothing to judge
    assert {slug for slug, _, _ in rows} == set(measured)


def test_the_page_speaks_english_when_chosen(make_browser, liuxi_mediates):
    lead = make_browser("county-lead")
    assert lead.post("/lang", {"lang": "en", "next": RATE_PAGE}).status_code == 302
    html = lead.get(RATE_PAGE).get_data(as_text=True)
    assert "Mediation rate" in html and "Higher is better." in html and "95 % interval" in html
    assert "Too few to judge" in html or all(r[1] for r in _rows(html))


def test_the_change_against_the_period_before_is_the_difference_of_the_two(
        make_browser, liuxi_mediates, app):
    lead = make_browser("county-lead")
    period = Period.last_full_month()
    html = lead.get(f"{RATE_PAGE}?period={period.label}").get_data(as_text=True)
    before = _measured(app, "mediation.rate", period.previous())["liuxi"]
    [liuxi] = [text for slug, _, text in _rows(html) if slug == "liuxi"]
    if before.value is None:
        assert "—" in liuxi.split("95.0", 1)[1]
    else:
        assert f"{95.0 - before.value:+.1f}" in liuxi


def test_counts_per_ten_thousand_residents_follow_the_ground(make_browser, demo, app):
    from app.ground.profile import profiles

    lead = make_browser("county-lead")
    path = "/county/demo/dashboard/courtyard.sessions"
    html = lead.get(f"{path}?per=residents").get_data(as_text=True)
    period = Period.last_full_month()
    measured = _measured(app, "courtyard.sessions", period)
    with app.app_context():
        ids = {s.slug: s.id for s in db.session.scalars(select(Station))}
        county = db.session.scalar(select(County).where(County.slug == "demo"))
        with county_context(county):
            people = {slug: p.population for slug, p in
                      zip(ids, profiles(list(ids.values())).values(), strict=True)}
    for slug, _rank, text in _rows(html):
        if people[slug]:
            per = round(measured[slug].value * 10_000 / people[slug], 2)
            assert f"{per:g}" in text or f"{per:.1f}" in text, (slug, per, text)
    assert "每万名居民" in html
    assert lead.get(f"{path}?per=nonsense").status_code == 200  # as counted, then


def test_unknown_metrics_and_station_people_get_a_404(make_browser, demo):
    assert make_browser("county-lead").get("/county/demo/dashboard/nope").status_code == 404
    officer = make_browser("dongling-officer")
    assert officer.get(RATE_PAGE).status_code == 404


def test_the_dashboard_heading_opens_the_metric(make_browser, demo):
    html = make_browser("county-lead").get("/county/demo/dashboard").get_data(as_text=True)
    assert 'href="/county/demo/dashboard/mediation.rate?period=' in html


def test_the_page_reads_as_many_statements_for_more_stations(make_browser, demo, app):
    lead = make_browser("county-lead")
    few = len(statements_of(app, lead, RATE_PAGE, warm=True))
    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == "demo"))
        for n in range(3):
            station, _ = create_station(county, {
                "name": f"加测{n}所", "slug": f"more{n}", "admin_username": f"more{n}-admin",
                "admin_full_name": "测试员", "admin_phone": f"1390001{n:04d}"},
                admin_password="fengqiao-demo")
            with station_context(station):
                enable(station, "mediation")
                db.session.commit()
    assert len(statements_of(app, lead, RATE_PAGE, warm=True)) == few


def test_counts_are_compared_per_resident_unless_asked_and_a_year_has_one_change(
        make_browser, demo):
    lead = make_browser("county-lead")
    html = lead.get("/county/demo/dashboard/courtyard.sessions").get_data(as_text=True)
    assert '<option value="residents" selected>' in html
    year = lead.get("/county/demo/dashboard/courtyard.sessions?period=2026").get_data(
        as_text=True)
    assert "较上期" in year and "较去年同期" not in year  # the year before is the one before


def test_a_station_without_residents_recorded_says_so(make_browser, demo, app):
    from app.ground.models import Village

    def forget():
        for village in db.session.scalars(select(Village)):
            village.resident_population = village.registered_population = None
        db.session.commit()

    within_station(app, "qingshi", forget)
    html = make_browser("county-lead").get(
        "/county/demo/dashboard/courtyard.sessions?per=residents").get_data(as_text=True)
    [qingshi] = [text for slug, _, text in _rows(html) if slug == "qingshi"]
    assert "人口未登记" in qingshi and "件数太少" not in qingshi


def test_a_quarter_is_compared_with_the_quarter_before(make_browser, liuxi_mediates, app):
    period = Period.last_full_month()
    q = (period.start.month + 2) // 3
    quarter = Period.quarter(period.start.year, q)
    html = make_browser("county-lead").get(f"{RATE_PAGE}?period={quarter.label}").get_data(
        as_text=True)
    assert f"{period.start.year}年第{q}季度" in html
    assert f'value="{quarter.label}" selected' in html
    measured = _measured(app, "mediation.rate", quarter)
    [liuxi] = [text for slug, _, text in _rows(html) if slug == "liuxi"]
    assert f"{measured['liuxi'].value:.1f}" in liuxi


def _chart(html: str) -> dict:
    import json

    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html,
                      re.S)
    return json.loads(found.group(1))


def test_the_charts_carry_the_figures_of_the_table(make_browser, liuxi_mediates, app):
    period = Period.last_full_month()
    html = make_browser("county-lead").get(RATE_PAGE).get_data(as_text=True)
    chart = _chart(html)
    assert chart["trend"]["periods"][-1] == period.label and len(chart["trend"]["periods"]) == 13
    measured = _measured(app, "mediation.rate", period)
    liuxi = next(s for s in chart["trend"]["stations"] if s["name"] == "柳溪派出所")
    assert liuxi["values"][-1] == 95.0
    k = sum(m.numerator for m in measured.values())
    n = sum(m.denominator for m in measured.values())
    assert chart["trend"]["county"][-1] == round(100 * k / n, 1) == chart["funnel"]["county"]
    assert {"name": "柳溪派出所", "value": [20, 95.0]} in chart["funnel"]["points"]
    for low, high in zip(chart["funnel"]["low998"], chart["funnel"]["high998"], strict=True):
        assert low[0] == high[0] and low[1] <= chart["funnel"]["county"] <= high[1]
    assert chart["labels"]["limits998"] == "99.8% 控制限"
    assert 'src="/static/vendor/echarts/echarts.custom.min.js"' in html


def test_a_count_has_a_trend_but_no_funnel(make_browser, demo):
    chart = _chart(make_browser("county-lead").get(
        "/county/demo/dashboard/courtyard.sessions").get_data(as_text=True))
    assert chart["funnel"] is None and chart["trend"]["stations"]


def test_station_names_cannot_break_out_of_the_chart_data(make_browser, demo, app):
    def rename():
        station = db.session.scalar(select(Station).where(Station.slug == "dongling"))
        station.name = "</script><script>alert(1)</script>"
        db.session.commit()

    within_station(app, "dongling", rename)
    html = make_browser("county-lead").get(
        "/county/demo/dashboard/courtyard.sessions").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    names = [s["name"] for s in _chart(html)["trend"]["stations"]]
    assert "</script><script>alert(1)</script>" in names  # told as it is, as data


def test_a_figure_opens_the_records_it_counts(make_browser, liuxi_mediates):
    lead = make_browser("county-lead")
    html = lead.get(RATE_PAGE).get_data(as_text=True)
    label = Period.last_full_month().label
    link = f'href="/s/liuxi/mediation/?closed={label}"'
    assert link in html
    listed = lead.get(f"/s/liuxi/mediation/?closed={label}").get_data(as_text=True)
    assert _listed(listed, "/s/liuxi/mediation/cases") == 20
    assert f'value="{label}"' in listed  # the filter is set where a user can see it
    criminal = lead.get("/county/demo/dashboard/mediation.criminal").get_data(as_text=True)
    assert f'href="/s/liuxi/mediation/?closed={label}&amp;outcome=criminal"' in criminal
    none = lead.get(f"/s/liuxi/mediation/?closed={label}&outcome=criminal")
    assert "/s/liuxi/mediation/cases/" not in none.get_data(as_text=True)


def test_a_closed_in_filter_that_is_not_a_period_says_so(make_browser, liuxi_mediates):
    answer = make_browser("liuxi-admin").get("/s/liuxi/mediation/?closed=yesterday")
    assert answer.status_code == 400 and "YYYY-Qn" in answer.get_data(as_text=True)


def test_a_courtyard_figure_opens_the_concerns_it_counts(make_browser, demo, app):
    lead = make_browser("county-lead")
    period = Period.last_full_month()
    html = lead.get("/county/demo/dashboard/courtyard.resolved_share").get_data(as_text=True)
    link = f"/s/dongling/courtyard/concerns?status=all&amp;raised={period.label}"
    assert f'href="{link}"' in html
    listed = lead.get(link.replace("&amp;", "&")).get_data(as_text=True)
    m = _measured(app, "courtyard.resolved_share", period)["dongling"]
    assert _listed(listed, "/s/dongling/courtyard/concerns") == min(m.denominator, 50)
    resolved = lead.get(f"/s/dongling/courtyard/concerns?status=all&resolved={period.label}")
    days = _measured(app, "courtyard.median_days", period)["dongling"]
    assert _listed(resolved.get_data(as_text=True), "/s/dongling/courtyard/concerns") == \
        min(days.denominator, 50)
    wrong = lead.get("/s/dongling/courtyard/concerns?raised=last-week")
    assert wrong.status_code == 400 and "YYYY-Qn" in wrong.get_data(as_text=True)


def test_a_backpack_figure_opens_the_requests_it_counts(make_browser, demo, app):
    lead = make_browser("county-lead")
    period = Period.last_full_month()
    html = lead.get("/county/demo/dashboard/backpack.done").get_data(as_text=True)
    link = f"/s/dongling/backpack/?status=done&amp;finished={period.label}"
    assert f'href="{link}"' in html
    listed = lead.get(link.replace("&amp;", "&")).get_data(as_text=True)
    done = _measured(app, "backpack.done", period)["dongling"].value
    assert _listed(listed, "/s/dongling/backpack/requests") == min(done, 50) and done
    assert "data-within" in listed
    wrong = lead.get("/s/dongling/backpack/?finished=2026-Q9")
    assert wrong.status_code == 400 and "YYYY-Qn" in wrong.get_data(as_text=True)


@pytest.mark.parametrize(("key", "status"), [
    ("appointments.booked", "kept"), ("appointments.attended", "arrived"),
    ("appointments.no_show", "no_show"), ("appointments.no_show_share", "noted"),
    ("appointments.cancelled", "cancelled")])
def test_an_appointments_figure_opens_the_appointments_it_counts(
        make_browser, demo, app, key, status):
    lead = make_browser("county-lead")
    period = Period.last_full_month()
    html = lead.get(f"/county/demo/dashboard/{key}?per=counted").get_data(as_text=True)
    link = f"/s/dongling/appointments/bookings?period={period.label}&amp;status={status}"
    assert f'href="{link}"' in html
    listed = lead.get(link.replace("&amp;", "&")).get_data(as_text=True)
    m = _measured(app, key, period)["dongling"]
    counted = m.denominator if m.denominator is not None else m.value
    assert f"{counted} 个预约" in listed and counted
    shown = set(re.findall(r'data-booking="(\d+)"', listed))
    assert len(shown) == min(counted, PAGE_SIZE)
    assert "masked" in listed
    wrong = lead.get("/s/dongling/appointments/bookings?status=gone")
    assert wrong.status_code == 400 and "请从列表中选择一项" in wrong.get_data(as_text=True)


@pytest.mark.parametrize("path", [RATE_PAGE, "/county/demo/dashboard"])
def test_a_period_that_is_none_says_which_one_is_shown(make_browser, demo, path):
    html = make_browser("county-lead").get(f"{path}?period=2026-Q9").get_data(as_text=True)
    assert "data-unknown-period" in html and "“2026-Q9”不是月份、季度或年份" in html
    fine = make_browser("county-lead").get(f"{path}?period=2026-Q3").get_data(as_text=True)
    assert "data-unknown-period" not in fine


def test_the_county_rate_per_resident_leaves_out_stations_without_residents(app):
    from app.county.standings import county_figure

    metric = next(m for p in app.extensions["fengqiao.plugins"].plugins.values()
                  for m in p.metrics if m.key == "mediation.received")
    assert county_figure(metric, {1: Measure(10), 2: Measure(30)}, {1: 10_000, 2: 0},
                          10_000) == 10.0


def test_a_wrong_outcome_says_so(make_browser, demo):
    answer = make_browser("dongling-admin").get("/s/dongling/mediation/?outcome=foo")
    assert answer.status_code == 400 and "invalid-feedback" in answer.get_data(as_text=True)
