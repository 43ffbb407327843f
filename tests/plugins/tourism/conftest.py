"""Fixtures for the tourist-zone module's tests: 柳溪's admin with the module just switched
on (no demo data there), and a few helpers that read what a page offers."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.plugin_api import Force
from tests.conftest import within_station

BASE = "/s/liuxi/tourism"
PUBLIC = "/p/liuxi/tourism"


@pytest.fixture
def admin(make_browser, demo):
    b = make_browser("liuxi-admin")
    assert b.post("/s/liuxi/modules/tourism/enable").status_code == 302
    return b


def member_ids(browser, day="2030-03-04", shift="早班", post="游客中心岗") -> list[int]:
    """The station members a cell's form offers, in the page's order."""
    page = browser.get(f"{BASE}/roster/cell", query_string={
        "day": day, "shift": shift, "post": post}).get_data(as_text=True)
    return [int(i) for i in re.findall(r'name="user_ids" value="(\d+)"', page)]


def version_of(browser, day, shift, post) -> str:
    page = browser.get(f"{BASE}/roster/cell", query_string={
        "day": day, "shift": shift, "post": post}).get_data(as_text=True)
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def save_cell(browser, day, shift, post, user_ids=(), force_ids=(), version=None):
    if version is None:
        version = version_of(browser, day, shift, post)
    return browser.post(f"{BASE}/roster/cell", {
        "day": day, "shift": shift, "post": post, "version": version,
        "user_ids": [str(u) for u in user_ids], "force_ids": [str(f) for f in force_ids],
    })


def force_id(app, name, slug="liuxi"):
    """The id of one of a station's community forces (柳溪's demo ground by default: its
    volunteers are 赵文军, 钱秀梅, 孙德胜 and 周桂兰 of 古镇义警)."""
    return within_station(app, slug, lambda: db.session.scalar(
        select(Force.id).where(Force.name == name)))


def cell_html(week_page: str, day: str, shift: str, post: str) -> str:
    """The <td> of one cell in the week's roster."""
    match = re.search(rf'<td[^>]*data-cell="{day}\|{shift}\|{post}"[^>]*>.*?</td>', week_page,
                      re.S)
    assert match, f"no cell {day} {shift} {post}"
    return match.group(0)
