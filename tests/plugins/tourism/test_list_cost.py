"""A scenic area's year of lost and found: the staff's lists and the public search read the
same statements with 5 rows as with 50, and say each status in words."""

import pytest

from plugins.tourism.models import FoundItem, LossReport
from tests.conftest import statements_of
from tests.plugins.tourism.conftest import BASE, PUBLIC
from tests.plugins.tourism.test_lost import _found, _loss, _many

ITEM_STATES = ("found", "matched", "returned", "disposed", "due")
REPORT_STATES = ("open", "matched", "returned")


def _item(i) -> FoundItem:
    state = ITEM_STATES[i % len(ITEM_STATES)]
    item = _found(i, status="found" if state == "due" else state)
    item.disposal_due = state == "due"
    return item


def _report(i) -> LossReport:
    report = _loss(i, status=REPORT_STATES[i % len(REPORT_STATES)])
    report.from_public = i % 2 == 0
    return report


@pytest.mark.parametrize("path", [f"{BASE}/lost?status=all", f"{BASE}/lost/reports?status=all",
                                  f"{PUBLIC}/?kind=&found_from=&found_to="])
def test_the_lists_read_the_same_statements_for_5_rows_as_for_50(app, admin, browser, path):
    who = browser if path.startswith(PUBLIC) else admin
    _many(app, 5, lambda i: _item(i))
    _many(app, 5, lambda i: _report(i))
    few = len(statements_of(app, who, path, warm=True))
    _many(app, 45, lambda i: _item(i + 5))
    _many(app, 45, lambda i: _report(i + 5))
    assert len(statements_of(app, who, path, warm=True)) == few


def test_each_row_says_its_status_in_words(app, admin):
    _many(app, len(ITEM_STATES), _item)
    _many(app, len(REPORT_STATES), _report)
    items = admin.get(f"{BASE}/lost?status=all").get_data(as_text=True)
    for words in ("待认领", "已比对到报失", "已返还", "已处置", "待处置"):
        assert f">{words}</span>" in items, words
    reports = admin.get(f"{BASE}/lost/reports?status=all").get_data(as_text=True)
    for words in ("查找中", "已比对到失物", "已返还", "网上报失"):
        assert words in reports, words
