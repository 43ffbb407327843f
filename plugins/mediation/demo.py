"""Demo cases on every rung: settled at the first level, agreed at the second with its
follow-up due, one still being mediated and long stuck, and a decade-old grudge settled.
Made-up names, numbers and ID numbers."""

from datetime import date, timedelta

from app.plugin_api import Station, db, local_today, members

from .models import Agreement, Attempt, Case, Event, Party

CASES = [
    # title, kind, village, source, days ago opened, began years ago, level, outcome
    ("两户宅基地边界争议", "土地边界", "朱砂屯村", "walk_in", 50, 12, 2, "agreement"),
    ("灌溉用水先后顺序纠纷", "用水纠纷", "石龙村", "call", 20, None, 1, "settled"),
    ("借款三万元未还", "债务纠纷", "河坝村", "referral", 40, 2, 3, None),
    ("邻居装修噪音扰民", "邻里纠纷", "朱砂屯村", "patrol", 3, None, 1, None),
]
PARTIES = [("张国强", "赵春兰"), ("李志明", "王海涛"), ("陈建华", "刘秀英"), ("杨文军", "周丽华")]


def demo_data(station: Station) -> dict[str, int]:
    officer = next(iter(members(station)), (None, ""))[0]
    today = local_today()
    first = None
    for i, (title, kind, village, source, ago, years, level, outcome) in enumerate(CASES):
        opened = today - timedelta(days=ago)
        case = Case(
            title=title, kind=kind, village=village, source=source, opened_on=opened,
            dispute_began_on=date(opened.year - years, 3, 1) if years else None,
            narrative="双方因此事多次发生口角，村调解员上报派出所。", officer_id=officer,
            level=level, level_since=opened + timedelta(days=7 * (level - 1)),
            status="closed" if outcome else "open", outcome=outcome,
            closed_on=opened + timedelta(days=10 * level) if outcome else None,
        )
        db.session.add(case)
        db.session.flush()
        first = first or case
        for j, name in enumerate(PARTIES[i]):
            db.session.add(Party(case_id=case.id, name=name, phone=f"1380000{i}{j}{ago:02d}"[:11],
                                 id_number=f"61072519{70 + i}0{j + 1}01123{i}"))
        db.session.add(Event(case_id=case.id, action="opened", level=1, author_id=officer))
        for rung in range(1, level + 1):
            db.session.add(Attempt(
                case_id=case.id, level=rung, held_on=opened + timedelta(days=7 * (rung - 1)),
                mediator=("百户长 王大伯", "治保主任 李主任", "社区民警")[min(rung, 3) - 1],
                method="video" if i == 2 and rung == 3 else "in_person",
                meeting_link="https://meet.example.invalid/room/1" if i == 2 and rung == 3
                else None,
                mediation_type="people", notes="听取双方意见，讲明法律规定。",
                created_by=officer))
        if outcome == "agreement":
            signed = case.closed_on
            db.session.add(Agreement(
                case_id=case.id, terms="一、以村委会2010年测绘图为准重新确定边界；\n"
                                       "二、双方各自拆除越界部分，互不追究。",
                confirmed=True, signed_on=signed, follow_up_on=signed + timedelta(days=30)))
    db.session.flush()
    return {"case_id": first.id}
