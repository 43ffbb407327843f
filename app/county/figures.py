"""The figures the county's pages compare: each station's :class:`Measure` of each metric
for each period, read from the stored figures of closed periods when they are current,
and computed from the records otherwise (the month under way, a period not stored yet, a
station whose records changed since).

A recurring job (:func:`refresh`, also ``fengqiao figures refresh``) stores what is
missing or out of date over the periods the county's pages show: the last 13 closed
months, 8 quarters and 5 years. Stored or computed, a figure is the same: the stored one
is what the module's own metric answered, at the generation of the records it read
(:mod:`app.county.changes`)."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from sqlalchemy import delete, func, insert, select, text

from app.county.models import FigureGeneration, StoredFigure
from app.extensions import db
from app.module_metrics import figures
from app.modules import switched_on
from app.periods import Period
from app.plugin_contract import RATE, Measure, Metric, Plugin
from tenants.context import county_context
from tenants.models import County, Station, utcnow

# station id -> the module's settings there (the stations that have the module on)
Stations = Mapping[int, dict]
# period -> metric key -> station id -> its measure
Measured = dict[Period, dict[str, dict[int, Measure]]]


def is_closed(period: Period, today: date | None = None) -> bool:
    """Whether ``period`` is over (its records may still change, its figure is kept)."""
    return period.end <= Period.current_month(today).start


def measured(modules: Iterable[tuple[Sequence[Metric], Stations]],
             periods: Sequence[Period]) -> Measured:
    """Each station's measure of each of the modules' metrics (a module's metrics and the
    stations that have it on) for each of ``periods``: one read of the stored figures for
    them all, then, for each module and period, one computation for the stations whose
    figures were not stored current."""
    modules = [(list(metrics), stations) for metrics, stations in modules]
    stored = _stored({m.key: m.kind for metrics, _ in modules for m in metrics},
                     [p.label for p in periods if is_closed(p)])
    out: Measured = {p: {} for p in periods}
    for metrics, stations in modules:
        for period in periods:
            label = period.label
            found = {m.key: {s: stored[k] for s in stations
                             if (k := (label, m.key, s)) in stored}
                     for m in metrics}
            missing = {s: settings for s, settings in stations.items()
                       if any(s not in found[m.key] for m in metrics)}
            for key, measures in computed(metrics, period, missing).items():
                found[key].update(measures)
            out[period].update(found)
    return out


def computed(metrics: Sequence[Metric], period: Period,
             stations: Stations) -> dict[str, dict[int, Measure]]:
    """One module's metrics for ``stations`` from the records: metric key -> station id ->
    measure. Metrics sharing their ``by_station`` read it once."""
    if not stations:
        return {m.key: {} for m in metrics}
    read: dict = {}
    out = {}
    for metric in metrics:
        if metric.by_station is None:  # a station at a time, each in its own context
            out[metric.key] = {s: Measure(_figure(values[metric.key], metric.kind))
                               for s, values in figures([metric], period, stations).items()}
            continue
        if metric.by_station not in read:
            read[metric.by_station] = metric.by_station(period, stations)
        out[metric.key] = {s: _normal(m, metric.kind) for s, m in
                           metric.measures(period, stations, read[metric.by_station]).items()}
    return out


def _stored(kinds: dict[str, str], labels: list[str]) -> dict[tuple[str, str, int], Measure]:
    """Current stored measures of the metrics ``kinds`` names (key -> kind)."""
    keys = list(kinds)
    if not keys or not labels:
        return {}
    rows = db.session.execute(_current(
        StoredFigure.period, StoredFigure.metric, StoredFigure.tenant_id,
        StoredFigure.value, StoredFigure.numerator, StoredFigure.denominator)
        .where(StoredFigure.period.in_(labels), StoredFigure.metric.in_(keys)))
    return {(period, metric, station): Measure(_figure(value, kinds[metric]), numerator,
                                               denominator)
            for period, metric, station, value, numerator, denominator in rows}


def _figure(value, kind: str):
    # Stored as a float, read back as the metric answers it, computed or stored alike: a
    # rate as a percentage with its decimal, any other whole number as an int.
    if value is None or kind == RATE:
        return value
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _normal(m: Measure, kind: str) -> Measure:
    return Measure(_figure(m.value, kind), m.numerator, m.denominator)


# --- storing -----------------------------------------------------------------------------

def store(plugin: Plugin, period: Period, stations: Stations) -> int:
    """Compute ``plugin``'s metrics for ``stations`` over ``period`` (closed) and store
    them in place of what was stored; returns how many figures it stored. Run in the
    county's context."""
    if not stations or not plugin.metrics:
        return 0
    # The generation first: a change committed while the records are read leaves the
    # figure behind it, to be computed again.
    generations = dict(db.session.execute(
        select(FigureGeneration.tenant_id, FigureGeneration.generation)
        .where(FigureGeneration.module == plugin.key,
               FigureGeneration.tenant_id.in_(list(stations)))).all())
    found = computed(plugin.metrics, period, stations)
    db.session.execute(
        delete(StoredFigure).where(StoredFigure.module == plugin.key,
                                   StoredFigure.period == period.label,
                                   StoredFigure.tenant_id.in_(list(stations)))
        .execution_options(synchronize_session=False))
    now = utcnow()
    rows = [{"tenant_id": s, "module": plugin.key, "metric": key, "period": period.label,
             "value": m.value, "numerator": m.numerator, "denominator": m.denominator,
             "generation": generations.get(s, 0), "computed_at": now}
            for key, measures in found.items() for s, m in measures.items()]
    # Many rows to a statement: a county's month is some tens of thousands of figures.
    for start in range(0, len(rows), INSERT_ROWS):
        db.session.execute(insert(StoredFigure.__table__).values(rows[start:start + INSERT_ROWS]))
    return len(rows)


INSERT_ROWS = 1000


def window(today: date | None = None) -> list[Period]:
    """The closed periods the county's pages show: the trends of the last closed month,
    quarter and year (13 months, 8 quarters, 5 years)."""
    month = Period.current_month(today).previous()
    quarter = Period.quarter(month.start.year, (month.start.month + 2) // 3)
    year = Period.read(str(month.start.year))
    return [*month.trend(),
            *(quarter if is_closed(quarter, today) else quarter.previous()).trend(),
            *(year if is_closed(year, today) else year.previous()).trend()]


def refresh_county(county: County, periods: Sequence[Period] | None = None, *,
                   everything: bool = False) -> int:
    """Store the county's figures that are missing or out of date over ``periods``
    (closed ones; the :func:`window` by default), or all of them with ``everything``;
    returns how many figures it stored."""
    from app.plugin_host import host

    periods = [p for p in (periods or window()) if is_closed(p)]
    with county_context(county):
        if db.session.get_bind().dialect.name == "postgresql":
            # One refresh of a county at a time (the job, the command): the second waits,
            # then finds what the first stored.
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": REFRESH_LOCK + county.id})
        ids = db.session.scalars(select(Station).where(
            Station.county_id == county.id, Station.active.is_(True))).all()
        on = switched_on(ids)
        current = {} if everything else _current_counts([p.label for p in periods])
        count = 0
        for plugin in host().plugins.values():
            stations = on.get(plugin.key, {})
            if not plugin.metrics or not stations:
                continue
            for period in periods:
                wanted = {s: settings for s, settings in stations.items()
                          if current.get((plugin.key, period.label, s), 0)
                          < len(plugin.metrics)}
                count += store(plugin, period, wanted)
        return count


def _current_counts(labels: list[str]) -> dict[tuple[str, str, int], int]:
    """(module, period, station) -> how many of its stored figures are current."""
    return {(module, period, station): n for module, period, station, n in db.session.execute(
        _current(StoredFigure.module, StoredFigure.period, StoredFigure.tenant_id, func.count())
        .where(StoredFigure.period.in_(labels))
        .group_by(StoredFigure.module, StoredFigure.period, StoredFigure.tenant_id))}


def _current(*columns):
    """A SELECT of ``columns`` over the stored figures that are current: stored at the
    generation their station's records of the module are at (none counted yet: 0)."""
    return (select(*columns)
            .outerjoin(FigureGeneration, (FigureGeneration.tenant_id == StoredFigure.tenant_id)
                       & (FigureGeneration.module == StoredFigure.module))
            .where(StoredFigure.generation == func.coalesce(FigureGeneration.generation, 0)))


def refresh() -> int:
    """A job: every county's figures missing or out of date, stored; committed a county
    at a time."""
    count = 0
    for county in db.session.scalars(select(County).order_by(County.id)).all():
        count += refresh_county(county)
        db.session.commit()
    return count


REFRESH_CRON = "*/10 * * * *"
REFRESH_LOCK = 7_316_000_000  # + the county's id: the advisory lock of its refresh
