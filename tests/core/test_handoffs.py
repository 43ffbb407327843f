"""An item is handed to the same target once: a second tap, a page left open in another tab
and two taps at the same moment all end at the first case, and the database itself refuses
a second link."""

import re
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import handoffs
from app.extensions import db
from app.handoffs import ModuleHandoff
from tests.conftest import within_station


def _open_concern(app):
    from plugins.courtyard.models import Concern

    return within_station(app, "dongling", lambda: db.session.scalars(
        select(Concern.id).where(Concern.status == "open").order_by(Concern.id)).first())


def _village_of(concern_id):
    from plugins.courtyard.models import Concern

    return db.session.get(Concern, concern_id).session.point.village.name


def _cases(app):
    from plugins.mediation.models import Case

    return within_station(app, "dongling", lambda: db.session.scalar(
        select(func.count()).select_from(Case)))


def _links(app, concern_id):
    return within_station(app, "dongling", lambda: db.session.scalars(
        select(ModuleHandoff).where(ModuleHandoff.source_id == concern_id)).all())


def _hand_over(browser, concern_id):
    return browser.post(f"/s/dongling/courtyard/concerns/{concern_id}/handoff",
                        {"target": "mediation.case"})


def test_a_second_tap_opens_no_second_case_and_the_button_becomes_a_link(app, demo,
                                                                          make_browser):
    officer = make_browser("dongling-officer")
    concern_id = _open_concern(app)
    before = _cases(app)
    page = officer.get(f"/s/dongling/courtyard/concerns/{concern_id}").get_data(as_text=True)
    assert "作为调解案件受理" in page
    first = _hand_over(officer, concern_id)
    assert first.status_code == 302
    page = officer.get(f"/s/dongling/courtyard/concerns/{concern_id}").get_data(as_text=True)
    case_url = re.search(r'href="(/s/dongling/mediation/cases/\d+)"', page).group(1)
    assert "作为调解案件受理" not in page  # the button is gone; the case is a link
    village = within_station(app, "dongling", lambda: _village_of(concern_id))
    assert village in officer.get(case_url).get_data(as_text=True)  # where it happened

    # The same tap again (a stale page in another tab, or a second user): no new case.
    again = _hand_over(make_browser("dongling-admin"), concern_id)
    assert again.status_code == 302 and again.location.endswith(case_url)
    assert _cases(app) == before + 1
    assert len(_links(app, concern_id)) == 1
    landed = make_browser("dongling-admin")
    _hand_over(landed, concern_id)
    assert "已经移交过" in landed.get(case_url).get_data(as_text=True)  # said so, on the case


def test_two_taps_at_the_same_moment_make_one_case(app, demo, make_browser, monkeypatch):
    """Both requests pass the "already handed over?" check before either commits; the
    unique key in the database lets one through, and the other ends at the first case."""
    concern_id = _open_concern(app)
    before = _cases(app)
    barrier = threading.Barrier(2, timeout=20)
    checked = threading.local()
    real = handoffs._refuse_twice

    def check_then_wait(source, target_key):
        real(source, target_key)
        if not getattr(checked, "done", False):
            checked.done = True
            barrier.wait()  # both have checked and found nothing

    monkeypatch.setattr(handoffs, "_refuse_twice", check_then_wait)
    browsers = [make_browser("dongling-officer"), make_browser("dongling-admin")]
    answers = []

    def tap(browser):
        answers.append(_hand_over(browser, concern_id))

    threads = [threading.Thread(target=tap, args=(b,)) for b in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(a.status_code for a in answers) == [302, 302]
    assert _cases(app) == before + 1
    links = _links(app, concern_id)
    assert len(links) == 1
    assert all(a.location.endswith(f"/mediation/cases/{links[0].target_id}") or
               "/courtyard/concerns/" in a.location for a in answers)


def test_the_database_refuses_a_second_link(app, demo):
    concern_id = _open_concern(app)

    def link():
        return ModuleHandoff(target_key="mediation.case", source_plugin="courtyard",
                             source_type="concern", source_id=concern_id, source_label="x",
                             target_plugin="mediation", target_type="case", target_id=1,
                             target_label="y")

    def twice():
        db.session.add(link())
        db.session.flush()
        db.session.add(link())
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()

    within_station(app, "dongling", twice)
