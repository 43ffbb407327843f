"""Demo data: home requests in every state, after seed 003 (宁强县): an old woman of over
eighty in 河口村 whose ID card broke, visited with the backpack and brought her new card;
and seed 002's home appointments arranged through grid workers; then the station's own
history of the last three months (a busier station makes more visits). Made-up names."""

from datetime import datetime, time, timedelta

from app.plugin_api import (
    Station,
    db,
    demo_days,
    demo_ground,
    demo_random,
    demo_scale,
    local_today,
    members,
)

from .catalogue import home_services
from .models import CANNOT, DONE, REQUESTED, SCHEDULED, VISITED, HomeRequest, Step, Visit

# Used when the catalogue has no home service yet: a request keeps its service as text.
FALLBACK_SERVICES = ["居民身份证换领（上门采集）", "户籍信息采集", "送证上门"]

# (name, village, address, reason, note, service #, channel, asked days ago, status,
#  visit in days (relative to today), what was done, certificate to deliver, delivered after)
REQUESTS = [
    ("熊桂芳", "河口村", "三组12号，村小学往上坡200米", "elderly", "年逾八旬，腿脚不便",
     0, "grid_worker", 24, DONE, -23, "帮老人整理头发后拍摄证件照，采集换证信息，收回破损旧证。",
     True, 14),
    ("骆永福", "骆家咀村", "一组5号", "disability", "下肢残疾，坐轮椅",
     1, "relative", 9, VISITED, -4, "核对户籍信息，采集指纹，拍摄证件照。", True, None),
    ("石秀兰", "石门村", "二组老街17号", "illness", "术后卧床",
     0, "phone", 5, SCHEDULED, 0, None, False, None),
    ("陈德明", "青龙村", "四组28号，水塔旁", "elderly", "独居老人，九十岁",
     2, "wechat", 3, SCHEDULED, 1, None, False, None),
    ("王桂香", "大坪村", "五组9号", "elderly", None,
     0, "officer_visit", 1, REQUESTED, None, None, False, None),
    ("张玉珍", "河口村", "一组3号", "illness", "长期卧床",
     1, "grid_worker", 15, DONE, -12, "上门采集户籍变更信息，讲解防诈骗知识。", False, None),
    ("刘长贵", "石门村", "三组21号", "other", "外出务工返乡后行动不便",
     0, "phone", 12, CANNOT, None, None, False, None),
]


def _at(day) -> datetime:
    return datetime.combine(day, time(2))  # 10:00 in Beijing, stored as naive UTC


def demo_data(station: Station) -> dict[str, int]:
    """Create the demo requests in ``station`` (its context is current); returns one
    request id for the isolation sweep."""
    services = [s["name"] for s in home_services()] or FALLBACK_SERVICES
    people = [uid for uid, _name in members(station)] or [None]
    officer = people[min(1, len(people) - 1)]
    today = local_today()
    ground = demo_ground(station)
    first = None
    for i, (name, village, address, reason, note, service, channel, ago, status, visit_in,
            what, deliver, delivered_after) in enumerate(REQUESTS):
        asked = today - timedelta(days=ago)
        home = HomeRequest(
            resident_name=name, resident_phone=f"1389160{i:04d}",
            village_id=_village(ground, village), address=address, reason=reason, reason_note=note,
            service=services[service % len(services)], channel=channel, requested_on=asked,
            status=status, created_by=people[0],
        )
        db.session.add(home)
        db.session.flush()
        first = first or home.id
        steps = [(REQUESTED, "受理上门服务请求。", asked)]
        if visit_in is not None:
            home.visit_date, home.officer_id = today + timedelta(days=visit_in), officer
            steps.append((SCHEDULED, f"安排于{home.visit_date.isoformat()}上门。", asked))
        if what:
            db.session.add(Visit(request_id=home.id, visited_on=home.visit_date,
                                 what_done=what, photos_taken=deliver, recorded_by=officer,
                                 documents_collected="破损旧身份证" if deliver else None))
            home.needs_delivery = deliver
            steps.append((VISITED if deliver else DONE, f"已上门：{what}", home.visit_date))
            home.finished_on = None if deliver else home.visit_date
        if delivered_after is not None:
            home.delivered_on = home.visit_date + timedelta(days=delivered_after)
            home.received_by, home.finished_on = "resident", home.delivered_on
            steps.append((DONE, "新证件已送到老人手中，本人签收。", home.delivered_on))
        if status == CANNOT:
            home.finished_on = asked + timedelta(days=2)
            home.cannot_reason = "已随子女搬到县城居住，改为到窗口办理。"
            steps.append((CANNOT, home.cannot_reason, home.finished_on))
        for step_status, text, day in steps:
            db.session.add(Step(request_id=home.id, status=step_status, note=text,
                                author_id=people[0], created_at=_at(day)))
    _history(station, ground, services, people, officer, today)
    db.session.flush()
    return {"backpack_request_id": first}


HISTORY = [("何德顺", "河口村"), ("罗秀珍", "石门村"), ("唐永寿", "青龙村"), ("蒋桂兰", "大坪村"),
           ("谢长林", "骆家咀村"), ("韩玉英", "河口村")]


def _village(ground: dict[str, int], name: str) -> int:
    # A station whose ground has other names (kept by hand) still gets its demo requests.
    return ground.get(name) or next(iter(ground.values()))


def _history(station: Station, ground, services, people, officer, today) -> None:
    """Home visits done in the last three months: asked, visited a few days later, some
    with a certificate brought a week or two after."""
    rng, span = demo_random(station), demo_days(station)
    for n in range(round(10 * demo_scale(station) * span / 95)):
        name, village = rng.choice(HISTORY)
        asked = today - timedelta(days=rng.randint(10, span))
        visited = asked + timedelta(days=rng.randint(1, 6))
        deliver = rng.random() < 0.4
        home = HomeRequest(
            resident_name=name, resident_phone=f"1379160{n:04d}",
            village_id=_village(ground, village),
            address=f"{rng.randint(1, 8)}组{rng.randint(1, 40)}号",
            reason=rng.choice(("elderly", "elderly", "illness", "disability")),
            service=rng.choice(services), channel=rng.choice(("phone", "grid_worker", "wechat")),
            requested_on=asked, status=DONE, visit_date=visited, officer_id=officer,
            needs_delivery=deliver, created_by=people[0])
        db.session.add(home)
        db.session.flush()
        db.session.add(Visit(request_id=home.id, visited_on=visited, recorded_by=officer,
                             what_done="上门采集信息，拍摄证件照。", photos_taken=deliver))
        home.finished_on = visited
        if deliver:
            home.delivered_on = home.finished_on = min(
                visited + timedelta(days=rng.randint(7, 15)), today)
            home.received_by = "resident"
        for step_status, note, day in ((REQUESTED, "受理上门服务请求。", asked),
                                       (SCHEDULED, "安排上门。", asked),
                                       (DONE, "已办结。", home.finished_on)):
            db.session.add(Step(request_id=home.id, status=step_status, note=note,
                                author_id=people[0], created_at=_at(day)))
