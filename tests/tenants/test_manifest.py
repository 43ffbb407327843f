"""`fengqiao tenants apply county.yaml`: idempotent, a dry run writes nothing, and an
invalid manifest reports every problem with its place and applies nothing."""

from pathlib import Path

import yaml
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.modules import StationPlugin
from app.users import Membership, find_user
from tenants.context import county_context
from tenants.models import County, Station
from tests.conftest import owner_context

EXAMPLE = str(Path(__file__).resolve().parents[2] / "tenants" / "examples" / "county.yaml")


def _apply(app, path, *flags):
    return app.test_cli_runner().invoke(args=["tenants", "apply", *flags, str(path)])


def _counts(app):
    with owner_context():  # the owner reads every chain
        return tuple(db.session.scalar(select(func.count()).select_from(t))
                     for t in (County, Station, Membership, AuditEvent))


def test_example_applies_once_and_then_changes_nothing(app):
    dry = _apply(app, EXAMPLE, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "+ station shiqiao 石桥派出所" in dry.output and "试运行" in dry.output
    assert "+ county user qingshan/qs-it county_admin" in dry.output
    assert "/auth/invite/" not in dry.output
    assert _counts(app) == (0, 0, 0, 0)

    first = _apply(app, EXAMPLE)
    assert first.exit_code == 0, first.output
    assert "+ module qingshan-zhen/courtyard" in first.output
    # One full link per new account: two of the county's people, four station admins.
    assert first.output.count("http://127.0.0.1:5000/auth/invite/") == 6
    after_first = _counts(app)
    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == "qingshan"))
        with county_context(county):
            modules = {(r.tenant_id, r.plugin): r.settings
                       for r in db.session.scalars(select(StationPlugin))}
        assert len(county.stations) == 3
        zhen = next(s for s in county.stations if s.slug == "qingshan-zhen")
        assert modules[(zhen.id, "courtyard")]["due_days"] == 10
        assert find_user("sq-deputy").memberships[0].role == "station_admin"
        for username, role in (("qs-it", "county_admin"), ("qs-lead", "county_viewer")):
            (membership,) = find_user(username).memberships
            assert (membership.county_id, membership.role) == (county.id, role)

    second = _apply(app, EXAMPLE)
    assert second.exit_code == 0, second.output
    assert "无需更改" in second.output
    assert _counts(app) == after_first  # not even an audit row


def test_changes_are_applied_as_a_difference(app, tmp_path):
    _apply(app, EXAMPLE)
    doc = yaml.safe_load(Path(EXAMPLE).read_text(encoding="utf-8"))
    doc["stations"][0]["name"] = "青山镇中心派出所"
    doc["stations"][0]["modules"] = []  # switched off, records kept
    doc["stations"][2]["modules"] = {"courtyard": {"due_days": 5}}
    path = tmp_path / "county.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    result = _apply(app, path)
    assert result.exit_code == 0, result.output
    lines = set(result.output.splitlines())
    assert "~ station qingshan-zhen name: 青山镇派出所 -> 青山镇中心派出所" in lines
    assert "- module qingshan-zhen/courtyard （已停用，记录保留）" in lines
    assert "+ module baishui/courtyard" in lines
    with app.app_context():
        county = db.session.scalar(select(County).where(County.slug == "qingshan"))
        with county_context(county):
            rows = db.session.scalars(select(StationPlugin)).all()
        assert len(rows) == 3 and sum(r.enabled for r in rows) == 2


def test_an_invalid_manifest_reports_every_problem_and_applies_nothing(app, demo, tmp_path):
    before = _counts(app)
    path = tmp_path / "bad.yaml"
    path.write_text("""
county: {slug: qingshan, name: 青山县公安局}
colour: blue
stations:
  - slug: good-one
    name: 好派出所
    modules: [courtyard]
    admins: [{username: good-admin, full_name: 好人}]
  - slug: Bad Slug
    name: 坏派出所
    admins: [{username: a, full_name: 某人, phone: "12"}]
  - slug: dongling
    name: 东岭
    modules: {courtyard: {due_days: 0, colour: red}, nothing: {}}
    admins: [{username: x-admin, full_name: 某人}]
  - slug: no-admin
    name: 没有管理员
  - slug: good-one
    name: 重复
    admins: [{username: county-it, full_name: 县局}]
    extra: 1
""", encoding="utf-8")
    result = _apply(app, path)
    assert result.exit_code == 2
    out = result.output
    for expected in (
        "colour: 未知的键",
        "stations[1] (Bad Slug).slug:",
        "stations[1] (Bad Slug).admins[0].username:",
        "stations[1] (Bad Slug).admins[0].phone:",
        "stations[2] (dongling).modules.courtyard.due_days: 请输入 1 至 365 之间的天数",
        "stations[2] (dongling).modules.courtyard.colour: 未知的键",
        "stations[2] (dongling).modules.nothing: 没有安装该模块",
        "stations[2] (dongling).slug: 该简称已被其他县局的派出所使用",
        "stations[3] (no-admin).admins: 新派出所至少需要一名所管理员",
        "stations[4] (good-one).extra: 未知的键",
    ):
        assert expected in out, f"{expected!r} not in:\n{out}"
    assert "未做任何更改" in out
    assert _counts(app) == before  # the good station was not created either


def test_broken_yaml_and_missing_file_are_clear(app, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("county: {slug: x\nstations: [", encoding="utf-8")
    result = _apply(app, path)
    assert result.exit_code == 2 and "broken.yaml:" in result.output and "YAML" in result.output
    result = _apply(app, tmp_path / "missing.yaml")
    assert result.exit_code == 2 and "missing.yaml" in result.output


def test_odd_shapes_are_located_problems_not_tracebacks(app, tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text("""
county: {slug: oddland, name: 奇县}
stations:
  - {slug: a1, name: 甲, modules: 5, admins: [{username: a1-admin, full_name: 甲}]}
  - {slug: a2, name: 乙, modules: courtyard, admins: [{username: a2-admin, full_name: 乙}]}
  - {slug: a3, name: 丙, modules: [{courtyard: {due_days: 3}}],
     admins: [{username: a3-x, full_name: 丙}]}
  - {slug: a4, name: 丁, modules: {courtyard: [a, b]}, admins: [{username: a4-x, full_name: 丁}]}
  - {slug: a5, name: 戊, modules: {courtyard: {categories: [null]}},
     admins: [{username: a5-x, full_name: 戊}]}
  - {slug: a6, name: 己, admins: [a6-admin]}
  - {slug: a7, name: 庚, admins: a7-admin}
  - just-a-string
""", encoding="utf-8")
    result = _apply(app, path)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = result.output
    for place in ("stations[0] (a1).modules:", "stations[1] (a2).modules:",
                  "stations[2] (a3).modules:", "stations[3] (a4).modules.courtyard:",
                  "stations[4] (a5).modules.courtyard.categories:",
                  "stations[5] (a6).admins", "stations[6] (a7).admins:", "stations[7]:"):
        assert place in out, f"{place!r} not in:\n{out}"
    assert "Invalid" not in out and "Not a valid" not in out  # every message in Chinese
    assert out.count("stations[4] (a5)") == 1  # each problem once
    assert _counts(app) == (0, 0, 0, 0)


def test_the_countys_people_get_their_role_as_a_difference(app, tmp_path):
    _apply(app, EXAMPLE)
    with app.app_context():
        membership = find_user("qs-it").memberships[0]
        with county_context(membership.county):  # deactivated on the web meanwhile
            membership.active = False
            db.session.commit()
    doc = yaml.safe_load(Path(EXAMPLE).read_text(encoding="utf-8"))
    doc["county"]["users"][1]["role"] = "county_admin"
    doc["county"]["users"] += [
        {"username": "qs-new", "full_name": "郑新", "role": "County leadership"},
    ]
    path = tmp_path / "county.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    changes = ("~ county user qingshan/qs-it active: no -> yes",
               "~ county user qingshan/qs-lead role: county_viewer -> county_admin",
               "+ county user qingshan/qs-new county_viewer")
    before = _counts(app)
    dry = _apply(app, path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert set(changes) <= set(dry.output.splitlines()) and "/auth/invite/" not in dry.output
    assert _counts(app) == before
    result = _apply(app, path)
    assert result.exit_code == 0, result.output
    assert set(changes) <= set(result.output.splitlines()), result.output
    assert result.output.count("/auth/invite/") == 1  # only the new account gets a link
    with app.app_context():
        roles = {m.user.username: (m.role, m.active) for m in db.session.scalars(
            select(Membership).where(Membership.county_id.is_not(None)))}
    assert roles == {"qs-it": ("county_admin", True), "qs-lead": ("county_admin", True),
                     "qs-new": ("county_viewer", True)}
    before = _counts(app)
    again = _apply(app, path)
    assert again.exit_code == 0 and "无需更改" in again.output, again.output
    assert _counts(app) == before


def test_bad_county_people_are_each_located_and_nothing_is_applied(app, demo, tmp_path):
    before = _counts(app)
    path = tmp_path / "bad.yaml"
    path.write_text("""
county:
  slug: qingshan
  name: 青山县公安局
  users:
    - {username: qs-it, full_name: 周建明, role: county_admin}
    - {username: qs-lead, full_name: 吴文斌, role: officer}
    - {username: Bad Name, full_name: 某人, role: county_viewer, phone: "12"}
    - {username: qs-it, full_name: 又一个, role: county_viewer}
    - {username: county-it, full_name: 县局, role: county_admin}
    - {username: x-lead, full_name: 某人, role: county_viewer, colour: red}
    - {username: y-lead, full_name: 某人}
    - just-a-name
stations:
  - slug: good-one
    name: 好派出所
    admins: [{username: qs-it, full_name: 周建明}]
""", encoding="utf-8")
    result = _apply(app, path)
    assert result.exit_code == 2
    out = result.output
    for expected in (
        "county.users[1].role: 应为 county_admin（县局信息管理员）或 county_viewer（县局领导）",
        "county.users[2].username:",
        "county.users[2].phone:",
        "county.users[3].username: 与 county.users[0] 的用户名重复",
        "county.users[4].username: 该账号属于其他县或县局",  # the demo county's IT
        "county.users[5].colour: 未知的键",
        "county.users[6].role: ",
        "county.users[7]: 每个人员应是一个映射",
        # An account of the county bureau cannot also be a station's admin.
        "stations[0] (good-one).admins[0].username: 该账号属于其他县或县局",
    ):
        assert expected in out, f"{expected!r} not in:\n{out}"
    assert "未做任何更改" in out and "/auth/invite/" not in out
    assert _counts(app) == before
    path.write_text("county: {slug: qingshan, name: 青山县公安局, users: qs-it}\nstations: []\n",
                    encoding="utf-8")
    result = _apply(app, path)
    assert result.exit_code == 2 and "county.users: 需要填写人员列表" in result.output


def _villages_of(app, slug):
    from app.ground.models import Village
    from tests.conftest import within_station

    return within_station(app, slug, lambda: {
        v.name: (v.kind, v.zone, v.households, v.registered_population,
                 v.resident_population, v.note, v.position)
        for v in db.session.scalars(select(Village))})


def test_villages_are_created_then_updated_by_name_and_never_removed(app, tmp_path):
    dry = _apply(app, EXAMPLE, "--dry-run")
    assert "+ village qingshan-zhen/青山村" in dry.output
    first = _apply(app, EXAMPLE)
    assert first.exit_code == 0, first.output
    assert "+ village qingshan-zhen/青山社区" in first.output
    villages = _villages_of(app, "qingshan-zhen")
    assert villages["青山村"] == ("village", "青山警务室", 356, 1302, 1104, None, 0)
    assert villages["柳林村"][0] == "village" and villages["青山社区"][0] == "community"
    assert _villages_of(app, "shiqiao") == {}  # only the station that lists them

    doc = yaml.safe_load(Path(EXAMPLE).read_text(encoding="utf-8"))
    doc["stations"][0]["villages"] = [
        {"name": "青山村", "households": 360, "note": None},   # the rest left as they are
        {"name": "柳林村", "note": None},                      # a note emptied
        {"name": "松坪村", "kind": "Village", "resident_population": 410},
    ]  # 青山社区 is not listed: it stays
    path = tmp_path / "county.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    result = _apply(app, path)
    assert result.exit_code == 0, result.output
    lines = set(result.output.splitlines())
    assert "~ village qingshan-zhen/青山村 households: 356 -> 360" in lines, result.output
    assert "~ village qingshan-zhen/柳林村 note: 2023 年由柳林、松坪两村合并 -> —" in lines
    assert "+ village qingshan-zhen/松坪村" in lines
    villages = _villages_of(app, "qingshan-zhen")
    assert villages["青山村"] == ("village", "青山警务室", 360, 1302, 1104, None, 0)
    assert villages["柳林村"][5] is None and "青山社区" in villages
    assert villages["松坪村"][0] == "village" and villages["松坪村"][6] == 3  # after the rest
    with owner_context():
        creates = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_type == "ground_village"))
    assert creates == 3 + 3  # three created, two updated, one more created
    again = _apply(app, path)
    assert again.exit_code == 0 and "无需更改" in again.output, again.output


def test_bad_villages_are_each_located_and_nothing_is_applied(app, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("""
county: {slug: qingshan, name: 青山县公安局}
stations:
  - slug: qingshan-zhen
    name: 青山镇派出所
    admins: [{username: qsz-admin, full_name: 赵春华}]
    villages:
      - {name: 青山村, households: 356}
      - {name: 柳林村, kind: 镇, households: 很多}
      - {name: 青山村}
      - {households: 10}
      - {name: 松坪村, colour: red, resident_population: -1}
      - just-a-name
  - slug: shiqiao
    name: 石桥派出所
    admins: [{username: sq-admin, full_name: 钱海峰}]
    villages: 青山村
""", encoding="utf-8")
    result = _apply(app, path)
    assert result.exit_code == 2, result.output
    out = result.output
    for expected in (
        "stations[0] (qingshan-zhen).villages[1] (柳林村).kind: 请填写以下之一：村、社区。",
        "stations[0] (qingshan-zhen).villages[1] (柳林村).households: 请输入整数。",
        "stations[0] (qingshan-zhen).villages[2] (青山村).name: 与 villages[0] 的名称重复",
        "stations[0] (qingshan-zhen).villages[3].name: 此项为必填项。",
        "stations[0] (qingshan-zhen).villages[4] (松坪村).colour: 未知的键",
        "stations[0] (qingshan-zhen).villages[4] (松坪村).resident_population:",
        "stations[0] (qingshan-zhen).villages[5]: 每个村（社区）应是一个映射",
        "stations[1] (shiqiao).villages: 需要填写村（社区）列表",
    ):
        assert expected in out, f"{expected!r} not in:\n{out}"
    assert "未做任何更改" in out
    assert _counts(app) == (0, 0, 0, 0)


def test_a_village_the_station_renamed_is_not_created_again(app, tmp_path):
    from app.ground.models import Village, VillageName
    from tests.conftest import within_station

    assert _apply(app, EXAMPLE).exit_code == 0

    def rename():  # on the station's ground page, after the county's file was written
        village = db.session.scalar(select(Village).where(Village.name == "柳林村"))
        db.session.add(VillageName(village_id=village.id, name=village.name))
        village.name = "柳林社区"
        db.session.commit()

    within_station(app, "qingshan-zhen", rename)
    before, villages = _counts(app), _villages_of(app, "qingshan-zhen")
    result = _apply(app, EXAMPLE)
    assert result.exit_code == 2, result.output
    assert ("stations[0] (qingshan-zhen).villages[1] (柳林村).name: "
            "该村（社区）现名“柳林社区”，请填写现名。") in result.output, result.output
    assert "未做任何更改" in result.output
    assert _counts(app) == before and _villages_of(app, "qingshan-zhen") == villages
