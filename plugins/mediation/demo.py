"""Demo cases on every rung: settled at the first level, agreed at the second with its
follow-up due, one still being mediated and long stuck, a decade-old grudge settled, and
a shared spring whose first agreement did not hold (seed 001: mediated again, a second
agreement held). Made-up names, numbers and ID numbers."""

from datetime import date, datetime, time, timedelta

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
    return _spring(officer, today)


def _spring(officer, today) -> dict[str, int]:
    """Three households on one spring (seed 001, 大洞村): a basin was agreed, the visit
    found the lower houses still dry, the case went to the police office and a second
    agreement (the upper outlet raised) held."""
    opened = today - timedelta(days=90)

    def on(days):
        return opened + timedelta(days=days)

    case = Case(
        title="三户共用山泉水纠纷", kind="用水纠纷", village="大坪村", source="call",
        opened_on=opened, narrative="三户共用一处山泉水，上游孙家养猪后用水大增，下游两户"
        "缺水，双方在水源处争执，险些动手。", officer_id=officer, level=3,
        level_since=on(38), status="closed", outcome="agreement", closed_on=on(42))
    db.session.add(case)
    db.session.flush()
    for j, name in enumerate(("孙德旺", "冯桂芝", "何长林")):
        db.session.add(Party(case_id=case.id, name=name, phone=f"1390000{j}{j}90"[:11],
                             id_number=f"42280219650{j + 1}0{j + 1}213{j}"))
    steps = []  # (day, action, level, detail): the case's timeline

    def attempt(day, level, mediator, notes):
        db.session.add(Attempt(case_id=case.id, level=level, held_on=on(day), mediator=mediator,
                               method="in_person", mediation_type="people", notes=notes,
                               created_by=officer))
        steps.append((day, "attempt", level, f"{mediator}：{notes}"))

    steps.append((0, "opened", 1, None))
    attempt(1, 1, "百户长 钱大叔", "分别听取三户意见，孙家不同意限制用水")
    steps.append((5, "escalated", 2, "由百户长初调升至治保主任复调：百户长调解未成"))
    attempt(7, 2, "治保主任 郑主任", "到水源地勘察，商定修建蓄水池，三户从池下出水口接管")
    first = Agreement(case_id=case.id, level=2, confirmed=True, signed_on=on(7),
                      terms="一、在山泉出水处修建蓄水池，三户分别从池下出水口接入水管；\n"
                            "二、修池费用三户均摊。",
                      follow_up_on=on(37), followed_up_on=on(37), holds=False,
                      follow_up_notes="水池建好后下游两户用水仍无保障，矛盾再起")
    steps.append((7, "closed", 2, "达成协议：双方同意修建蓄水池"))
    steps.append((37, "follow_up", 2, "协议未能履行：水池建好后下游两户用水仍无保障"))
    steps.append((38, "reopened", 3, f"在警务室联调重新调解，{on(7).isoformat()} 的协议未能"
                                     "履行：下游两户仍然缺水"))
    attempt(40, 3, "社区民警", "与村两委再次到孙家院落议事，提出抬高孙家出水口")
    second = Agreement(case_id=case.id, level=3, confirmed=True, signed_on=on(42),
                       terms="一、将孙家水管出水口抬高50厘米，保证下游两户用水；\n"
                             "二、旱季由村民小组长监督，三户轮流蓄水。",
                       follow_up_on=on(72), followed_up_on=on(72), holds=True,
                       follow_up_notes="下游两户用水正常，三户和睦")
    steps.append((42, "closed", 3, "达成协议：抬高上游出水口"))
    steps.append((72, "follow_up", 3, "协议仍在履行：下游两户用水正常"))
    db.session.add_all([first, second])
    for day, action, level, detail in sorted(steps, key=lambda s: s[0]):
        db.session.add(Event(case_id=case.id, action=action, level=level, detail=detail,
                             author_id=officer,
                             created_at=datetime.combine(on(day), time(1, 30))))  # 09:30
    db.session.flush()
    return {"case_id": case.id, "agreement_id": first.id}
