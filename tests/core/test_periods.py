"""The periods figures are counted over: months, quarters and years, the one before each
and the same one a year before, and the choices a county lead picks from."""

from datetime import date

import pytest

from app.periods import Period


@pytest.mark.parametrize(("text", "start", "end", "label"), [
    ("2026-11", date(2026, 11, 1), date(2026, 12, 1), "2026-11"),
    ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1), "2026-Q4"),
    ("2026-Q1", date(2026, 1, 1), date(2026, 4, 1), "2026-Q1"),
    ("2026", date(2026, 1, 1), date(2027, 1, 1), "2026"),
])
def test_a_period_reads_and_writes_the_same(text, start, end, label):
    period = Period.parse(text)
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize("text", ["2026-Q5", "2026-Q0", "2026-13", "26-11", "2026-q1", ""])
def test_anything_else_is_the_default(text):
    default = Period.month(2020, 5)
    assert Period.parse(text, default=default) == default


@pytest.mark.parametrize(("text", "before", "a_year_before"), [
    ("2026-01", "2025-12", "2025-01"),
    ("2026-03", "2026-02", "2025-03"),
    ("2026-Q1", "2025-Q4", "2025-Q1"),
    ("2026-Q3", "2026-Q2", "2025-Q3"),
    ("2026", "2025", "2025"),
])
def test_the_period_before_and_a_year_before(text, before, a_year_before):
    period = Period.parse(text)
    assert period.previous().label == before
    assert period.a_year_before().label == a_year_before


def test_the_choices_are_the_last_months_quarters_and_years_newest_first(app):
    with app.test_request_context():
        groups = dict(Period.month(2026, 11).choices(today=date(2026, 12, 3)))
        months, quarters, years = groups.values()
        assert [p.label for p in months[:2]] == ["2026-12", "2026-11"] and len(months) == 24
        assert [p.label for p in quarters[:2]] == ["2026-Q4", "2026-Q3"] and len(quarters) == 8
        assert [p.label for p in years] == ["2026", "2025", "2024"]
        far = Period.parse("2001-Q2").choices(today=date(2026, 12, 3))
        assert far[0][1] == [Period.parse("2001-Q2")]  # what was asked for stays chosen
        assert Period.parse("2026-Q3").name == "2026年第3季度"
