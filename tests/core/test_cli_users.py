"""`fengqiao user create` onboards the county's and the stations' people with a role and an
invitation link, and the links the CLI prints are full addresses under FENGQIAO_BASE_URL."""

import re

import pytest
from sqlalchemy import func, select

from app import config
from app.audit.models import AuditEvent
from app.extensions import db
from app.users import Membership, User, find_user
from tests.conftest import PG

LINK = re.compile(r"http://127\.0\.0\.1:5000(/auth/invite/\S+)")


def _cli(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def _counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(t))
                     for t in (User, Membership))


def test_county_it_and_leadership_are_created_from_the_cli(owner_app, app, demo, make_browser):
    it = _cli(app, "user", "create", "--username", "demo-it2", "--name", "周建明",
              "--county", "demo", "--role", "county_admin")
    assert it.exit_code == 0, it.output
    assert "用户 demo-it2 已创建：示范县公安局的县局信息管理员。" in it.output
    newcomer = make_browser()
    path = LINK.search(it.output).group(1)  # the full link, from the development default
    newcomer.post(path, {"password": "county-it-pass", "confirm": "county-it-pass"})
    assert newcomer.get("/", follow_redirects=True).request.path == "/county/demo/"
    assert newcomer.get("/county/demo/stations/new").status_code == 200

    # A password instead of a link; a role by the name the web shows (县局领导).
    lead = _cli(app, "user", "create", "--username", "demo-lead2", "--name", "吴文斌",
                "--county", "demo", "--role", "县局领导", "--password", "county-lead-pass")
    assert lead.exit_code == 0, lead.output
    assert "/auth/invite/" not in lead.output
    lead_browser = make_browser("demo-lead2", "county-lead-pass")
    assert lead_browser.get("/county/demo/dashboard").status_code == 200
    assert lead_browser.get("/county/demo/stations/new").status_code == 403
    with owner_app.app_context():  # the owner reads every chain
        rows = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "membership", AuditEvent.county_id == demo.county.id,
            AuditEvent.actor_name.startswith("cli:"))).all()
        assert len(rows) == 2 and {r.chain for r in rows} == {f"county:{demo.county.id}"}


def test_station_people_are_created_from_the_cli(app, demo):
    result = _cli(app, "user", "create", "--username", "dl-aux", "--name", "孙辅",
                  "--station", "dongling", "--role", "auxiliary")
    assert result.exit_code == 0, result.output
    assert "东岭派出所的辅警" in result.output and "/auth/invite/" in result.output
    # An account already working in the county is given the role, as the web does.
    again = _cli(app, "user", "create", "--username", "dongling-officer", "--name", "某",
                 "--station", "liuxi", "--role", "officer")
    assert again.exit_code == 0, again.output
    assert "已有账号 dongling-officer 现为柳溪派出所的民警。" in again.output
    assert "/auth/invite/" not in again.output
    with app.app_context():
        roles = {(m.station.slug, m.role) for m in find_user("dongling-officer").memberships}
        assert ("liuxi", "officer") in roles
        assert find_user("dl-aux").memberships[0].role == "auxiliary"


@pytest.mark.parametrize("args, expected", [
    (["--county", "demo", "--role", "officer"],
     "role: 请从以下选择一项：county_admin, county_viewer"),
    (["--station", "dongling", "--role", "county_admin"], "role: 请从以下选择一项：station_admin"),
    (["--county", "nowhere", "--role", "county_admin"], "county: 不存在简称为 nowhere 的县局"),
    (["--station", "nowhere", "--role", "officer"], "station: 不存在简称为 nowhere 的派出所"),
    (["--county", "demo"], "role: "),
    ([], "county: 请说明账号所属"),
    (["--county", "demo", "--station", "dongling", "--role", "officer"], "county: 请说明账号所属"),
    (["--platform-admin", "--county", "demo"], "platform_admin: 平台管理员不限于某县某所"),
    (["--county", "demo", "--role", "county_admin", "--password", "short"], "password: 请至少"),
])
def test_bad_options_are_clear_and_write_nothing(app, demo, args, expected):
    before = _counts(app)
    result = _cli(app, "user", "create", "--username", "new-person", "--name", "某", *args)
    assert result.exit_code == 2
    assert expected in result.output, result.output
    assert _counts(app) == before


@pytest.mark.parametrize("username, args, expected", [
    ("county-lead", ["--county", "demo", "--role", "county_admin"], "该账号已属于示范县公安局"),
    ("county-it", ["--county", "yi", "--role", "county_admin"], "该账号属于其他县或县局"),
    ("county-it", ["--station", "dongling", "--role", "officer"], "该账号属于其他县或县局"),
    ("dongling-admin", ["--county", "demo", "--role", "county_viewer", "--password",
                        "long-enough-1"], "dongling-admin 已存在：请去掉 --password"),
    ("Bad Name!", ["--county", "demo", "--role", "county_viewer"], "username: 3 至 64"),
])
def test_accounts_that_may_not_get_the_role_are_refused(app, demo, username, args, expected):
    assert _cli(app, "county", "create", "--name", "乙县公安局", "--slug", "yi").exit_code == 0
    before = _counts(app)
    result = _cli(app, "user", "create", "--username", username, "--name", "某", *args)
    assert result.exit_code == 2
    assert expected in result.output, result.output
    assert _counts(app) == before


def test_messages_follow_fengqiao_lang(app, demo, monkeypatch):
    monkeypatch.setenv("FENGQIAO_LANG", "en")
    result = _cli(app, "user", "create", "--username", "new-person", "--name", "某",
                  "--county", "demo", "--role", "officer")
    assert result.exit_code == 2
    assert "role: Choose one of: county_admin, county_viewer." in result.output


def test_a_platform_admin_is_still_asked_for_a_password(app, owner_app, demo, make_browser):
    refused = _cli(owner_app, "user", "create", "--username", "county-it", "--name", "管理员",
                   "--platform-admin")
    assert refused.exit_code == 2 and "该用户名已被占用" in refused.output  # before asking
    result = _cli(owner_app, "user", "create", "--username", "it-root", "--name", "管理员",
                  "--platform-admin", input="root-pass-123\nroot-pass-123\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert find_user("it-root").is_platform_admin
    assert make_browser("it-root", "root-pass-123").get("/county/demo/users").status_code == 200


@pytest.mark.postgres
@pytest.mark.skipif(not PG, reason="the database owner is PostgreSQL's")
def test_the_app_role_cannot_make_a_platform_admin_or_set_a_password(app, demo):
    made = _cli(app, "user", "create", "--username", "it-root", "--name", "管理员",
                "--platform-admin", input="root-pass-123\nroot-pass-123\n")
    assert made.exit_code == 2 and "数据库所有者" in made.output, made.output
    reset = _cli(app, "user", "set-password", "dongling-admin",
                 input="a-new-pass-123\na-new-pass-123\n")
    assert reset.exit_code == 2 and "数据库所有者" in reset.output, reset.output
    with app.app_context():
        assert find_user("it-root") is None


STATION = ["station", "create", "--county", "demo", "--name", "北坡派出所", "--slug", "beipo",
           "--admin-username", "beipo-admin", "--admin-name", "周北坡"]


def test_invitation_links_are_full_under_the_base_url(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://fq.county.internal/fengqiao")
    result = _cli(app, *STATION)
    assert result.exit_code == 0, result.output
    assert re.search(r"beipo-admin 的邀请链接：https://fq\.county\.internal/fengqiao/auth/"
                     r"invite/\S+$", result.output, re.M), result.output
    assert "FENGQIAO_BASE_URL" not in result.output


def test_without_a_base_url_the_path_is_printed_with_a_hint(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", None)  # production, not configured
    result = _cli(app, *STATION)
    assert result.exit_code == 0, result.output
    assert re.search(r"beipo-admin 的邀请链接：/auth/invite/\S+$", result.output, re.M)
    assert "请将 FENGQIAO_BASE_URL 设为" in result.output
    assert "http://" not in result.output  # no host made up


def test_the_base_url_setting(monkeypatch, tmp_path):
    monkeypatch.delenv("FENGQIAO_BASE_URL", raising=False)
    assert config.load(str(tmp_path), {"ENV": "development"})["BASE_URL"] == \
        "http://127.0.0.1:5000"  # where `make run` serves
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    assert config.load(str(tmp_path), {"ENV": "production"})["BASE_URL"] is None
    monkeypatch.setenv("FENGQIAO_BASE_URL", "https://fq.county.internal/")
    assert config.load(str(tmp_path), {"ENV": "production"})["BASE_URL"] == \
        "https://fq.county.internal"
    monkeypatch.setenv("FENGQIAO_BASE_URL", "fq.county.internal")
    with pytest.raises(config.ConfigError, match="FENGQIAO_BASE_URL"):
        config.load(str(tmp_path), {"ENV": "production"})
