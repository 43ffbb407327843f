"""The audit log: written with the change, masked, chained, verifiable, viewable."""

import pytest
from sqlalchemy import delete, func, select, text, update

from app.audit import verify
from app.audit.models import AuditEvent
from app.extensions import db
from app.station.notices import Notice
from app.users import User, find_user
from tenants.context import acting_for, station_context
from tenants.models import Station
from tests.conftest import owner_context


def _events(**where):
    """Audit rows as the database owner reads them (the app's role sees its context's)."""
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, key) == value)
    with owner_context():
        return db.session.scalars(stmt).all()


def test_a_change_and_its_record_commit_together(ctx, demo):
    station = db.session.get(Station, demo.station("dongling").id)
    before = len(_events())
    with station_context(station):
        db.session.add(Notice(title="rolled back"))
        db.session.flush()
        db.session.rollback()
    assert len(_events()) == before
    with station_context(station):
        notice = Notice(title="kept")
        db.session.add(notice)
        db.session.commit()
        notice_id = notice.id  # read back inside the station: outside it the row is hidden
    event = _events(object_type="station_notice", object_id=str(notice_id))[0]
    assert event.action == "create"
    assert event.station_id == station.id and event.chain == f"station:{station.id}"
    assert event.changes["title"] == [None, "kept"]


def test_updates_record_before_and_after(ctx, demo):
    station = db.session.get(Station, demo.station("dongling").id)
    with station_context(station):
        notice = db.session.scalars(select(Notice)).first()
        old = notice.title
        notice.title = "新标题"
        db.session.commit()
    event = _events(action="update", object_type="station_notice")[-1]
    assert event.changes == {"title": [old, "新标题"]}


def test_personal_data_and_secrets_are_never_stored_in_the_clear(ctx, demo):
    user = find_user("dongling-officer")
    with acting_for(user.id):  # their own account page
        user.phone = "13712345678"
        assert user.change_password("fengqiao-demo", "another-password")
        db.session.commit()
    raw = " ".join(str(e.changes) for e in _events())
    assert "13712345678" not in raw
    assert user.full_name not in raw
    assert "argon2" not in raw
    event = [e for e in _events(action="update", object_type="user_account")
             if "phone" in e.changes][-1]
    assert event.changes["phone"][1] == "137****5678"
    # That the password changed is in the log; the hash is nowhere in it.
    assert any("password_set_at" in e.changes
               for e in _events(action="update", object_type="user_account"))


def test_sign_in_and_sign_out_are_in_the_station_chain(make_browser, app, demo):
    b = make_browser("dongling-officer")
    b.post("/auth/sign-out")
    with app.app_context():
        actions = [e.action for e in _events(station_id=demo.station("dongling").id)]
    assert "auth.sign_in" in actions and "auth.sign_out" in actions


def test_verify_passes_on_an_untouched_log(owner_app, demo):
    with owner_app.app_context():  # the owner reads every chain
        result = verify(db.session.connection())
    assert result.ok, result.problems
    assert result.rows > 10 and result.chains >= 4


def _middle_event(station_id):
    events = _events(station_id=station_id)
    assert len(events) >= 3
    return events[len(events) // 2]


@pytest.mark.parametrize(
    "tamper", ["edit", "delete-middle", "delete-last", "edit-hash", "delete-whole-chain"]
)
def test_tampering_is_detected_and_named(app, owner_app, demo, tamper, owner_engine):
    with owner_app.app_context():
        station_id = demo.station("qingshi").id
        target = _middle_event(station_id)
        if tamper == "delete-last":
            target = _events(station_id=station_id)[-1]
        target_id, chain = target.id, target.chain
        # Straight to the database, as an attacker with the owner's rights would: the app's
        # own role may not change the log at all.
        with owner_engine.begin() as conn:
            if tamper == "edit":
                conn.execute(update(AuditEvent).where(AuditEvent.id == target_id)
                             .values(actor_name="someone-else"))
            elif tamper == "edit-hash":
                conn.execute(text("UPDATE audit_event SET action = 'create', hash = :h "
                                  "WHERE id = :id"), {"h": "f" * 64, "id": target_id})
            elif tamper == "delete-whole-chain":
                conn.execute(delete(AuditEvent).where(AuditEvent.chain == chain))
                conn.execute(text("DELETE FROM audit_chain WHERE key = :k"), {"k": chain})
            else:
                conn.execute(delete(AuditEvent).where(AuditEvent.id == target_id))
    with owner_app.app_context():
        with db.engine.connect() as conn:
            result = verify(conn)
        assert not result.ok
        problem = " ".join(result.problems)
        assert chain in problem
        if tamper == "edit":
            assert f"row id={target_id}" in problem
        # The CLI says the same and exits non-zero.
        outcome = owner_app.test_cli_runner().invoke(args=["audit", "verify"])
        assert outcome.exit_code == 1
        assert chain in outcome.output


def test_station_admin_reads_only_their_station_log(make_browser, demo):
    admin = make_browser("dongling-admin")
    html = admin.get("/s/dongling/audit").get_data(as_text=True)
    assert "dongling-admin" in html
    assert "qingshi-officer" not in html
    assert make_browser("dongling-officer").get("/s/dongling/audit").status_code == 403


def test_audit_filters(make_browser, demo):
    admin = make_browser("dongling-admin")
    make_browser("dongling-officer")
    html = admin.get("/s/dongling/audit?action=auth.sign_in&actor=officer").get_data(as_text=True)
    assert "dongling-officer" in html and "dongling-admin</td>" not in html
    bad = admin.get("/s/dongling/audit?date_from=2026-02-30")
    assert "YYYY-MM-DD" in bad.get_data(as_text=True)
    reversed_range = admin.get("/s/dongling/audit?date_from=2026-03-02&date_to=2026-03-01")
    assert "开始日期不能晚于结束日期" in reversed_range.get_data(as_text=True)
    empty = admin.get("/s/dongling/audit?date_to=2000-01-01").get_data(as_text=True)
    assert "没有符合条件的记录" in empty or "No events" in empty


def test_county_it_reads_the_county_log_with_station_filter(make_browser, demo):
    make_browser("qingshi-officer")
    make_browser("dongling-officer")
    county = make_browser("county-it")
    html = county.get("/county/demo/audit").get_data(as_text=True)
    assert "东岭派出所" in html  # the station filter lists the county's stations
    assert "qingshi-officer" in html and "dongling-officer" in html
    qingshi = demo.station("qingshi").id
    filtered = county.get(f"/county/demo/audit?station={qingshi}").get_data(as_text=True)
    assert "qingshi-officer" in filtered and "dongling-officer" not in filtered
    assert make_browser("county-lead").get("/county/demo/audit").status_code == 403


def test_user_count_unchanged_by_audit(ctx, demo):
    # The audit capture never writes model rows of its own.
    assert db.session.scalar(select(func.count()).select_from(User)) == 12
