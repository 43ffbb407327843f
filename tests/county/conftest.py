"""Fixtures of the county's pages."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.periods import Period
from plugins.mediation.models import Case
from tests.conftest import within_station


@pytest.fixture
def liuxi_mediates(make_browser, demo, app):
    """柳溪 switches mediation on and closed 20 cases last month, 19 of them settled."""
    admin = make_browser("liuxi-admin")
    assert admin.post("/s/liuxi/modules/mediation/enable").status_code == 302
    day = Period.last_full_month().start + timedelta(days=3)

    def add():
        for n in range(20):
            db.session.add(Case(title=f"调解{n:02d}", kind="邻里纠纷", source="call",
                                opened_on=day, level=1, level_since=day, status="closed",
                                outcome="settled" if n else "withdrawn", closed_on=day))
        db.session.commit()

    within_station(app, "liuxi", add)
