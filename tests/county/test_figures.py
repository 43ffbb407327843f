"""The county's stored figures: the pages read them for closed periods and show exactly
what the records say; a change to the records shows at once and is stored again; the job
and the command store what is missing or out of date, and nothing else."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.county.figures import measured, refresh_county, window
from app.county.models import FigureGeneration, StoredFigure
from app.extensions import db
from app.modules import switched_on
from app.periods import Period
from app.plugin_host import host
from plugins.mediation.models import Case
from tenants.context import county_context, station_context
from tenants.models import County, Station
from tests.conftest import PG, set_scope, statements_of, within_station
from tests.county.test_standings import RATE_PAGE, _rows

LAST_MONTH = Period.last_full_month()


def _refresh(app, **kwargs) -> int:
    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == "demo"))
        count = refresh_county(county, **kwargs)
        db.session.commit()
        return count


def _everything(app):
    """Every metric of every station over the window and the month under way."""
    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == "demo"))
        with county_context(county):
            on = switched_on(db.session.scalars(
                select(Station).where(Station.county_id == county.id)).all())
            modules = [(p.metrics, on.get(p.key, {})) for p in host().plugins.values()]
            return measured(modules, [*window(), Period.current_month()])


def _liuxi_closes_a_case(app, outcome="settled"):
    day = LAST_MONTH.start + timedelta(days=5)

    def add():
        db.session.add(Case(title="补录", kind="邻里纠纷", source="call", opened_on=day,
                            level=1, level_since=day, status="closed", outcome=outcome,
                            closed_on=day))
        db.session.commit()

    within_station(app, "liuxi", add)


def test_stored_figures_are_what_the_records_say(app, demo, liuxi_mediates):
    live = _everything(app)
    stored = _refresh(app)
    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == "demo"))
        with county_context(county):
            assert db.session.scalar(select(func.count()).select_from(StoredFigure)) == stored
    assert stored > 0
    assert _everything(app) == live
    assert _refresh(app) == 0  # nothing missing, nothing out of date


def test_the_county_page_reads_them_and_shows_the_same(make_browser, liuxi_mediates, app):
    lead = make_browser("county-lead")
    before = _rows(lead.get(RATE_PAGE).text)
    computing = len(statements_of(app, lead, RATE_PAGE, warm=True))
    _refresh(app)
    assert _rows(lead.get(RATE_PAGE).text) == before
    # Thirteen months of the metric's reads become one read of what is stored.
    assert len(statements_of(app, lead, RATE_PAGE)) <= computing - 12


def test_a_change_to_a_closed_month_shows_at_once_and_is_stored_again(
        make_browser, liuxi_mediates, app):
    _refresh(app)
    lead = make_browser("county-lead")
    _liuxi_closes_a_case(app)
    liuxi = next(r for r in _rows(lead.get(RATE_PAGE).text) if r[0] == "liuxi")
    assert "95.2" in liuxi[2] and "21" in liuxi[2]  # 20 settled of 21, at once
    with app.app_context():
        mediation = host().plugins["mediation"].metrics
    assert _refresh(app) == len(window()) * len(mediation)  # 柳溪's mediation, no more
    assert _refresh(app) == 0
    assert next(r for r in _rows(lead.get(RATE_PAGE).text) if r[0] == "liuxi") == liuxi


def test_an_update_statement_counts_as_a_change(make_browser, liuxi_mediates, app):
    _refresh(app)

    def withdraw_all():
        db.session.execute(update(Case).where(Case.closed_on >= LAST_MONTH.start)
                           .values(outcome="withdrawn"))
        db.session.commit()

    within_station(app, "liuxi", withdraw_all)
    liuxi = next(r for r in _rows(make_browser("county-lead").get(RATE_PAGE).text)
                 if r[0] == "liuxi")
    assert "0.0" in liuxi[2]


def test_a_write_committed_after_leaving_its_station_is_counted_in_its_station(
        app, liuxi_mediates):
    """As a job commits: after its station's context is left."""
    with app.app_context():
        liuxi = db.session.scalar(select(Station).where(Station.slug == "liuxi"))
        with station_context(liuxi):
            before = db.session.scalar(select(FigureGeneration.generation).where(
                FigureGeneration.module == "mediation"))
            day = LAST_MONTH.start
            db.session.add(Case(title="任务", kind="邻里纠纷", source="call", opened_on=day,
                                level=1, level_since=day, status="open"))
            db.session.flush()
        db.session.commit()
        with station_context(liuxi):
            assert db.session.scalar(select(FigureGeneration.generation).where(
                FigureGeneration.module == "mediation")) == before + 1


def test_a_station_reads_only_its_own_stored_figures(app, demo, liuxi_mediates):
    _refresh(app)
    with app.app_context():
        liuxi = db.session.scalar(select(Station).where(Station.slug == "liuxi"))
        with station_context(liuxi):
            assert set(db.session.scalars(select(StoredFigure.tenant_id))) == {liuxi.id}


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2026-13"], "不是月份、季度或年份"),
    (["--period", Period.current_month().label], "尚未结束"),
    (["--county", "nowhere"], "没有县局 nowhere"),
])
def test_the_command_refuses_what_it_cannot_compute(app, demo, args, message):
    result = app.test_cli_runner().invoke(args=["figures", "compute", *args])
    assert result.exit_code != 0 and message in result.output


def test_the_command_computes_a_period_on_demand(app, demo, liuxi_mediates):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["figures", "compute", "--period", LAST_MONTH.label])
    assert result.exit_code == 0, result.output
    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == "demo"))
        with county_context(county):
            rows = db.session.scalars(select(StoredFigure.period).distinct()).all()
    assert rows == [LAST_MONTH.label]
    # Asked again for a period, it computes it again, current or not.
    again = runner.invoke(args=["figures", "compute", "--period", LAST_MONTH.label])
    assert again.output == result.output
    assert "项数据" in runner.invoke(args=["figures", "compute"]).output


def test_an_insert_statement_counts_as_a_change(make_browser, liuxi_mediates, app):
    from sqlalchemy import insert

    _refresh(app)
    day = LAST_MONTH.start + timedelta(days=2)

    def insert_cases():
        from tenants.context import current_station_id

        db.session.execute(insert(Case), [
            {"tenant_id": current_station_id(), "title": f"批量{n}", "kind": "邻里纠纷",
             "source": "call", "opened_on": day, "level": 1, "level_since": day,
             "status": "closed", "outcome": "withdrawn", "closed_on": day}
            for n in range(20)])
        db.session.commit()

    within_station(app, "liuxi", insert_cases)
    liuxi = next(r for r in _rows(make_browser("county-lead").get(RATE_PAGE).text)
                 if r[0] == "liuxi")
    assert "47.5" in liuxi[2] and "40" in liuxi[2]  # 19 settled of 40


@pytest.mark.postgres
@pytest.mark.skipif(not PG, reason="row-level security is PostgreSQL's")
def test_a_station_cannot_rank_itself(app, liuxi_mediates, as_app, as_owner):
    """Raw SQL as the app's role, in the station's own context: it reads its stored
    figures but writes none, and its generations only count up."""
    from psycopg import errors

    _refresh(app)
    county, liuxi = _ids(app)
    set_scope(as_app, county, liuxi)
    assert as_app.execute("SELECT count(*) FROM stored_figure").fetchone()[0] > 0
    for sql in ("UPDATE stored_figure SET value = 100", "DELETE FROM stored_figure",
                "DELETE FROM figure_generation"):
        assert as_app.execute(sql).rowcount == 0, sql
        as_app.rollback()
        set_scope(as_app, county, liuxi)
    with pytest.raises(errors.InsufficientPrivilege):
        as_app.execute("INSERT INTO stored_figure (tenant_id, module, metric, period, value,"
                       " generation, computed_at) VALUES (%s, 'mediation', 'mediation.x', "
                       "'2001', 1, 0, now())", (liuxi,))
    as_app.rollback()
    set_scope(as_app, county, liuxi)
    with pytest.raises(errors.InsufficientPrivilege):
        as_app.execute("UPDATE figure_generation SET generation = generation - 1")
    as_app.rollback()
    set_scope(as_app, county, liuxi)
    assert as_app.execute("UPDATE figure_generation SET generation = generation + 1"
                          ).rowcount > 0  # what each change does
    as_app.rollback()


def _ids(app) -> tuple[int, int]:
    with app.app_context():
        liuxi = db.session.scalar(select(Station).where(Station.slug == "liuxi"))
        return liuxi.county_id, liuxi.id
