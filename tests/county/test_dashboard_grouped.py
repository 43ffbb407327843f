"""The county dashboard computes each figure for every station at once (one grouped read
per module's rows, not one per station and metric): its figures are each station's own, as
its pages and its JSON API compute them, and the page reads as many statements for two
stations as for four."""

import re

import pytest
from sqlalchemy import select

from app.demo import demo_ground, load_modules
from app.extensions import db
from app.modules import disable, station_modules
from app.periods import Period
from app.plugin_api import local_today, settings
from app.plugin_host import host
from tenants.context import station_context
from tenants.models import County, Station
from tenants.onboarding import create_station
from tests.conftest import statements_of

CELL = re.compile(r'data-station="([^"]+)" data-metric="([^"]+)" data-figure="([^"]*)"')


def _periods() -> list[Period]:
    today = local_today()
    return [Period.current_month(), Period.last_full_month(),
            Period.parse(str(today.year)), Period.parse(str(today.year - 1)),
            Period.parse("2001")]


def _shown(value, kind) -> str:
    """A figure as the dashboard prints it: a rate with its decimal, any other whole
    number as a whole number."""
    if value is None:
        return "—"
    if kind != "rate" and isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(round(value, 1)) if isinstance(value, float) else str(value)


def _cells(html: str) -> dict[tuple[str, str], str]:
    return {(station, metric): value for station, metric, value in CELL.findall(html)}


def _add_stations(app, *slugs, modules_off=()):
    """More stations of the demo county running every module with its demo data (each its
    own: the demo's random source follows the slug), the last one then switching
    ``modules_off`` off again."""
    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == "demo"))
        for n, slug in enumerate(slugs):
            station, _ = create_station(county, {
                "name": f"测试{n}所", "slug": slug, "admin_username": f"{slug}-admin",
                "admin_full_name": "测试员", "admin_phone": f"1390000{n:04d}",
            }, admin_password="fengqiao-demo")
            with station_context(station):
                demo_ground(station)
                load_modules(station)
                db.session.flush()
                if slug == slugs[0]:
                    _own_settings(station)
                for key in modules_off if slug == slugs[-1] else ():
                    disable(station, key)
                db.session.commit()


def _own_settings(station):
    """Settings of the station's own that its figures follow: a shorter round trip saved
    by each home service, and every month a peak for the roster's minimums."""
    rows = station_modules(station)
    rows["backpack"].settings = {**rows["backpack"].settings, "round_trip_hours": 1.5}
    rows["tourism"].settings = {**rows["tourism"].settings, "offpeak_months": [],
                                "peak_months": [str(m) for m in range(1, 13)]}
    db.session.flush()
    host().forget_states()
    assert settings("backpack")["round_trip_hours"] == 1.5
    assert settings("tourism")["peak_months"] == rows["tourism"].settings["peak_months"]


def _per_station(app, period) -> dict[tuple[str, str], str]:
    """Each active station's figures computed in its own context, metric by metric (what
    its module's pages and JSON API show), where it has the module on."""
    with app.app_context():
        stations = db.session.scalars(select(Station).where(Station.active.is_(True))).all()
        out = {}
        for station in stations:
            with station_context(station):
                on = {p.key for p in host().enabled()}
                for plugin in host().plugins.values():
                    for metric in plugin.metrics:
                        if plugin.key in on:
                            out[(station.slug, metric.key)] = _shown(metric.compute(period),
                                                                     metric.kind)
        return out


def _metric_keys(app) -> list[str]:
    with app.app_context():
        return [m.key for p in host().plugins.values() for m in p.metrics]


def test_the_dashboard_shows_each_stations_own_figures(app, demo, make_browser):
    # 东岭 and 青石 with every module, 柳溪 with none, and two more with different data,
    # one of them without mediation and tourism.
    _add_stations(app, "beiling", "nanxi", modules_off=("tourism", "mediation"))
    lead = make_browser("county-lead")
    metrics = _metric_keys(app)
    for period in _periods():
        html = lead.get(f"/county/demo/dashboard?period={period.label}").get_data(as_text=True)
        shown = _cells(html)
        expected = _per_station(app, period)
        # 柳溪 (no module) and 南溪 (without mediation and tourism) are not listed where
        # their modules are off.
        off = sum(m.startswith(("mediation.", "tourism.")) for m in metrics)
        assert len(shown) == 4 * len(metrics) - off
        assert shown == expected, period
    # The figures differ between stations (nothing summed over the county, nothing mixed).
    year = f"{local_today():%Y}"
    shown = _cells(lead.get(f"/county/demo/dashboard?period={year}").get_data(as_text=True))
    for a, b in (("dongling", "qingshi"), ("dongling", "beiling"), ("qingshi", "beiling")):
        assert sum(shown[(a, m)] != shown[(b, m)] for m in metrics) >= 5, (a, b)
    assert ("nanxi", "mediation.received") not in shown
    assert shown[("nanxi", "courtyard.sessions")] not in ("—", "0")
    # Each station's own settings: 北岭's round trip is an hour and a half.
    trips = int(shown[("beiling", "backpack.trips_saved")])
    assert trips and shown[("beiling", "backpack.hours_saved")] == _shown(trips * 1.5, "count")
    # The station's JSON API tells the same figures.
    admin = make_browser("beiling-admin")
    with app.app_context():
        kinds = {m.key: m.kind for p in host().plugins.values() for m in p.metrics}
    for key in {m.partition(".")[0] for m in metrics}:
        api = admin.get(f"/api/v1/s/beiling/{key}/metrics?period={year}").get_json()
        assert {m: _shown(v, kinds[m]) for m, v in api["metrics"].items()} == {
            m: v for (slug, m), v in shown.items() if slug == "beiling" and m.startswith(f"{key}.")}


@pytest.mark.parametrize("period", ["month", "year"])
def test_the_dashboard_reads_as_many_statements_for_four_stations_as_for_two(
        app, demo, make_browser, period):
    label = f"{local_today():%Y-%m}" if period == "month" else f"{local_today():%Y}"
    path = f"/county/demo/dashboard?period={label}"
    lead = make_browser("county-lead")
    lead.get(path)  # warm: the first request loads what every page does once
    two = len(statements_of(app, lead, path))
    _add_stations(app, "beiling", "nanxi")
    four = len(statements_of(app, lead, path))
    html = lead.get(path).get_data(as_text=True)
    assert 'data-station="nanxi"' in html
    assert four == two


def test_metrics_sharing_a_read_read_it_once_and_older_ones_run_in_each_station(ctx, demo):
    """What the dashboard asks of a module's metrics (app.module_metrics.figures): one
    call of each ``by_station`` the metrics share, and a metric with only ``compute``
    (the form of earlier modules) asked in each station's own context."""
    from app.module_metrics import figures
    from app.plugin_contract import Metric
    from tenants.context import county_context, current_station_id

    county = db.session.get(County, demo.county.id)
    ids = [demo.station("dongling").id, demo.station("qingshi").id]
    calls = []

    def read(period, stations):
        calls.append(dict(stations))
        return {station_id: {"n": station_id * 10} for station_id in stations}

    metrics = (
        Metric("m.tens", "tens", "", by_station=read, figure=lambda d: d["n"]),
        Metric("m.half", "half", "", by_station=read, figure=lambda d: d["n"] / 20),
        Metric("m.own", "own", "", lambda period: current_station_id() + 1),
    )
    period = Period.current_month()
    with county_context(county):
        answer = figures(metrics, period, {ids[0]: {"x": 1}, ids[1]: {"x": 2}})
    assert calls == [{ids[0]: {"x": 1}, ids[1]: {"x": 2}}]
    assert answer == {i: {"m.tens": i * 10, "m.half": i / 2, "m.own": i + 1} for i in ids}
    # A grouped metric for one station: by_station for the current station alone, with
    # the module's settings there (what the host makes its compute when installed).
    station = db.session.get(Station, ids[1])
    with station_context(station):
        assert metrics[0].for_station(period, {"x": 3}) == ids[1] * 10
    assert calls[-1] == {ids[1]: {"x": 3}}
    with pytest.raises(TypeError):
        Metric("m.none", "none", "")
