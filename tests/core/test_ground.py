"""The station's ground as a station admin keeps it: villages in the station's order
(added, renamed with their old name kept, retired, deleted only when nothing stands on
them, never twice under one name), their grids and grid workers, key places and community
forces, with phones masked until a recorded reveal. Everyone in the station reads it."""

import re

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.ground.models import Force, Grid, KeyPlace, Village, VillageName
from tests.conftest import within_station

BASE = "/s/dongling/ground"


def _in(app, fn, slug="dongling"):
    return within_station(app, slug, fn)


def _village(app, name, slug="dongling"):
    def find():
        v = db.session.scalar(select(Village).where(Village.name == name))
        if v is not None:
            db.session.expunge(v)
        return v
    return _in(app, find, slug)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


VILLAGE = {"name": "新华村", "kind": "village", "zone": "河口警务室", "households": "120",
           "registered_population": "480", "resident_population": "400"}


# -- the overview --------------------------------------------------------------------------

def test_overview_shows_the_profile_and_the_villages_in_the_stations_order(demo, make_browser):
    page = make_browser("dongling-admin").get(BASE + "/")
    assert page.status_code == 200
    text = _text(page)
    assert "辖区人口" in text and "群防群治力量" in text
    html = page.get_data(as_text=True)
    names = ("河口村", "骆家咀村", "石门村", "东岭社区")
    order = [html.index(f'data-village="{n}"') for n in names]
    assert order == sorted(order)
    assert 'href="/s/dongling/ground/import/villages"' in html  # the spreadsheets' place
    assert 'id="village-new"' in html


def test_the_ground_is_in_the_stations_menu_and_read_only_for_an_officer(demo, make_browser):
    officer = make_browser("dongling-officer")
    home = officer.get("/s/dongling/").get_data(as_text=True)
    assert 'href="/s/dongling/ground/"' in home and "辖区" in home
    page = officer.get(BASE + "/").get_data(as_text=True)
    assert 'id="village-new"' not in page and "/import/villages" not in page
    assert officer.get(BASE + "/villages/new").status_code == 403
    assert officer.post(BASE + "/villages/new", VILLAGE).status_code == 403
    assert officer.get(BASE + "/coverage").status_code == 200


def test_the_overview_says_when_villages_lack_a_population_figure(app, demo, make_browser):
    def blank():
        v = db.session.scalar(select(Village).where(Village.name == "河坝村"))
        v.resident_population = v.registered_population = None
        db.session.commit()
    _in(app, blank)
    page = make_browser("dongling-admin").get(BASE + "/").get_data(as_text=True)
    assert 'id="missing-population"' in page and "1 个村（社区）没有人口数" in page


# -- villages ------------------------------------------------------------------------------

def test_a_village_is_added_at_the_end_of_the_order(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    response = admin.post(BASE + "/villages/new", VILLAGE)
    assert response.status_code == 302
    new = _village(app, "新华村")
    assert response.headers["Location"].endswith(f"/ground/villages/{new.id}")
    assert (new.households, new.resident_population, new.active) == (120, 400, True)
    page = admin.get(BASE + "/").get_data(as_text=True)
    assert page.index('data-village="东岭社区"') < page.index('data-village="新华村"')
    assert "新华村" in _text(admin.get(response.headers["Location"]))


def test_a_duplicate_name_is_refused_and_nothing_is_saved(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    count = _in(app, lambda: db.session.scalar(select(func.count()).select_from(Village)))
    response = admin.post(BASE + "/villages/new", {**VILLAGE, "name": "河口村"})
    assert response.status_code == 400
    assert "本所已有同名的村（社区）" in _text(response)
    assert _in(app, lambda: db.session.scalar(select(func.count()).select_from(Village))) == count
    # Renaming onto another village's name is refused the same way.
    other = _village(app, "石门村")
    response = admin.post(f"{BASE}/villages/{other.id}/edit", {"name": "河口村", "active": "1"})
    assert response.status_code == 400 and "本所已有同名的村（社区）" in _text(response)
    assert _village(app, "石门村") is not None


def test_bad_figures_are_named_per_field_in_chinese(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    response = admin.post(BASE + "/villages/new", {**VILLAGE, "households": "很多",
                                                   "resident_population": "-5", "name": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="e-name"' in html and 'id="e-households"' in html
    assert 'id="e-resident_population"' in html
    assert "请输入整数" in html and "此项为必填" in html
    assert _village(app, "新华村") is None


def test_renaming_keeps_the_old_name_on_the_village_page(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    village = _village(app, "石门村")
    form = admin.get(f"{BASE}/villages/{village.id}/edit").get_data(as_text=True)
    assert 'value="石门村"' in form and 'id="f-officer_id"' in form
    response = admin.post(f"{BASE}/villages/{village.id}/edit", {
        "name": "石门社区", "kind": "community", "zone": "石门片区", "active": "1",
        "officer_id": str(village.officer_id or ""), "auxiliary_id": str(village.auxiliary_id)})
    assert response.status_code == 302
    renamed = _village(app, "石门社区")
    assert renamed.id == village.id and renamed.kind == "community"
    assert _in(app, lambda: db.session.scalars(
        select(VillageName.name).where(VillageName.village_id == village.id)).all()) == ["石门村"]
    page = admin.get(f"{BASE}/villages/{village.id}").get_data(as_text=True)
    assert 'id="former-names"' in page and "石门村" in page
    # The audit log says it in words.
    log = _text(admin.get("/s/dongling/audit"))
    assert "曾用名" in log


def test_officer_and_auxiliary_are_picked_from_the_stations_people(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    village = _village(app, "青龙村")  # waits for its auxiliary
    form = admin.get(f"{BASE}/villages/{village.id}/edit").get_data(as_text=True)
    auxiliaries = re.search(r'id="f-auxiliary_id".*?</select>', form, re.S).group(0)
    officers = re.search(r'id="f-officer_id".*?</select>', form, re.S).group(0)

    def ids(select_html):
        return {int(v) for v in re.findall(r'value="(\d+)"', select_html)}

    def user(username):
        from app.users import User
        return db.session.scalar(select(User.id).where(User.username == username))

    aux_id, officer_id = _in(app, lambda: user("dongling-aux")), _in(
        app, lambda: user("dongling-officer"))
    assert aux_id in ids(auxiliaries) and aux_id not in ids(officers)
    assert officer_id in ids(officers) and officer_id not in ids(auxiliaries)
    # An officer is no auxiliary: refused by the form too.
    base = {"name": "青龙村", "kind": "village", "active": "1"}
    response = admin.post(f"{BASE}/villages/{village.id}/edit",
                          {**base, "auxiliary_id": str(officer_id)})
    assert response.status_code == 400 and "请选择本所人员" in _text(response)
    assert _village(app, "青龙村").auxiliary_id is None
    assert admin.post(f"{BASE}/villages/{village.id}/edit",
                      {**base, "auxiliary_id": str(aux_id)}).status_code == 302
    assert _village(app, "青龙村").auxiliary_id == aux_id


def test_a_retired_village_is_greyed_at_the_end_and_can_be_restored(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    village = _village(app, "河口村")
    assert admin.post(f"{BASE}/villages/{village.id}/edit",
                      {"name": "河口村", "kind": "village"}).status_code == 302  # box unticked
    assert _village(app, "河口村").active is False
    page = admin.get(BASE + "/").get_data(as_text=True)
    assert page.index('data-village="东岭社区"') < page.index('data-village="河口村"')
    assert "不再使用" in _text(admin.get(f"{BASE}/villages/{village.id}"))
    # Retired, it is no longer offered for a new key place.
    assert f'value="{village.id}"' not in admin.get(BASE + "/places/new").get_data(as_text=True)
    assert admin.post(f"{BASE}/villages/{village.id}/edit",
                      {"name": "河口村", "kind": "village", "active": "1"}).status_code == 302
    assert _village(app, "河口村").active is True


def test_a_village_things_stand_on_cannot_be_deleted(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    village = _village(app, "河口村")  # grids, a school, records of the modules
    response = admin.post(f"{BASE}/villages/{village.id}/delete", follow_redirects=True)
    assert "不能删除" in _text(response) and "停用" in _text(response)
    assert _village(app, "河口村") is not None


def test_a_village_only_a_modules_record_stands_on_cannot_be_deleted(app, demo, make_browser,
                                                                    monkeypatch):
    admin = make_browser("dongling-admin")
    admin.post(BASE + "/villages/new", VILLAGE)
    village = _village(app, "新华村")
    monkeypatch.setattr("app.ground.views.references", lambda village_id: 1)
    response = admin.post(f"{BASE}/villages/{village.id}/delete", follow_redirects=True)
    assert "不能删除" in _text(response)
    assert _village(app, "新华村") is not None


def test_a_village_added_by_mistake_is_deleted_with_its_former_names(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    admin.post(BASE + "/villages/new", {**VILLAGE, "name": "新花村"})
    village = _village(app, "新花村")
    admin.post(f"{BASE}/villages/{village.id}/edit", {**VILLAGE, "active": "1"})  # the typo
    response = admin.post(f"{BASE}/villages/{village.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/ground/")
    assert _village(app, "新华村") is None
    assert _in(app, lambda: db.session.scalar(select(func.count()).select_from(VillageName)
                                               .where(VillageName.village_id == village.id))) == 0


def test_villages_move_up_and_down_the_stations_order(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    second = _village(app, "骆家咀村")
    assert admin.post(f"{BASE}/villages/{second.id}/move",
                      {"direction": "up"}).status_code == 302
    page = admin.get(BASE + "/").get_data(as_text=True)
    assert page.index('data-village="骆家咀村"') < page.index('data-village="河口村"')
    admin.post(f"{BASE}/villages/{second.id}/move", {"direction": "down"})
    admin.post(f"{BASE}/villages/{second.id}/move", {"direction": "down"})
    page = admin.get(BASE + "/").get_data(as_text=True)
    assert (page.index('data-village="河口村"') < page.index('data-village="石门村"')
            < page.index('data-village="骆家咀村"'))
    assert admin.post(f"{BASE}/villages/{second.id}/move",
                      {"direction": "sideways"}).status_code == 400


# -- grids and their workers ---------------------------------------------------------------

def test_a_grid_is_added_renamed_and_retired(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    village = _village(app, "大坪村")
    response = admin.post(f"{BASE}/villages/{village.id}/grids", {"name": "第三网格"})
    assert response.status_code == 302
    grid = _in(app, lambda: db.session.scalar(select(Grid).where(
        Grid.village_id == village.id, Grid.name == "第三网格")))
    page = admin.get(f"{BASE}/villages/{village.id}").get_data(as_text=True)
    assert f'id="grid-{grid.id}"' in page and "无网格员" in page
    # Twice in one village is refused on the village's page; another village may have one.
    response = admin.post(f"{BASE}/villages/{village.id}/grids", {"name": "第三网格"})
    assert response.status_code == 400 and "该村已有同名网格" in _text(response)
    assert admin.post(f"{BASE}/villages/{village.id}/grids",
                      {"name": ""}).status_code == 400
    assert admin.get(f"{BASE}/grids/{grid.id}/edit").status_code == 200
    assert admin.post(f"{BASE}/grids/{grid.id}/edit", {"name": "第一网格",
                                                       "active": "1"}).status_code == 400
    assert admin.post(f"{BASE}/grids/{grid.id}/edit",
                      {"name": "大坪三组", "note": "三组、四组"}).status_code == 302
    again = _in(app, lambda: db.session.get(Grid, grid.id))
    assert (again.name, again.note, again.active) == ("大坪三组", "三组、四组", False)


def test_a_grid_worker_is_put_on_a_grid(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    village = _village(app, "大坪村")
    admin.post(f"{BASE}/villages/{village.id}/grids", {"name": "第三网格"})

    def ids():
        grid = db.session.scalar(select(Grid.id).where(Grid.village_id == village.id,
                                                       Grid.name == "第三网格"))
        worker = db.session.scalar(select(Force.id).where(Force.kind == "grid_worker")
                                   .order_by(Force.id))
        volunteer = db.session.scalar(select(Force.id).where(Force.kind == "volunteer"))
        return grid, worker, volunteer
    grid_id, worker_id, volunteer_id = _in(app, ids)
    theirs = _in(app, lambda: db.session.scalar(select(Force.id).where(
        Force.kind == "grid_worker")), "qingshi")
    page = admin.get(f"{BASE}/villages/{village.id}").get_data(as_text=True)
    assert f'id="f-worker-{grid_id}"' in page
    for wrong in (volunteer_id, theirs, ""):
        response = admin.post(f"{BASE}/grids/{grid_id}/workers", {"force_id": str(wrong)})
        assert response.status_code == 400, wrong
    response = admin.post(f"{BASE}/grids/{grid_id}/workers", {"force_id": str(worker_id)})
    assert response.status_code == 302
    worker = _in(app, lambda: db.session.get(Force, worker_id))
    assert (worker.grid_id, worker.village_id) == (grid_id, village.id)
    # They worked another grid before: the flash says which one is uncovered now.
    shown = _text(admin.get(response.headers["Location"]))
    assert "现负责第三网格，不再负责" in shown.replace(" ", "")


def test_a_retired_village_takes_no_new_grid_and_its_places_are_no_gaps(app, demo,
                                                                        make_browser):
    admin = make_browser("dongling-admin")
    village = _village(app, "东岭社区")  # its market has no officer: a gap in the demo
    coverage = admin.get(f"{BASE}/coverage").get_data(as_text=True)
    assert "东岭农贸市场" in coverage

    def retire():
        db.session.get(Village, village.id).active = False
        db.session.commit()
    _in(app, retire)
    refused = admin.post(f"{BASE}/villages/{village.id}/grids", {"name": "第九网格"})
    assert "已停用" in _text(admin.get(refused.headers["Location"]))
    assert _in(app, lambda: db.session.scalar(select(func.count()).select_from(Grid).where(
        Grid.name == "第九网格"))) == 0
    assert "东岭农贸市场" not in admin.get(f"{BASE}/coverage").get_data(as_text=True)


# -- community forces ----------------------------------------------------------------------

def _force(app, name):
    return _in(app, lambda: db.session.scalar(select(Force).where(Force.name == name)))


def test_a_community_force_is_added_changed_and_leaves(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    village = _village(app, "河坝村")
    assert admin.get(BASE + "/forces/new").status_code == 200
    response = admin.post(BASE + "/forces/new", {
        "name": "马春花", "kind": "household_head", "phone": "138 1234 5678",
        "village_id": str(village.id), "team": "河坝村三组"})
    assert response.status_code == 302
    force = _force(app, "马春花")
    assert (force.phone, force.village_id, force.active) == ("13812345678", village.id, True)
    edit = admin.get(f"{BASE}/forces/{force.id}/edit").get_data(as_text=True)
    assert "13812345678" not in edit and "138****5678" in edit  # the form reveals nothing
    # Saved without typing the phone again, it stays; ticking "remove" removes it.
    base = {"name": "马春花", "kind": "household_head", "village_id": str(village.id)}
    assert admin.post(f"{BASE}/forces/{force.id}/edit", {**base, "phone": "",
                                                         "active": "1"}).status_code == 302
    assert _force(app, "马春花").phone == "13812345678"
    assert admin.post(f"{BASE}/forces/{force.id}/edit", {**base, "phone": "13900001111",
                                                         "active": "1"}).status_code == 302
    assert _force(app, "马春花").phone == "13900001111"
    assert admin.post(f"{BASE}/forces/{force.id}/edit",
                      {**base, "clear_phone": "1"}).status_code == 302  # and left
    left = _force(app, "马春花")
    assert (left.phone, left.active) == (None, False)


def test_a_force_form_refuses_bad_phones_and_a_grid_of_another_village(app, demo,
                                                                      make_browser):
    admin = make_browser("dongling-admin")
    village, other = _village(app, "河坝村"), _village(app, "河口村")
    grid_id = _in(app, lambda: db.session.scalar(select(Grid.id).where(
        Grid.village_id == other.id)))
    response = admin.post(BASE + "/forces/new", {
        "name": "马春花", "kind": "grid_worker", "phone": "12345",
        "village_id": str(village.id), "grid_id": str(grid_id)})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="e-phone"' in html and "11 位手机号码" in html
    assert 'id="e-grid_id"' in html and "该网格不在所选的村（社区）" in html
    assert admin.post(BASE + "/forces/new", {"name": "马春花",
                                             "kind": "chief"}).status_code == 400
    assert _force(app, "马春花") is None
    # A grid alone says the village.
    assert admin.post(BASE + "/forces/new", {"name": "马春花", "kind": "grid_worker",
                                             "grid_id": str(grid_id)}).status_code == 302
    assert _force(app, "马春花").village_id == other.id


def test_forces_phones_are_masked_and_revealing_a_page_is_recorded(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    phones = _in(app, lambda: db.session.scalars(select(Force.phone).where(
        Force.kind == "volunteer")).all())
    page = admin.get(BASE + "/forces?kind=volunteer").get_data(as_text=True)
    assert page.count("data-force=") == len(phones) == 4
    assert not any(p in page for p in phones)
    assert phones[0][:3] + "****" + phones[0][-4:] in page
    assert 'id="reveal"' in page
    revealed = admin.post(BASE + "/forces/reveal?kind=volunteer&page=1")
    assert revealed.status_code == 200
    assert all(p in revealed.get_data(as_text=True) for p in phones)

    def events():
        return db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "pii.reveal", AuditEvent.object_type == "ground_force")).all()
    found = _in(app, events)
    assert len(found) == 1 and len(found[0].changes["ids"]) == 4
    assert found[0].changes["fields"] == ["phone"]


def test_an_auxiliary_reads_the_forces_masked_and_may_not_reveal(app, demo, make_browser):
    aux = make_browser("dongling-aux")
    page = aux.get(BASE + "/forces").get_data(as_text=True)
    assert "****" in page and 'id="reveal"' not in page
    assert aux.post(BASE + "/forces/reveal").status_code == 403
    assert aux.get(BASE + "/forces/new").status_code == 403


def test_forces_are_filtered_by_kind_and_village_and_paged(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    village = _village(app, "东岭社区")
    page = admin.get(f"{BASE}/forces?kind=volunteer&village_id={village.id}").get_data(
        as_text=True)
    assert page.count("data-force=") == 2  # 赵文军 and 钱秀梅
    assert "赵文军" in page and "孙德胜" not in page

    def many():
        for n in range(60):
            db.session.add(Force(name=f"志愿者{n:02d}", kind="activist"))
        db.session.commit()
    _in(app, many)
    first = admin.get(BASE + "/forces?kind=activist").get_data(as_text=True)
    assert 'data-total="61"' in first and 'rel="next"' in first
    second = admin.get(BASE + "/forces?kind=activist&page=2").get_data(as_text=True)
    assert second.count("data-force=") == 61 - first.count("data-force=") > 0
    assert admin.get(BASE + "/forces?kind=nonsense&village_id=x").status_code == 200


# -- key places ----------------------------------------------------------------------------

def test_a_key_place_is_added_changed_and_retired(app, demo, make_browser):
    admin = make_browser("dongling-admin")
    village = _village(app, "石龙村")
    assert "县宏发建材有限公司" in admin.get(BASE + "/places").get_data(as_text=True)
    response = admin.post(BASE + "/places/new", {"kind": "school", "name": "石龙村小学",
                                                 "village_id": str(village.id)})
    assert response.status_code == 302
    place = _in(app, lambda: db.session.scalar(select(KeyPlace).where(
        KeyPlace.name == "石龙村小学")))
    assert place.officer_id is None
    duplicate = admin.post(BASE + "/places/new", {"kind": "school", "name": "河口小学",
                                                  "village_id": str(village.id)})
    assert duplicate.status_code == 400 and "本所已有同名的重点场所" in _text(duplicate)
    assert admin.post(BASE + "/places/new", {"kind": "prison", "name": "某地",
                                             "village_id": ""}).status_code == 400
    officer = village.officer_id
    assert admin.post(f"{BASE}/places/{place.id}/edit", {
        "kind": "school", "name": "石龙村完全小学", "village_id": str(village.id),
        "officer_id": str(officer)}).status_code == 302  # "in use" unticked
    again = _in(app, lambda: db.session.get(KeyPlace, place.id))
    assert (again.name, again.officer_id, again.active) == ("石龙村完全小学", officer, False)
    listed = admin.get(BASE + "/places?kind=school").get_data(as_text=True)
    assert "石龙村完全小学" in listed and "县宏发建材有限公司" not in listed


# -- another station's ground --------------------------------------------------------------

def test_another_stations_ground_is_not_found(app, demo, make_browser):
    admin = make_browser("dongling-admin")

    def theirs():
        return {name: db.session.scalar(select(model.id).order_by(model.id))
                for name, model in (("village", Village), ("grid", Grid),
                                    ("place", KeyPlace), ("force", Force))}
    ids = _in(app, theirs, "qingshi")
    for path in (f"/villages/{ids['village']}", f"/villages/{ids['village']}/edit",
                 f"/grids/{ids['grid']}/edit", f"/places/{ids['place']}/edit",
                 f"/forces/{ids['force']}/edit"):
        assert admin.get(BASE + path).status_code == 404, path
    for path in (f"/villages/{ids['village']}/delete", f"/villages/{ids['village']}/grids",
                 f"/villages/{ids['village']}/move", f"/grids/{ids['grid']}/workers"):
        assert admin.post(BASE + path, {"name": "x", "direction": "up"}).status_code == 404
    # Nor can a form of ours point at it.
    response = admin.post(BASE + "/places/new", {"kind": "school", "name": "某校",
                                                 "village_id": str(ids["village"])})
    assert response.status_code == 400
