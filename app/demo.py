"""The demo county: stations, their people and a few notices. No real people's names:
every name is made up from common characters."""

import random

from flask_babel import gettext
from sqlalchemy import select

from app.enrolment import enrol
from app.extensions import db
from app.ground import demo as ground_demo
from app.modules import enable, station_modules
from app.plugin_host import host
from app.station.notices import Notice
from app.users import role_label
from tenants.context import station_context
from tenants.models import County
from tenants.onboarding import create_county, create_station

PASSWORD = "fengqiao-demo"  # noqa: S105 - the published demo password
COUNTY = {"name": "示范县公安局", "slug": "demo"}
STATIONS = [
    ("东岭派出所", "dongling"),
    ("青石派出所", "qingshi"),
    ("柳溪派出所", "liuxi"),
]
# Each station its own story: 东岭 is a busy station by the county town, 青石 a smaller one
# in the hills; modules scale the history they seed by this (1 for any other station, e.g.
# the benchmark's), so the county's dashboard compares different stations.
SCALES = {"dongling": 1.0, "qingshi": 0.45}
# How far back the demo history reaches, in days: three months, unless a benchmark's
# county asks for more (bench/county_scale.py keeps a year).
HISTORY_DAYS = 95
DAYS: dict[str, int] = {}
_SURNAMES = "王李张刘陈杨赵黄周吴"
_GIVEN = ["建民", "晓峰", "丽华", "志强", "春燕", "海涛", "秀英", "国庆", "文静", "永刚"]
NOTICES = [
    ("本周护学岗安排", "周一至周五 7:20—8:00，各警务室按排班到岗。", True),
    ("反诈宣传进村入户", "本月重点走访独居老人，宣传反诈知识。", False),
]


def _name(i: int) -> str:
    return _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i * 3) % len(_GIVEN)]


def _phone(i: int) -> str:
    return f"139{i:08d}"


def demo_scale(station) -> float:
    """How busy ``station``'s demo history is (1 = a busy station)."""
    return SCALES.get(station.slug, 1.0)


def demo_days(station) -> int:
    """How many days back ``station``'s demo history reaches; modules spread their history
    over it, with as many records per day whatever its length."""
    return DAYS.get(station.slug, HISTORY_DAYS)


def demo_random(station) -> random.Random:
    """A random source of ``station``'s own, the same on every seeding."""
    return random.Random(f"fengqiao-demo:{station.slug}")  # noqa: S311 - demo data only


def demo_ground(station) -> dict[str, int]:
    """The demo villages of ``station`` by name (its context is current), seeding its demo
    ground first when it has none yet (a station made for a test or a benchmark)."""
    from app.ground.models import Village

    if db.session.scalar(select(Village.id).limit(1)) is None:
        ground_demo.seed(station, demo_scale(station))
    return dict(db.session.execute(select(Village.name, Village.id)).all())


def load_modules(station) -> dict[str, dict[str, int]]:
    """Switch every installed module on in ``station`` and load its demo data (the
    station's context is current); returns each module's ids of its demo objects, and the
    first of each kind of its ground's (``"ground"``), for tests that visit every page."""
    ids = {"ground": ground_demo.first_ids()}
    rows = station_modules(station)
    for key, plugin in host().plugins.items():
        enable(station, key, rows=rows)
        db.session.flush()
        if plugin.demo_data:
            ids[key] = plugin.demo_data(station) or {}
    return ids


def seed() -> tuple[bool, list[tuple[str, str]]]:
    """Create the demo county unless it exists; return (created, [(username, what)])."""
    accounts = [
        ("county-it", f"{COUNTY['name']} · {role_label('county_admin')}"),
        ("county-lead", f"{COUNTY['name']} · {role_label('county_viewer')}"),
    ]
    for name, slug in STATIONS:
        accounts += [(f"{slug}-{suffix}", f"{name} · {role_label(role)}")
                     for suffix, role in (("admin", "station_admin"), ("officer", "officer"),
                                          ("aux", "auxiliary"))]
    accounts.append(("roving-officer", gettext(
        "%(role)s of %(a)s and %(b)s", role=role_label("officer"), a=STATIONS[0][0],
        b=STATIONS[1][0])))

    if db.session.scalar(select(County.id).where(County.slug == COUNTY["slug"])):
        return False, accounts

    county = create_county(COUNTY)
    n = 0
    for role, username in (("county_admin", "county-it"), ("county_viewer", "county-lead")):
        enrol(username=username, full_name=_name(n), phone=_phone(n), role=role, county=county,
              password=PASSWORD)
        n += 1
    stations = []
    for name, slug in STATIONS:
        station, _ = create_station(county, {
            "name": name, "slug": slug, "admin_username": f"{slug}-admin",
            "admin_full_name": _name(n), "admin_phone": _phone(n),
        }, admin_password=PASSWORD)
        n += 1
        for role, suffix in (("officer", "officer"), ("auxiliary", "aux")):
            enrol(username=f"{slug}-{suffix}", full_name=_name(n), phone=_phone(n), role=role,
                  station=station, password=PASSWORD)
            n += 1
        stations.append(station)
    for station in stations[:2]:
        enrol(username="roving-officer", full_name=_name(n), phone=_phone(n), role="officer",
              station=station, password=PASSWORD)
    db.session.flush()
    for station in stations:
        with station_context(station):
            for title, body, pinned in NOTICES:
                db.session.add(Notice(title=title, body=body, pinned=pinned))
            demo_ground(station)
            db.session.flush()
    # 一所一策: the first two stations run every installed module, the third none yet.
    for station in stations[:2]:
        with station_context(station):
            load_modules(station)
    db.session.commit()
    return True, accounts
