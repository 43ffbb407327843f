"""A walk of every page, for every demo role, in both languages: each answers without an
error, and a Chinese page shows no stored key (``station_admin``, ``in_progress``), no
``True``/``False``/``None``, no English sentence and no ". " inside Chinese text.

The pages are read from the app's own URL rules and filled with the ids each module's
``demo_data`` returns, so a new module's pages are walked without editing this file.
"""

import html
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.plugin_host import host
from app.station.notices import Notice
from app.users import Membership
from tenants.context import station_context
from tenants.models import Station

STATION = "dongling"
# Words that are the same in both languages, or names people write in Latin letters.
ALLOWED = {"ID", "HH", "MM", "YYYY", "XLSX", "PDF", "URL", "SMS", "WeChat", "TOTP", "OK"}
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
RAW_VALUE = re.compile(r"\b(?:True|False|None)\b")
ENGLISH = re.compile(r"(?<![\w-])[A-Za-z]{2,}(?:[ ,']+[A-Za-z]{2,})+(?![\w-])")  # two words or more
DOT_IN_CHINESE = re.compile(r"[\u4e00-\u9fff）》”][.] ")


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<code\b.*?</code>", " ", page, flags=re.S | re.I)  # commands, not words
    shown = re.findall(r'(?:placeholder|title|aria-label)="([^"]*)"', page)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([page, *shown]))


def problems_in_chinese(text: str) -> list[str]:
    found = [f"raw key {m}" for m in RAW_KEY.findall(text)]
    found += [f"raw value {m}" for m in RAW_VALUE.findall(text)]
    found += [f"English {m!r}" for m in ENGLISH.findall(text)
              if not set(re.findall(r"[A-Za-z]+", m)) <= ALLOWED]
    found += [f"'. ' in {m!r}" for m in DOT_IN_CHINESE.findall(text)]
    return found


def _ids(app, demo) -> dict:
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.slug == STATION))
        with station_context(station):
            ids = {"notice_id": db.session.scalars(select(Notice)).first().id,
                   **demo.module_ids[STATION]}
        ids["membership_id"] = db.session.scalars(
            select(Membership.id).where(Membership.station_id == station.id)).first()
        ids["plugin_key"] = next(iter(host().plugins))
        db.session.commit()
    return ids


def _pages(app, ids) -> list[str]:
    """Every GET page of a station, the county console and the public pages."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        if not rule.rule.startswith(("/s/<station_slug>", "/county/<county_slug>",
                                     "/p/<station_slug>")):
            continue
        path = rule.rule.replace("<station_slug>", STATION).replace("<county_slug>", "demo")
        for arg in rule.arguments - {"station_slug", "county_slug"}:
            path = re.sub(rf"<(?:\w+:)?{arg}>", str(ids.get(arg, "")), path)
        if "<" not in path and not path.endswith((".xlsx", ".csv")):
            paths.append(path)
    return sorted(set(paths))


@pytest.mark.parametrize("who", ["dongling-admin", "dongling-officer", "dongling-aux",
                                 "county-it", "county-lead"])
def test_every_page_speaks_the_users_language(app, demo, make_browser, who):
    ids = _ids(app, demo)
    pages = _pages(app, ids)
    assert len(pages) > 40
    b = make_browser(who)
    found, seen = {}, 0
    for language in ("zh", "en"):
        b.post("/lang", {"lang": language})
        for path in pages:
            response = b.get(path)
            assert response.status_code in (200, 302, 403, 404), f"{path}: {response.status_code}"
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            seen += 1
            text = visible_text(response.get_data(as_text=True))
            problems = (problems_in_chinese(text) if language == "zh"
                        else [f"raw value {m}" for m in RAW_VALUE.findall(text)]
                        + [f"raw key {m}" for m in RAW_KEY.findall(text)])
            if problems:
                found[f"{language} {path}"] = sorted(set(problems))
    assert seen > 20
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
