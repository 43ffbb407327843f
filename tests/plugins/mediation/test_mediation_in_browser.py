"""Mediation's main flow in a real browser on a phone: open a case, an attempt at level 1,
escalate, agree at level 2, print the agreement, find at the follow-up that it is not kept,
mediate again at the police office, a second agreement that holds."""

import os

import pytest

pytestmark = pytest.mark.browser


def _submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_mediation_main_flow_on_a_phone(phone, live_server, demo):
    page = phone
    page.goto(live_server + "/auth/sign-in")
    page.fill("#f-username", "dongling-officer")
    page.fill("#f-password", "fengqiao-demo")
    _submit(page, "main form button[type=submit]")

    page.goto(live_server + "/s/dongling/mediation/")
    _submit(page, "text=受理案件")
    page.fill("#f-title", "两家为排水沟吵架")
    page.select_option("#f-kind", "邻里纠纷")
    page.select_option("#f-village_id", label="河坝村")
    page.fill("#f-a_name", "张大山")
    page.fill("#f-a_phone", "13911112222")
    page.fill("#f-b_name", "李小河")
    _submit(page, "main button[type=submit]")
    assert "百户长初调" in page.locator("#case-status").inner_text()
    assert "张*山" in page.locator("main").inner_text()

    # The household head who mediated, picked from the station's community forces.
    page.select_option("#f-mediator_force_id", label="李德明 (朱砂屯村)")
    page.fill("form[action$='/attempts'] #f-notes", "双方各执一词，未能达成一致")
    _submit(page, "text=记录调解 >> nth=-1")
    assert "调解已记录" in page.locator(".alert").first.inner_text()
    assert "百户长 李德明" in page.locator("main").inner_text()

    # The labels a person reads: the level to move to, the day of the attempt.
    assert page.locator("label[for=f-to_level]").inner_text().startswith("升至")
    assert page.locator("label[for=f-held_on]").inner_text().startswith("调解日期")
    assert "结束日期" not in page.locator("main").inner_text()
    page.fill("#f-reason", "百户长调解未成")
    _submit(page, "button:has-text('升级')")
    assert "治保主任复调" in page.locator("#case-status").inner_text()

    page.fill("#f-mediator", "治保主任 李主任")
    page.fill("form[action$='/attempts'] #f-notes", "讲明法律规定，双方让步")
    _submit(page, "text=记录调解 >> nth=-1")
    page.select_option("#f-outcome", "agreement")
    page.fill("form[action$='/close'] #f-note", "达成一致")
    page.fill("#f-terms", "一、疏通排水沟，费用各半。")
    page.check("#f-confirmed")
    _submit(page, "text=办结案件")
    assert "达成协议" in page.locator("#case-status").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    with page.context.expect_page() as printed:
        page.click("text=打印调解协议书")
    sheet = printed.value
    sheet.wait_for_load_state()
    assert "人民调解协议书" in sheet.locator("h1").inner_text()
    assert "疏通排水沟" in sheet.locator(".terms").inner_text()
    folder = os.environ.get("TEST_ARTIFACTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        sheet.screenshot(path=os.path.join(folder, "mediation-agreement.png"), full_page=True)
    sheet.close()

    # The visit finds the agreement not kept: no longer green, and the case goes on.
    page.select_option("#f-holds", "false")
    page.fill("form[action$='/follow-up'] #f-notes", "排水沟疏通后又被堵上")
    _submit(page, "text=记录回访")
    status = page.locator("#case-status")
    assert "协议未履行" in status.inner_text()
    assert "text-bg-success" not in status.get_attribute("class")
    assert page.locator("label[for=f-level]").inner_text().startswith("调解层级")
    page.select_option("#f-level", "3")
    page.fill("form[action$='/reopen'] #f-reason", "排水沟又被堵上，双方再起争执")
    _submit(page, "button:has-text('重新调解')")
    assert "警务室联调" in page.locator("#case-status").inner_text()

    page.fill("#f-mediator", "社区民警")
    page.fill("form[action$='/attempts'] #f-notes", "民警与村干部到现场，重新划定排水沟走向")
    _submit(page, "text=记录调解 >> nth=-1")
    page.select_option("#f-outcome", "agreement")
    page.fill("form[action$='/close'] #f-note", "再次达成一致")
    page.fill("#f-terms", "一、排水沟改道，沿李家院墙外侧通过。")
    page.check("#f-confirmed")
    _submit(page, "text=办结案件")
    assert "达成协议" in page.locator("#case-status").inner_text()
    earlier = page.locator("[id^=agreement-]")
    assert "疏通排水沟" in earlier.inner_text() and "未履行" in earlier.inner_text()
    assert "排水沟改道" in page.locator("#agreement").inner_text()

    page.select_option("#f-holds", "true")
    page.fill("form[action$='/follow-up'] #f-notes", "排水沟已改道，双方和睦")
    _submit(page, "text=记录回访")
    assert "协议仍在履行" in page.locator("#agreement").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    timeline = page.locator("#timeline").inner_text()
    for step in ("受理案件", "调解", "升级调解", "已办结", "回访", "重新调解"):
        assert step in timeline
    if folder:
        page.screenshot(path=os.path.join(folder, "mediation-case.png"), full_page=True)
