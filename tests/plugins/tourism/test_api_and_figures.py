"""Another station's records stay out of reach (404 on pages and the API), the figures the
county sees add up to what was recorded, and the JSON API answers masked."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.plugin_api import local_today
from plugins.tourism.models import FoundItem, HelpGiven, LossReport, PeakDay
from tests.conftest import within_station

from .conftest import BASE, member_ids, save_cell
from .test_lost import _item, _report

API = "/api/v1/s/liuxi/tourism"


def _dongling_ids(app):
    """东岭 runs the module with its demo data."""
    def first(column):
        return db.session.scalar(select(column).order_by(column))

    return within_station(app, "dongling", lambda: {
        "item": first(FoundItem.id), "report": first(LossReport.id),
        "peak": first(PeakDay.id),
        "help": first(HelpGiven.id), "reference": db.session.scalar(
            select(FoundItem.reference).order_by(FoundItem.id))})


def test_another_stations_records_are_404(app, admin):
    other = _dongling_ids(app)
    own_item = _item(admin)
    for path in (f"/lost/items/{other['item']}", f"/lost/reports/{other['report']}"):
        assert admin.get(BASE + path).status_code == 404, path
    for path, data in (
        (f"/lost/items/{other['item']}/reveal", {}),
        (f"/lost/items/{other['item']}/match", {"report_id": str(other["report"])}),
        (f"/lost/items/{other['item']}/dispose", {"note": "上交"}),
        (f"/lost/reports/{other['report']}/reveal", {}),
        (f"/lost/items/{own_item}/match", {"report_id": str(other["report"])}),
        (f"/peaks/{other['peak']}/delete", {}),
        (f"/lounge/help/{other['help']}/delete", {}),
    ):
        assert admin.post(BASE + path, data).status_code == 404, path

    def unchanged():
        return (db.session.get(PeakDay, other["peak"]) is not None,
                db.session.get(HelpGiven, other["help"]) is not None)

    assert within_station(app, "dongling", unchanged) == (True, True)
    items = admin.get(f"{API}/found-items").get_json()["items"]
    assert [i["id"] for i in items] == [own_item]
    assert other["reference"] not in str(items)
    assert admin.get("/api/v1/s/dongling/tourism/found-items").status_code in (403, 404)


def test_the_figures_add_up_to_what_was_recorded(app, admin):
    today = local_today()
    period = today.strftime("%Y-%m")
    for add in ("5", "1", "1", "-1"):
        admin.post(f"{BASE}/lounge/count", {"add": add})
    admin.post(f"{BASE}/lounge/tally", {"day": today.isoformat(), "hour": "0",
                                        "visitors": "40"})
    for kind in ("急救", "调解纠纷", "指路咨询"):
        admin.post(f"{BASE}/lounge/help", {"kind": kind})
    returned = _item(admin)
    _item(admin, public_description="蓝色雨伞一把", kind="其他")
    admin.post(f"{BASE}/lost/items/{returned}/match", {"report_id": str(_report(admin))})
    assert admin.post(f"{BASE}/lost/items/{returned}/handover", {
        "receiver_name": "林晓燕", "receiver_id_type": "passport", "receiver_id_number": "E1234567",
        "identity_checked": "true", "details_confirmed": "true"}).status_code == 302
    # Today's roster: the centre's morning fully staffed (enough for the peak season too),
    # the five other post-shifts empty and so short.
    people = member_ids(admin, day=today.isoformat())[:3]
    assert save_cell(admin, today.isoformat(), "早班", "游客中心岗", people).status_code == 302

    answer = admin.get(f"{API}/metrics", query_string={"period": period}).get_json()
    assert answer["period"]["start"] == today.replace(day=1).isoformat()
    assert answer["metrics"] == {
        "tourism.visitors": 46, "tourism.help": 3, "tourism.disputes": 1,
        "tourism.returned": 1, "tourism.returned_share": 50.0, "tourism.understaffed": 5}
    earlier = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    before = admin.get(f"{API}/metrics", query_string={"period": earlier}).get_json()["metrics"]
    assert before["tourism.visitors"] == 0 and before["tourism.returned_share"] is None
    assert admin.get(f"{API}/visitors", query_string={"period": period}).get_json() == {
        "days": {today.isoformat(): 46}}


def test_the_api_lists_found_items_masked_and_by_status(admin, make_browser):
    returned = _item(admin)
    _item(admin, public_description="蓝色雨伞一把", kind="其他")
    admin.post(f"{BASE}/lost/items/{returned}/handover", {
        "receiver_name": "林晓燕", "receiver_id_type": "resident_id",
        "receiver_id_number": "61072619900101123X", "identity_checked": "true",
        "details_confirmed": "true"})
    items = admin.get(f"{API}/found-items", query_string={"status": "returned"}) \
        .get_json()["items"]
    assert len(items) == 1
    item = items[0]
    assert item["id"] == returned and item["status"] == "returned"
    assert item["receiver_name"] == "林*燕"
    assert item["receiver_id_number"] == "6107**********123X"
    assert item["finder_name"] == "王*明" and item["finder_phone"] == "139****5678"
    assert item["returned_on"] == local_today().isoformat()
    assert "华为" not in str(item)  # the full description is for staff pages only
    everything = admin.get(f"{API}/found-items").get_json()["items"]
    assert {i["public_description"] for i in everything} == {"黑色手机一部", "蓝色雨伞一把"}
    assert make_browser("liuxi-aux").get(f"{API}/found-items").status_code == 200
    anonymous = make_browser().get(f"{API}/found-items")
    assert anonymous.status_code == 302 and "sign-in" in anonymous.location


def test_the_api_pages_the_found_items_with_their_total(app, admin):
    size = app.config["PAGE_SIZE"]

    def many():
        db.session.add_all(FoundItem(
            reference=f"S-API{i:03d}", kind="手机", public_description=f"物品{i:03d}号",
            found_on=local_today(), found_place="古镇老街", kept_at="会客厅", status="found")
            for i in range(size + 5))
        db.session.commit()

    within_station(app, "liuxi", many)
    first = admin.get(f"{API}/found-items").get_json()
    assert (first["total"], first["page"], first["pages"]) == (size + 5, 1, 2)
    assert len(first["items"]) == size
    second = admin.get(f"{API}/found-items", query_string={"page": "2"}).get_json()
    assert second["page"] == 2 and len(second["items"]) == 5
    ids = {i["id"] for i in first["items"]} | {i["id"] for i in second["items"]}
    assert len(ids) == size + 5  # every item once, none dropped
    returned = admin.get(f"{API}/found-items", query_string={"status": "returned"}).get_json()
    assert returned == {"items": [], "total": 0, "page": 1, "pages": 1}
