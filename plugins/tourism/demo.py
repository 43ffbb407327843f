"""Demo data after seed 003 (青木川派出所, a 4A scenic old town): this week's roster with the
station's 古镇义警 volunteers (community forces of its demo ground), a gap and a declared
peak, six weeks of lounge visitors (about 160 a day at the height of summer), help given,
and lost things in every state. Made-up names."""

from datetime import date, timedelta

from sqlalchemy import select

from app.plugin_api import (
    Force,
    Station,
    db,
    demo_days,
    demo_ground,
    demo_random,
    demo_scale,
    forces,
    local_today,
    members,
    settings,
)

from .models import (
    DISPOSED,
    FOUND,
    MATCHED,
    OPEN,
    RETURNED,
    Assignment,
    FoundItem,
    HelpGiven,
    LossReport,
    PeakDay,
    RosterCell,
    VisitorCount,
)

# Share of a day's visitors in each hour from 08:00 to 19:00: mornings and mid-afternoons.
HOURS = [3, 8, 12, 13, 9, 6, 8, 11, 12, 9, 6, 3]
# (kind, public description, full description, place, days ago, status, kept at)
ITEMS = [
    ("手机", "黑色手机一部", "华为黑色手机，蓝色手机壳，壳内夹一张公交卡", "古镇老街", 1, FOUND,
     "会客厅失物柜1号"),
    ("背包", "灰色双肩包", "灰色双肩包，内有保温杯和雨衣", "魏氏庄园门口", 3, MATCHED,
     "会客厅失物柜2号"),
    ("证件", "身份证一张", "居民身份证，姓陈", "游客中心售票处", 6, RETURNED, "值班室保险柜"),
    ("钥匙", "车钥匙一把", "大众车钥匙，挂熊猫挂件", "停车场入口", 120, FOUND, "值班室"),
    ("其他", "折叠伞一把", "蓝色折叠伞", "回龙场老街", 200, DISPOSED, "会客厅"),
]
# (kind, description, days ago, place, name, phone, status, item index or None)
REPORTS = [
    ("钱包", "棕色皮夹，内有银行卡两张", 0, "洋房子附近", "林晓燕", "13709160011", OPEN, None),
    ("背包", "灰色双肩包，里面有保温杯", 3, "魏氏庄园", "郭建华", "15009160022", MATCHED, 1),
    ("证件", "身份证丢失", 6, "游客中心", "陈海涛", "18609160033", RETURNED, 2),
]


def demo_data(station: Station) -> dict[str, int]:
    """Create the demo roster, lounge log and lost-and-found in ``station`` (its context is
    current); returns one id of each kind for the isolation sweep."""
    if db.session.scalar(select(FoundItem.id).where(FoundItem.reference == "S-DEMO0")):
        return _ids()  # loaded already (the demo county, then the isolation sweep)
    today = local_today()
    config = settings("tourism")
    staff = [uid for uid, _name in members(station)]
    demo_ground(station)  # its volunteers are the station's ground's
    volunteers = forces(kind="volunteer")
    peak = PeakDay(day=today + timedelta(days=(5 - today.weekday()) % 7 or 7),
                   reason="周末古镇游客高峰", extra=config["peak_extra"])
    db.session.add(peak)
    db.session.flush()
    _roster(today, config, staff, volunteers, weeks=1 + max(0, demo_days(station) - 95) // 7)
    _lounge(station, today, config)
    _lost_and_found(today, staff[:1] or [None])
    return _ids()


def _ids() -> dict[str, int]:
    def first(column):
        return db.session.scalar(select(column).order_by(column))

    return {"found_item_id": first(FoundItem.id), "loss_report_id": first(LossReport.id),
            "tourism_peak_id": first(PeakDay.id), "lounge_help_id": first(HelpGiven.id)}


def _roster(today: date, config: dict, staff: list[int], volunteers: list[Force],
            weeks: int = 1):
    """This week (and the ``weeks - 1`` before it, for a longer history): each post gets
    one member and one volunteer per shift, the last post only in the morning, so the
    roster shows both full and short cells."""
    monday = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    posts, shifts = config["posts"], config["shifts"]
    cells = {}
    for n in range(7 * weeks):
        for s, shift in enumerate(shifts):
            for p, post in enumerate(posts):
                if p == len(posts) - 1 and s > 0:
                    continue
                cells[n, s, p] = RosterCell(day=monday + timedelta(days=n), shift=shift["name"],
                                            post=post["name"])
    db.session.add_all(cells.values())
    db.session.flush()
    for (n, s, p), cell in cells.items():
        if p < len(staff):  # nobody at two posts in one shift
            db.session.add(Assignment(cell_id=cell.id, user_id=staff[(n + p + s) % len(staff)]))
        if volunteers:
            db.session.add(Assignment(cell_id=cell.id,
                                      force_id=volunteers[(p + s) % len(volunteers)].id))
    db.session.flush()


def _lounge(station: Station, today: date, config: dict):
    """Six weeks of visitor counts, busier at the weekend (as busy as the station's town
    draws visitors), and the help given each day."""
    kinds = config["help_kinds"]
    rng, draw = demo_random(station), 0.5 + 0.6 * demo_scale(station)
    for n in range(round(42 * demo_days(station) / 95)):
        day = today - timedelta(days=n)
        usual = 160 if day.weekday() >= 5 else 110 - (n % 5) * 6
        total = round(usual * draw * rng.uniform(0.85, 1.15))
        for i, share in enumerate(HOURS):
            db.session.add(VisitorCount(day=day, hour=8 + i, visitors=total * share // 100))
        for j in range(2 + n % 3):
            db.session.add(HelpGiven(day=day, kind=kinds[(n + j) % len(kinds)]))
    db.session.flush()


def _lost_and_found(today: date, staff: list[int | None]):
    reports = []
    for i, (kind, text, ago, place, name, phone, status, _item) in enumerate(REPORTS):
        reports.append(LossReport(
            reference=f"L-DEMO{i}", kind=kind, description=text,
            lost_on=today - timedelta(days=ago), lost_place=place, reporter_name=name,
            reporter_phone=phone, from_public=i == 0, status=status))
    db.session.add_all(reports)
    db.session.flush()
    items = []
    for i, (kind, public, text, place, ago, status, kept) in enumerate(ITEMS):
        item = FoundItem(reference=f"S-DEMO{i}", kind=kind, public_description=public,
                         description=text, found_on=today - timedelta(days=ago),
                         found_place=place, kept_at=kept, status=status,
                         has_photo=i % 2 == 0, recorded_by=staff[0],
                         finder_name="游客王先生" if i == 0 else None)
        if status == RETURNED:
            item.returned_on, item.handed_by = today - timedelta(days=ago - 1), staff[0]
            item.receiver_name, item.receiver_id_type = "陈海涛", "resident_id"
            item.receiver_id_number = "610726199001011234"
        if status == DISPOSED:
            item.disposal_due, item.disposed_on = True, today - timedelta(days=100)
            item.disposal_note = "无人认领，按规定登记后处置"
        items.append(item)
    for report, (*_rest, item_index) in zip(reports, REPORTS, strict=True):
        if item_index is not None:
            items[item_index].report_id = report.id
    db.session.add_all(items)
    db.session.flush()
