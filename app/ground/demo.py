"""The demo stations' ground: villages with their households and people, grids, key places
and community forces, and who covers what, with a few gaps left for the coverage page to
show. Made-up names in the manner of the seeds' villages."""

from sqlalchemy import select

from app.extensions import db
from app.ground.models import Force, Grid, KeyPlace, Village
from app.users import Membership

# (name, kind, zone, households, registered, resident): the first five are the backpack's
# mountain villages in the order of its route; 东岭社区 is the town's community.
VILLAGES = [
    ("河口村", "village", "河口警务室", 412, 1530, 1210),
    ("骆家咀村", "village", "河口警务室", 286, 1044, 760),
    ("石门村", "village", "石门片区", 338, 1268, 980),
    ("青龙村", "village", "石门片区", 305, 1130, 905),
    ("大坪村", "village", "石门片区", 221, 850, 610),
    ("朱砂屯村", "village", "朱砂警务室", 530, 1960, 1720),
    ("石龙村", "village", "朱砂警务室", 468, 1745, 1500),
    ("河坝村", "village", "朱砂警务室", 356, 1302, 1104),
    ("东岭社区", "community", "城区警务室", 1820, 5210, 6340),
]
GRID_NAMES = ["第一网格", "第二网格", "第三网格"]
PLACES = [
    ("school", "河口小学", "河口村"), ("school", "朱砂屯中心小学", "朱砂屯村"),
    ("enterprise", "县宏发建材有限公司", "石龙村"), ("scenic", "青龙峡景区", "青龙村"),
    ("market", "东岭农贸市场", "东岭社区"),
]
# (name, kind, village, team): with the grid workers below, the station's forces; the
# volunteers are the tourism module's 古镇义警.
FORCES = [
    ("李德明", "household_head", "朱砂屯村", None), ("王秀兰", "household_head", "石龙村", None),
    ("张国华", "security_director", "朱砂屯村", None),
    ("刘长青", "security_director", "石龙村", None),
    ("陈玉珍", "mediator", "河坝村", "村人民调解委员会"),
    ("杨建国", "activist", "东岭社区", None),
    ("赵文军", "volunteer", "东岭社区", "古镇义警"),
    ("钱秀梅", "volunteer", "东岭社区", "古镇义警"),
    ("孙德胜", "volunteer", "青龙村", "古镇义警"),
    ("周桂兰", "volunteer", "青龙村", "古镇义警"),
]
_WORKERS = "吴黄周郑冯何吕施"
_GIVEN = ["春梅", "建军", "桂芳", "德福", "小燕", "明亮", "玉兰", "正华"]


def seed(station, scale: float = 1.0) -> None:
    """The station's ground (its context is current), its villages' figures times
    ``scale``; its members must be enrolled first."""
    staff: dict[str, int] = {}
    for role, user_id in db.session.execute(
            select(Membership.role, Membership.user_id)
            .where(Membership.station_id == station.id, Membership.active.is_(True))
            .order_by(Membership.id)):
        staff.setdefault(role, user_id)  # the station's own officer, not a roving one
    officer, auxiliary = staff.get("officer"), staff.get("auxiliary")
    villages = {}
    for position, (name, kind, zone, households, registered, resident) in enumerate(VILLAGES):
        villages[name] = Village(
            name=name, kind=kind, zone=zone, households=round(households * scale),
            registered_population=round(registered * scale),
            resident_population=round(resident * scale), position=position,
            officer_id=officer,
            # 一村一辅警 is the goal, not yet the fact: two villages still wait for theirs.
            auxiliary_id=auxiliary if position not in (3, 4) else None)
    db.session.add_all(villages.values())
    db.session.flush()
    n = 0
    for v_index, village in enumerate(villages.values()):
        for g_index, grid_name in enumerate(GRID_NAMES[:2 + (village.kind == "community")]):
            grid = Grid(village_id=village.id, name=grid_name)
            db.session.add(grid)
            db.session.flush()
            if (v_index, g_index) == (2, 1):
                continue  # a grid whose worker is still to be found
            db.session.add(Force(
                name=_WORKERS[n % len(_WORKERS)] + _GIVEN[(n + n // len(_WORKERS)) % len(_GIVEN)],
                phone=f"1359160{station.id % 10}{n:03d}", kind="grid_worker",
                village_id=village.id, grid_id=grid.id))
            n += 1
    for i, (name, kind, village, team) in enumerate(FORCES):
        db.session.add(Force(name=name, phone=f"1389216{station.id % 10}{i:03d}", kind=kind,
                             village_id=villages[village].id, team=team))
    for kind, name, village in PLACES:
        db.session.add(KeyPlace(kind=kind, name=name, village_id=villages[village].id,
                                officer_id=officer if kind != "market" else None))
    db.session.flush()


def first_ids() -> dict[str, int]:
    """The first village, grid, key place and force of the current station's ground."""
    return {
        f"{name}_id": db.session.scalar(select(model.id).order_by(model.id).limit(1))
        for name, model in (("village", Village), ("grid", Grid), ("place", KeyPlace),
                            ("force", Force))
    }
