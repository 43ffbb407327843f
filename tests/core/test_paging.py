"""Paging is a list's own affair: odd page numbers show the first page, and what a visitor
puts in the query string stays in the query string of the links, never in their path or
host."""

import re

import pytest


@pytest.mark.parametrize("page", ["²", "①", "٣", "1e3", "-1", " 2", "99999999999999999999"])
def test_odd_page_numbers_are_not_errors(make_browser, demo, browser, page):
    admin = make_browser("dongling-admin")
    for path in ("/s/dongling/audit", "/s/dongling/courtyard/concerns",
                 "/api/v1/s/dongling/courtyard/concerns"):
        assert admin.get(path, query_string={"page": page}).status_code == 200, (path, page)
    assert browser.get("/p/dongling/tourism/", query_string={"page": page}).status_code == 200


def _links(html):
    return [a.replace("&amp;", "&") for a in re.findall(r'rel="(?:next|prev)" href="([^"]+)"',
                                                        html)]


@pytest.mark.parametrize("extra", [
    {"station_slug": "qingshi"}, {"_external": "1", "_scheme": "javascript"},
    {"_anchor": "x"}, {"_method": "POST"}, {"county_slug": "x"},
])
def test_query_arguments_never_reach_the_links_path_or_host(make_browser, demo, extra):
    admin = make_browser("dongling-admin")
    response = admin.get("/s/dongling/audit", query_string={"page": "2", "action": "create",
                                                            **extra})
    assert response.status_code == 200
    links = _links(response.get_data(as_text=True))
    assert links, "the audit log of the demo station has more than two pages"
    for link in links:
        path, _, query = link.partition("?")
        assert path == "/s/dongling/audit", link
        assert "action=create" in query and all(k in query for k in extra)
