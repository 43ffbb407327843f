"""Demo data: two meeting points with a few sessions and concerns in every state, and a
station's own history of the last three months (busier stations hold more sessions). Made-up
names; the water-pipe concern follows the story in seed 001 (团堡)."""

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
    villages,
)

from .models import CLOSED, IN_PROGRESS, OPEN, RESOLVED, Concern, ConcernUpdate, Point, Session

POINTS = [
    ("朱砂屯村李家院落", "朱砂屯村", "李家院坝，村委会往东200米"),
    ("石龙村村委会院坝", "石龙村", "村委会门前"),
]
# Concerns villagers raise again and again, for the history.
USUAL = [("烦心事", "村道坑洼，雨天难走"), ("揪心事", "独居老人夜里无人照看"),
         ("烦心事", "广场舞音响太吵"), ("揪心事", "河边没有护栏"), ("暖心事", "想请民警讲讲反诈"),
         ("烦心事", "邻里为宅基地滴水起争执")]
NAMES = ["李春燕", "王国庆", "张志强", "刘秀英", "陈海涛", "杨文静", "赵永刚", "黄丽华"]
# (point, days ago, attendees, notable, [(category, title, who, status, days to finish)])
SESSIONS = [
    (0, 40, 18, "村“两委”成员、网格员", [
        ("揪心事", "李家水管出水口对着邻居院坝，雨天积水", "李春燕", RESOLVED, 9),
        ("烦心事", "村道路灯三盏不亮", "王国庆", RESOLVED, 20),
    ]),
    (0, 12, 23, "村支书、调解员", [
        ("揪心事", "两户山林边界有争议", "张志强", IN_PROGRESS, None),
        ("暖心事", "独居老人冬季取暖需要照看", "刘秀英", OPEN, None),
    ]),
    (1, 5, 15, "驻村辅警", [
        ("烦心事", "夜间货车经过村小门口车速快", "陈海涛", OPEN, None),
        ("烦心事", "电信诈骗宣传材料不够", "杨文静", CLOSED, 2),
    ]),
]


def demo_data(station: Station) -> dict[str, int]:
    """Create the demo points, sessions and concerns in ``station`` (its context is
    current); returns one id of each kind for the isolation sweep."""
    people = [uid for uid, _name in members(station)] or [None]
    today = local_today()
    ground = demo_ground(station)
    # A station whose ground lacks the village (renamed, say) gets its first one instead.
    points = [Point(name=n, village_id=ground.get(v) or villages()[0].id, place=p)
              for n, v, p in POINTS]
    db.session.add_all(points)
    db.session.flush()
    ids: dict[str, int] = {"point_id": points[0].id}
    for i, (point, ago, attendees, notable, concerns) in enumerate(SESSIONS):
        held = today - timedelta(days=ago)
        session = Session(point_id=points[point].id, held_on=held, host_id=people[0],
                          starts_at=time(17), ends_at=time(18, 30),
                          attendees=attendees, notable_attendees=notable,
                          summary="围坐院坝，群众说事，民警现场答疑。")
        db.session.add(session)
        db.session.flush()
        ids.setdefault("session_id", session.id)
        for j, (category, title, who, status, days) in enumerate(concerns):
            concern = Concern(
                session_id=session.id, category=category, title=title, raised_by=who,
                raised_by_phone=f"1390000{i}{j}{len(title):03d}"[:11], raised_on=held,
                owner_id=people[(i + j) % len(people)], due_on=held + timedelta(days=14),
                status=status,
            )
            if days is not None:
                concern.finished_on = held + timedelta(days=days)
                concern.result = "已协调解决。" if status == RESOLVED else "已转交相关部门。"
            db.session.add(concern)
            db.session.flush()
            ids.setdefault("concern_id", concern.id)
            if status != OPEN:
                visited = min(held + timedelta(days=days or 3), today)
                db.session.add(ConcernUpdate(concern_id=concern.id, status=status,
                                             note="民警上门了解情况，与村“两委”共同商议。",
                                             author_id=people[0],
                                             created_at=datetime.combine(visited, time(1))))
    _history(station, points, people, today)
    db.session.flush()
    return ids


def _history(station: Station, points, people, today) -> None:
    """Sessions of the last three months, as many as the station is busy, most of their
    concerns settled within the due span, a few late, a few still open."""
    rng, span = demo_random(station), demo_days(station)
    for _ in range(round(8 * demo_scale(station) * span / 95)):
        held = today - timedelta(days=rng.randint(14, span))
        session = Session(point_id=rng.choice(points).id, held_on=held, host_id=people[0],
                          starts_at=time(rng.choice((9, 15, 17, 19))),
                          attendees=rng.randint(8, 35), summary="群众围坐说事，民警逐件回应。")
        db.session.add(session)
        db.session.flush()
        for category, title in rng.sample(USUAL, rng.randint(0, 2)):
            days = rng.choice((3, 6, 9, 12, 20, None))
            concern = Concern(session_id=session.id, category=category, title=title,
                              raised_by=rng.choice(NAMES), raised_on=held,
                              owner_id=rng.choice(people), due_on=held + timedelta(days=14),
                              status=RESOLVED if days else IN_PROGRESS)
            if days:
                concern.finished_on = min(held + timedelta(days=days), today)
                concern.result = "已协调解决。"
            db.session.add(concern)
