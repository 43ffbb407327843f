"""Demo cases on every rung: settled at the first level, agreed at the second with its
follow-up due, one still being mediated and long stuck, a decade-old grudge settled, and
a shared spring whose first agreement did not hold (seed 001: mediated again, a second
agreement held); then the station's own history of the last three months (a busier
station mediates more). Each station has its own parties: made-up names, phones and ID
numbers (valid-looking, check digit included), drawn from the station's own random source,
so no two stations share a party."""

from datetime import date, datetime, time, timedelta

from app.plugin_api import (
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
    villages,
)

from .ladder import Ladder
from .models import IN_CHARGE, Agreement, Attempt, Case, Event, Party

CASES = [
    # title, kind, village, source, days ago opened, began years ago, level, outcome
    ("两户宅基地边界争议", "土地边界", "朱砂屯村", "walk_in", 50, 12, 2, "agreement"),
    ("灌溉用水先后顺序纠纷", "用水纠纷", "石龙村", "call", 20, None, 1, "settled"),
    ("借款三万元未还", "债务纠纷", "河坝村", "referral", 40, 2, 3, None),
    ("邻居装修噪音扰民", "邻里纠纷", "朱砂屯村", "patrol", 3, None, 1, None),
]

# Made-up people: a surname and a given name drawn apart, never a real person's pair.
SURNAMES = ("张李王赵陈刘杨周吴黄孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁"
            "邓许沈彭苏蒋蔡魏叶余潘杜钟汪田姜范石姚谭廖熊")
GIVEN = ["国强", "春兰", "志明", "海涛", "建华", "秀英", "文军", "丽华", "德旺", "桂芝", "长林",
         "玉珍", "永福", "红梅", "家富", "淑芬", "明亮", "小燕", "大勇", "翠花", "光荣", "素琴",
         "宏伟", "金凤", "树林", "会英", "正清", "满仓", "兰芳", "德才"]
# The county's area codes at the head of an ID number (the county of the seeds, 汉中).
AREAS = ("610721", "610722", "610723", "610725", "610726", "610727")
VILLAGES = ["朱砂屯村", "石龙村", "河坝村", "大坪村", "青龙村", "石门村", "河口村", "骆家咀村"]
# What the history's disputes are about, by kind.
HISTORY = {
    "邻里纠纷": ["院坝排水流向邻家", "邻居养狗扰民", "堆放柴草占用通道", "红白喜事占道搭棚"],
    "土地边界": ["承包地界桩被移动", "自留山林权边界不清", "宅基地滴水争议"],
    "用水纠纷": ["水渠放水先后", "共用水井维修费用分摊", "上游筑坝截水"],
    "婚姻家庭": ["赡养老人费用分担", "分家析产不均", "离婚后子女探视"],
    "债务纠纷": ["务工工资拖欠", "合伙养殖欠款", "购买农资赊账未还"],
    "损害赔偿": ["耕牛踩坏庄稼", "放火烧荒殃及邻家果树", "农用车刮伤行人"],
}
ORGANISATIONS = ["县宏发建材有限公司", "{village}股份经济合作社", "县顺达劳务有限公司"]
MEDIATORS = ("百户长 {s}大伯", "治保主任 {s}主任", "社区民警", "综治办专班")
NOTES = ("分别听取双方意见，讲明法律规定。", "到现场查看，摆事实讲道理。", "请村两委成员一同参与，"
         "双方各让一步。", "请律师讲解法律后果，双方态度缓和。")
# The timeline's words for an outcome (the data is in Chinese, as a station writes it).
OUTCOME_WORDS = {"agreement": "达成协议", "settled": "调解化解（未签协议）", "withdrawn": "撤回",
                 "court": "移送法院", "criminal": "转为刑事案件"}
NARRATIVE = "双方因此事多次发生口角，村调解员上报派出所。"


class People:
    """Parties of one station's demo: names not repeated, phones and ID numbers that pass
    the forms' checks, all from the station's own random source."""

    def __init__(self, rng):
        self.rng, self.used = rng, set()

    def name(self, surname: str | None = None) -> str:
        for _ in range(200):
            name = (surname or self.rng.choice(SURNAMES)) + self.rng.choice(GIVEN)
            if name not in self.used:
                break
        self.used.add(name)
        return name

    def phone(self) -> str:
        rng = self.rng
        return f"1{rng.choice('35789')}{rng.randint(0, 9)}{rng.randint(0, 10**8 - 1):08d}"

    def id_number(self) -> str:
        born = date(1950, 1, 1) + timedelta(days=self.rng.randint(0, 365 * 52))
        body = f"{self.rng.choice(AREAS)}{born:%Y%m%d}{self.rng.randint(1, 999):03d}"
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
        return body + "10X98765432"[total % 11]  # the check digit (GB 11643)

    def credit_code(self) -> str:  # 统一社会信用代码: 91 + area + 10 characters
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        return "91" + self.rng.choice(AREAS) + "".join(self.rng.choice(alphabet)
                                                         for _ in range(10))

    def party(self, case_id: int, surname: str | None = None) -> Party:
        return Party(case_id=case_id, name=self.name(surname), phone=self.phone(),
                     id_number=self.id_number())


class Ground:
    """The station's villages by name (its first when the name is missing) and the
    community forces who mediate at the ladder's lower rungs."""

    RUNGS = {1: "household_head", 2: "security_director"}
    TITLES = {"household_head": "百户长", "security_director": "治保主任"}

    def __init__(self, station: Station):
        self.ids = demo_ground(station)
        self.first = villages()[0].id
        self.forces = {kind: forces(kind) for kind in self.RUNGS.values()}

    def village(self, name: str) -> int:
        return self.ids.get(name) or self.first

    def mediator(self, rung: int, village_id: int):
        """The force who mediates at ``rung`` (of the case's village when there is one),
        or None above the rungs they mediate at."""
        kind = self.RUNGS.get(rung)
        found = self.forces.get(kind) or []
        if not found:
            return None
        return next((f for f in found if f.village_id == village_id), found[0])


def _at(day: date, hour: int = 1) -> datetime:
    return datetime.combine(day, time(hour, 30))  # 09:30 in Beijing, stored as naive UTC


def demo_data(station: Station) -> dict[str, int]:
    rng = demo_random(station)
    people = People(rng)
    # In charge of the stories: an officer or the admin (never an auxiliary).
    in_charge = [uid for uid, _name in members(station, roles=IN_CHARGE)] or [None]
    officer = in_charge[0]
    today = local_today()
    ground = Ground(station)
    for i, (title, kind, village, source, ago, years, level, outcome) in enumerate(CASES):
        opened = today - timedelta(days=ago)
        village_id = ground.village(village)
        case = Case(
            title=title, kind=kind, village_id=village_id, source=source, opened_on=opened,
            dispute_began_on=date(opened.year - years, 3, 1) if years else None,
            narrative=NARRATIVE, officer_id=officer,
            level=level, level_since=opened + timedelta(days=7 * (level - 1)),
            status="closed" if outcome else "open", outcome=outcome,
            closed_on=opened + timedelta(days=10 * level) if outcome else None,
        )
        db.session.add(case)
        db.session.flush()
        db.session.add_all([people.party(case.id), people.party(case.id)])
        db.session.add(Event(case_id=case.id, action="opened", level=1, author_id=officer))
        for rung in range(1, level + 1):
            # The household head and the security director of the village, by name.
            force = ground.mediator(rung, village_id)
            db.session.add(Attempt(
                case_id=case.id, level=rung, held_on=opened + timedelta(days=7 * (rung - 1)),
                mediator=f"{Ground.TITLES[force.kind]} {force.name}" if force else
                ("百户长 王大伯", "治保主任 李主任", "社区民警")[min(rung, 3) - 1],
                mediator_force_id=force.id if force else None,
                method="video" if i == 2 and rung == 3 else "in_person",
                meeting_link="https://meet.example.invalid/room/1" if i == 2 and rung == 3
                else None,
                mediation_type="people", notes="听取双方意见，讲明法律规定。",
                created_by=officer))
        if outcome == "agreement":
            signed = case.closed_on
            db.session.add(Agreement(
                case_id=case.id, level=level,
                terms="一、以村委会2010年测绘图为准重新确定边界；\n"
                      "二、双方各自拆除越界部分，互不追究。",
                confirmed=True, signed_on=signed, follow_up_on=signed + timedelta(days=30)))
    db.session.flush()
    ids = _spring(people, officer, today, ground)
    _history(station, rng, people, in_charge, today, ground)
    db.session.flush()
    return ids


def _spring(people: People, officer, today, ground: Ground) -> dict[str, int]:
    """Three households on one spring (seed 001, 大洞村): a basin was agreed, the visit
    found the lower houses still dry, the case went to the police office and a second
    agreement (the upper outlet raised) held. The upper household's name is the
    station's own."""
    opened = today - timedelta(days=90)

    def on(days):
        return opened + timedelta(days=days)

    upper = people.rng.choice(SURNAMES)  # the household upstream
    case = Case(
        title="三户共用山泉水纠纷", kind="用水纠纷", village_id=ground.village("大坪村"),
        source="call",
        opened_on=opened, narrative=f"三户共用一处山泉水，上游{upper}家养猪后用水大增，下游两户"
        "缺水，双方在水源处争执，险些动手。", officer_id=officer, level=3,
        level_since=on(38), status="closed", outcome="agreement", closed_on=on(42))
    db.session.add(case)
    db.session.flush()
    db.session.add_all([people.party(case.id, upper), people.party(case.id),
                        people.party(case.id)])
    steps = []  # (day, action, level, detail): the case's timeline

    def attempt(day, level, mediator, notes):
        db.session.add(Attempt(case_id=case.id, level=level, held_on=on(day), mediator=mediator,
                               method="in_person", mediation_type="people", notes=notes,
                               created_by=officer))
        steps.append((day, "attempt", level, f"{mediator}：{notes}"))

    steps.append((0, "opened", 1, None))
    attempt(1, 1, "百户长 钱大叔", f"分别听取三户意见，{upper}家不同意限制用水")
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
    attempt(40, 3, "社区民警", f"与村两委再次到{upper}家院落议事，提出抬高{upper}家出水口")
    second = Agreement(case_id=case.id, level=3, confirmed=True, signed_on=on(42),
                       terms=f"一、将{upper}家水管出水口抬高50厘米，保证下游两户用水；\n"
                             "二、旱季由村民小组长监督，三户轮流蓄水。",
                       follow_up_on=on(72), followed_up_on=on(72), holds=True,
                       follow_up_notes="下游两户用水正常，三户和睦")
    steps.append((42, "closed", 3, "达成协议：抬高上游出水口"))
    steps.append((72, "follow_up", 3, "协议仍在履行：下游两户用水正常"))
    db.session.add_all([first, second])
    for day, action, level, detail in sorted(steps, key=lambda s: s[0]):
        db.session.add(Event(case_id=case.id, action=action, level=level, detail=detail,
                             author_id=officer, created_at=_at(on(day))))
    db.session.flush()
    return {"case_id": case.id, "agreement_id": first.id}


def _history(station: Station, rng, people: People, in_charge, today,
             ground: Ground) -> None:
    """Cases of the last three months, as many as the station is busy: most settled at the
    first rungs within days, some carried up the ladder, a few withdrawn, sent to court or
    (rarely) turned criminal, some still being mediated; agreements followed up a month
    later, most kept."""
    ladder = Ladder(settings("mediation"))
    top = len(ladder)
    span = demo_days(station)
    for _n in range(round(26 * demo_scale(station) * span / 95)):
        kind = rng.choice(list(HISTORY))
        village = rng.choice(VILLAGES)
        opened = today - timedelta(days=rng.randint(5, span))
        officer = rng.choice(in_charge)
        final = min(top, rng.choices((1, 2, 3, 4), weights=(55, 25, 15, 5))[0])
        outcome = rng.choices(
            ("agreement", "settled", "withdrawn", "court", "criminal", None),
            weights=(38, 30, 8, 7, 3, 14))[0]
        # Days at each rung up to the last one; a case still open stays at its last rung.
        stays = [rng.randint(2, 9) for _ in range(final)]
        since = opened + timedelta(days=sum(stays[:-1]))
        closed_on = opened + timedelta(days=sum(stays))
        if closed_on >= today or since >= today:
            outcome = None
        if outcome is None:
            since = min(since, today - timedelta(days=1))
        began = None
        if rng.random() < 0.15:  # 十年以上积怨
            began = date(opened.year - rng.randint(10, 25), rng.randint(1, 12), 1)
        elif rng.random() < 0.35:
            began = opened - timedelta(days=rng.randint(30, 3 * 365))
        case = Case(
            title=rng.choice(HISTORY[kind]), kind=kind, village_id=ground.village(village),
            source=rng.choice(("call", "walk_in", "walk_in", "patrol", "referral")),
            opened_on=opened, dispute_began_on=began, narrative=NARRATIVE,
            officer_id=officer, level=final, level_since=since,
            status="closed" if outcome else "open", outcome=outcome,
            closed_on=closed_on if outcome else None, created_by=officer,
            created_at=_at(opened))
        db.session.add(case)
        db.session.flush()
        if kind in ("债务纠纷", "损害赔偿") and rng.random() < 0.3:
            db.session.add(Party(case_id=case.id, kind="organisation",
                                 name=rng.choice(ORGANISATIONS).format(village=village),
                                 phone=people.phone(), id_number=people.credit_code()))
        else:
            db.session.add(people.party(case.id))
        db.session.add(people.party(case.id))
        steps = [(opened, "opened", 1, None)]
        day = opened
        for rung in range(1, final + 1):
            held = min(day + timedelta(days=rng.randint(0, 2)), today)
            mediator = MEDIATORS[min(rung, len(MEDIATORS)) - 1].format(
                s=rng.choice(SURNAMES))
            video = rung >= 3 and rng.random() < 0.3
            notes = rng.choice(NOTES)
            db.session.add(Attempt(
                case_id=case.id, level=rung, held_on=held, mediator=mediator,
                method="video" if video else "in_person",
                meeting_link=f"https://meet.example.invalid/room/{case.id}" if video else None,
                mediation_type=rng.choice(("people", "people", "administrative", "judicial"))
                if rung >= 3 else "people",
                notes=notes, created_by=officer, created_at=_at(held, 3)))
            steps.append((held, "attempt", rung, f"{mediator}：{notes}"))
            day += timedelta(days=stays[rung - 1])
            if rung < final:
                steps.append((min(day, today), "escalated", rung + 1,
                              f"由{ladder.name(rung)}升至{ladder.name(rung + 1)}：本级调解未成"))
        if outcome:
            steps.append((closed_on, "closed", final, f"{OUTCOME_WORDS[outcome]}：双方认可"))
        if outcome == "agreement":
            due = closed_on + timedelta(days=30)
            agreement = Agreement(case_id=case.id, level=final, confirmed=True,
                                  signed_on=closed_on, follow_up_on=due,
                                  terms="一、双方按村规民约各自让步；\n二、今后互不追究。")
            if due < today and rng.random() < 0.85:  # a few visits are still overdue
                agreement.followed_up_on = min(due + timedelta(days=rng.randint(0, 5)), today)
                agreement.holds = rng.random() < 0.9
                agreement.follow_up_notes = ("协议仍在履行，双方和睦" if agreement.holds
                                             else "一方未按约定履行，矛盾再起")
                steps.append((agreement.followed_up_on, "follow_up", final,
                              "协议仍在履行" if agreement.holds else "协议未能履行"))
            db.session.add(agreement)
        for when, action, level, detail in steps:
            db.session.add(Event(case_id=case.id, action=action, level=level, detail=detail,
                                 author_id=officer, created_at=_at(when)))
