"""The county dashboard: each module's heading sits over its own figures in either language,
and the month compared by default is the last full one."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.periods import Period
from tenants.context import station_context
from tenants.models import Station


def _headings(html: str) -> tuple[list[str], list[str]]:
    """(the module heading over each figure column, the module each column belongs to)."""
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    first, second = re.findall(r"<tr>(.*?)</tr>", head, re.S)[:2]
    over = []
    for width, name in re.findall(r'<th colspan="(\d+)"[^>]*data-module>([^<]+)</th>', first):
        over += [name] * int(width)
    own = re.findall(r'data-module-name="([^"]+)"', second)
    return over, own


@pytest.mark.parametrize("language", ["zh", "en"])
def test_each_module_heading_sits_over_its_own_figures(make_browser, demo, language):
    lead = make_browser("county-lead")
    lead.post("/lang", {"lang": language})
    html = lead.get("/county/demo/dashboard").get_data(as_text=True)
    over, own = _headings(html)
    assert len(own) > 10 and over == own
    names = list(dict.fromkeys(own))
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
    html = lead.get("/county/demo/dashboard").get_data(as_text=True)
    assert f'value="{last.label}" selected' in html
    assert re.search(
        rf'data-station="dongling" data-metric="courtyard.sessions">{in_last_month}<', html)
    this_month = lead.get(f"/county/demo/dashboard?period={Period.current_month().label}")
    assert f'value="{Period.current_month().label}" selected' in this_month.get_data(as_text=True)


def test_the_demo_stations_each_tell_their_own_story(make_browser, demo):
    """Two demo stations running the same modules must not show the same row."""
    html = make_browser("county-lead").get("/county/demo/dashboard").get_data(as_text=True)

    def row(slug):
        return re.findall(rf'data-station="{slug}" data-metric="([^"]+)">([^<]*)<', html)

    dongling, qingshi = row("dongling"), row("qingshi")
    assert len(dongling) == len(qingshi) > 10
    differing = [m for (m, a), (_, b) in zip(dongling, qingshi, strict=True) if a != b]
    assert len(differing) >= 5, differing
