"""Modules' records that stand in a village, counted and listed across modules: a
village's whole story on its page, and the counts per village the county compares."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from app.access import can
from app.extensions import db
from app.periods import Period
from app.plugin_contract import Plugin, VillageRecords
from app.plugin_host import host


@dataclass(frozen=True)
class Story:
    """One kind of record in a village: the latest few and how many there are."""

    plugin: Plugin
    records: VillageRecords
    rows: list
    total: int


def declared(*, enabled_only: bool = True) -> list[tuple[Plugin, VillageRecords]]:
    """Every module's declared village records (of the modules the station has on)."""
    plugins = host().enabled() if enabled_only else host().plugins.values()
    return [(p, r) for p in plugins for r in p.village_records]


def _rows(records: VillageRecords, period: Period | None = None):
    rows = records.query().subquery()
    query = select(rows)
    if period is not None:
        # Dates compare right with date and time columns alike, on both databases.
        query = query.where(rows.c.day >= period.start, rows.c.day < period.end)
    return rows, query


def counts_per_village(key: str, period: Period | None = None) -> dict[int, int]:
    """How many records of ``key`` (``<module>.<what>``) each village of the current
    station has (in ``period`` when given, by their ``day``); villages with none are
    left out. A module the station has off counts nothing."""
    for _plugin, records in declared():
        if records.key == key:
            rows, query = _rows(records, period)
            counted = query.with_only_columns(rows.c.village_id, func.count()).group_by(
                rows.c.village_id)
            return {vid: n for vid, n in db.session.execute(counted).all() if vid is not None}
    return {}


def story(village_id: int, limit: int = 5) -> list[Story]:
    """The records of every module the user may read that stand in the village, the
    latest ``limit`` of each kind and the total."""
    out = []
    for plugin, records in declared():
        if plugin.view_permission and not can(plugin.view_permission):
            continue
        rows, query = _rows(records)
        query = query.where(rows.c.village_id == village_id)
        total = db.session.scalar(query.with_only_columns(func.count()))
        if not total:
            continue
        latest = db.session.execute(
            query.order_by(rows.c.day.desc(), rows.c.id.desc()).limit(limit)).all()
        out.append(Story(plugin, records, [_dated(r) for r in latest], total))
    return out


def references(village_id: int) -> int:
    """How many records of any installed module (on or off here) stand in the village."""
    total = 0
    for _plugin, records in declared(enabled_only=False):
        rows, query = _rows(records)
        total += db.session.scalar(
            query.where(rows.c.village_id == village_id).with_only_columns(func.count()))
    return total


def _dated(row):
    day = row.day
    if isinstance(day, datetime):
        day = day.date()
    return {"id": row.id, "title": row.title, "day": day if isinstance(day, date) else None}
