"""Control characters in what a request carries (issue 14). NUL and the other C0 controls
but tab, newline and carriage return are taken out of query strings, forms, upload names
and URL path values as Werkzeug parses them (``app.request_values``), so no view sees
them: PostgreSQL refuses NUL in text, and a NUL in a list filter used to be a 500 there.

The sweep reads what to send from the app itself: every form and every link with a query
on every page a station admin (then county IT) walks, each field poisoned in turn, then
every URL rule with every parameter name the code reads. No answer may be a 500, and a GET
with a poisoned value must answer as the same request without it.
"""

import io
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from flask import request
from sqlalchemy import select

from app import ROOT
from app.extensions import db
from app.plugin_api import local_today
from app.request_values import clean
from plugins.tourism.models import RosterCell
from tests.conftest import within_station
from tests.test_page_walk import _ids

STATION = "dongling"
NUL = "\x00"
# The C0 controls that go, and the three that stay because text areas send them.
DROPPED = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r")
KEPT = "\t\n\r"


# -- the cleaning itself --------------------------------------------------------------------

def test_clean_drops_c0_controls_but_tab_newline_and_return():
    assert clean(f"邻{NUL}里\x01纠\x1b纷\x1f") == "邻里纠纷"
    assert clean(DROPPED) == ""
    assert clean(f"一行{KEPT}二行") == f"一行{KEPT}二行"
    # Nothing else is normalised: DEL, C1 controls, full-width and combining characters.
    odd = "a\x7fb\x85c\u3000d\u0301e\ufeff"
    assert clean(odd) == odd


def test_args_form_values_and_upload_names_arrive_clean(app):
    upload = (io.BytesIO(b"\x00\x01raw bytes\x00"), f"照{NUL}片\x01.jpg")
    with app.test_request_context(
        "/anything", method="POST", query_string={"kind": f"雨{NUL}伞", f"k{NUL}ey": "v"},
        data={"shift": [f"早{NUL}班", "晚\x02班"], "note": f"第一行\r\n第二行\t{NUL}",
              "photo": upload},
    ):
        assert request.args.to_dict() == {"kind": "雨伞", "key": "v"}
        assert request.form.getlist("shift") == ["早班", "晚班"]
        assert request.form["note"] == "第一行\r\n第二行\t"
        assert request.values["kind"] == "雨伞" and request.values["shift"] == "早班"
        photo = request.files["photo"]
        assert photo.filename == "照片.jpg"
        assert photo.read() == b"\x00\x01raw bytes\x00"  # the contents are the sender's


def test_a_path_value_is_cleaned_and_an_id_refuses_it(demo, make_browser):
    b = make_browser("dongling-admin")
    plain = b.get(f"/s/{STATION}/")
    assert plain.status_code == 200
    # Werkzeug decodes %00 in the path into a NUL in the slug.
    for path in ("/s/dong%00ling/", "/s/dong\x00ling/", "/s/%00dongling\x1b/"):
        response = b.get(path)
        assert response.status_code == plain.status_code, path
    assert b.get("/s/%00/").status_code == 404
    assert b.get("/county/de%00mo/").status_code == b.get("/county/demo/").status_code
    # An id's converter matches digits only: a NUL is not a route, never a database value.
    concern = demo.module_ids[STATION]["concern_id"]
    assert b.get(f"/s/{STATION}/courtyard/concerns/{concern}%00").status_code == 404
    assert b.get("/static/%00app.css").status_code == 404
    assert b.get(f"/auth/invite/{NUL}abc").status_code == 404


def test_a_request_id_with_a_control_character_is_not_echoed(demo, browser):
    response = browser.get("/auth/sign-in", headers={"X-Request-ID": f"abc{NUL}def"})
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


# -- the four filters that were a 500 on PostgreSQL ------------------------------------------

def _first(app, column):
    return within_station(app, STATION, lambda: db.session.scalar(
        select(column).where(column.is_not(None)).order_by(column)))


def _named_filters(app):
    from plugins.courtyard.models import Concern
    from plugins.tourism.models import FoundItem, LossReport

    cell = within_station(app, STATION, lambda: db.session.execute(
        select(RosterCell.day, RosterCell.shift, RosterCell.post)
        .order_by(RosterCell.day, RosterCell.id)).first())
    day, shift, post = cell[0].isoformat(), cell[1], cell[2]
    base = f"/s/{STATION}"
    return [
        (f"{base}/courtyard/concerns", {"status": "all"}, "category",
         _first(app, Concern.category)),
        (f"{base}/tourism/lost", {"status": "all"}, "kind", _first(app, FoundItem.kind)),
        (f"{base}/tourism/lost/reports", {"status": "all"}, "kind",
         _first(app, LossReport.kind)),
        (f"{base}/tourism/roster/cell", {"day": day, "post": post}, "shift", shift),
        (f"{base}/tourism/roster/cell", {"day": day, "shift": shift}, "post", post),
    ]


# What a page says besides its answer: the CSRF token (signed with the time, so it changes)
# and the address it was asked by (the language switch comes back to it, %00 and all).
VOLATILE = re.compile(
    r'(name="csrf_token" value=|name="csrf-token" content=|name="next" value=)"[^"]*"')


def _comparable(response) -> tuple[int, str]:
    """Status and body, less what changes from one asking to the next."""
    shown = response.mimetype.startswith("text/") or response.is_json
    body = response.get_data(as_text=True) if shown else ""
    return response.status_code, VOLATILE.sub(r'\1""', body)


def _poisons(value: str) -> list[str]:
    """The value with control characters in it: a NUL inside, NULs around it, other
    controls, and every character that goes."""
    middle = len(value) // 2
    return [value[:middle] + NUL + value[middle:], NUL + value + NUL,
            "\x01" + value[:middle] + "\x1b" + value[middle:] + "\x1f",
            DROPPED[:16] + value + DROPPED[16:]]


def test_the_named_filters_with_a_nul_filter_like_without_it(app, demo, make_browser):
    b = make_browser("dongling-admin")
    for path, others, name, value in _named_filters(app):
        assert value, (path, name)
        expected = _comparable(b.get(path, query_string={**others, name: value}))
        assert expected[0] == 200, (path, name, value)
        assert value in expected[1]
        for poisoned in _poisons(value):
            got = _comparable(b.get(path, query_string={**others, name: poisoned}))
            assert got == expected, (path, name, repr(poisoned))
        # The same, typed as %00 into the address bar.
        raw = "&".join(f"{k}={quote(v)}" for k, v in others.items())
        got = _comparable(b.get(f"{path}?{raw}&{name}={quote(value)}%00"))
        assert got == expected, (path, name, "%00")


def test_a_roster_cell_saved_with_a_nul_in_its_shift_and_post_is_the_clean_cell(
        app, demo, make_browser):
    b = make_browser("dongling-admin")
    page = b.get(f"/s/{STATION}/tourism/roster/cell",
                 query_string={"day": local_today().isoformat()})
    assert page.status_code == 200
    form = next(f for f in _forms(page.get_data(as_text=True)) if f.method == "post"
                and f.action.endswith("/roster/cell"))
    data = dict(form.defaults())
    shift, post = data["shift"], data["post"]
    data.update(shift=f"{shift[:1]}{NUL}{shift[1:]}", post=f"{NUL}{post}\x1b")
    assert b.post(f"/s/{STATION}/tourism/roster/cell", data).status_code == 302
    cells = within_station(app, STATION, lambda: db.session.execute(
        select(RosterCell.shift, RosterCell.post).where(RosterCell.day == local_today())).all())
    assert (shift, post) in cells and not any(NUL in s + p for s, p in cells)


# -- the sweep ------------------------------------------------------------------------------

class _Form:
    def __init__(self, page, attrs):
        self.page = page
        self.method = (attrs.get("method") or "get").lower()
        self.action = attrs.get("action") or page
        self.fields: list[list] = []  # [name, value, kind, options]

    def defaults(self) -> list[tuple[str, str]]:
        """What the form sends as it stands: ticked boxes, chosen options, typed values."""
        out = []
        for name, value, kind, options in self.fields:
            if kind in ("checkbox", "radio") and not value[1]:
                continue
            if kind in ("checkbox", "radio"):
                out.append((name, value[0]))
            elif kind == "select":
                chosen = [v for v, selected in options if selected] or [v for v, _ in options[:1]]
                out += [(name, v) for v in chosen]
            else:
                out.append((name, value))
        return out

    def values_of(self, name) -> list[str]:
        """Every value the form offers for ``name`` (each option of a list, a box's value)."""
        found = []
        for field_name, value, kind, options in self.fields:
            if field_name != name:
                continue
            if kind == "select":
                found += [v for v, _ in options]
            elif kind in ("checkbox", "radio"):
                found.append(value[0])
            else:
                found.append(value)
        return list(dict.fromkeys(v for v in found if v)) or ["x"]


class _FormReader(HTMLParser):
    SKIPPED = {"submit", "button", "image", "reset", "file"}

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self.links = page, [], []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "?" in (attrs.get("href") or ""):
            self.links.append(attrs["href"])
        if tag == "form":
            self._form = _Form(self.page, attrs)
            self.forms.append(self._form)
        if self._form is None or (not attrs.get("name") and tag != "option"):
            return
        name = attrs.get("name")
        if tag == "input" and (attrs.get("type") or "text").lower() not in self.SKIPPED:
            kind = (attrs.get("type") or "text").lower()
            value = attrs.get("value") or ""
            if kind in ("checkbox", "radio"):
                value = (attrs.get("value") or "on", "checked" in attrs)
            self._form.fields.append([name, value, kind, []])
        elif tag == "select":
            self._select = [name, "", "select", []]
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select[3].append((attrs.get("value") or "", "selected" in attrs))
        elif tag == "textarea":
            self._textarea = [name, "", "textarea", []]
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _forms(html: str, page: str = "") -> list[_Form]:
    """The page's forms, and each of its links with a query as a form that sends it."""
    reader = _FormReader(page)
    reader.feed(html)
    for href in reader.links:
        parts = urlsplit(href)  # the parser has unescaped it
        if parts.netloc or not parts.path.startswith("/"):
            continue
        link = _Form(page, {"method": "get", "action": parts.path})
        link.fields = [[k, v, "text", []] for k, v in parse_qsl(parts.query, True)]
        reader.forms.append(link)
    return reader.forms


def _rules(app, ids) -> list[tuple[str, str]]:
    """(method, path) of every URL rule, filled with the demo's ids."""
    out = []
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<station_slug>", STATION).replace("<county_slug>", "demo")
        for arg in rule.arguments - {"station_slug", "county_slug"}:
            path = re.sub(rf"<(?:\w+:)?{arg}>", str(ids.get(arg, "x")), path)
        out += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(set(out))


SOURCE_NAME = re.compile(r"""\b(?:args|form|values|source)\.get(?:list)?\(\s*["'](\w+)["']""")


def _names_the_code_reads() -> set[str]:
    names = set()
    for folder in ("app", "tenants", "plugins"):
        for source in (ROOT / folder).rglob("*.py"):
            names |= set(SOURCE_NAME.findall(source.read_text(encoding="utf-8")))
    return names


NOT_FOLLOWED = ("/auth/sign-out",)  # the sweep stays signed in


class _Sweep:
    """Sends the poisoned requests as one user; counts them and what answered a 500 or
    unlike the same request without the control characters."""

    def __init__(self, browser, modules_back_on):
        self.b, self.modules_back_on = browser, modules_back_on
        self.tried, self.errors, self.differ, self.statuses = 0, [], [], {}
        self._clean_answers: dict = {}

    def send(self, method, path, data):
        self.tried += 1
        if method == "GET":
            response = self.b.get(path, query_string=data)
        else:
            response = self.b.post(path, data=data)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            self.errors.append(f"{method} {path} {data!r}: {response.status_code}")
        if method == "POST" and "/modules/" in path:
            self.modules_back_on()  # a module switched off would make the rest a 404
        return response

    def same_as_clean(self, path, clean_data, poisoned_data):
        def clean_answer(fresh=False):
            key = (path, tuple(clean_data))
            if fresh or key not in self._clean_answers:
                self._clean_answers[key] = _comparable(self.b.get(path, query_string=clean_data))
            return self._clean_answers[key]

        got = _comparable(self.send("GET", path, poisoned_data))
        for _ in range(2):  # a page showing the time (to the second) is asked again at once
            if got == clean_answer() or got[0] >= 500:
                return
            got = _comparable(self.send("GET", path, poisoned_data))
            clean_answer(fresh=True)
        self.differ.append(f"GET {path} {poisoned_data!r}: {got[0]} vs {clean_answer()[0]} "
                           "without")


def _path(action: str) -> str:
    return urlsplit(action).path


def _forms_to_fill(b, pages) -> list[_Form]:
    """The forms (and links with a query) of ``pages`` and of the pages those links open,
    each kind once."""
    forms, seen = [], set()

    def walk(url):
        response = b.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            return []
        found = []
        for form in _forms(response.get_data(as_text=True), url):
            key = (form.method, _path(form.action), tuple(f[0] for f in form.fields))
            if key not in seen and _path(form.action) not in NOT_FOLLOWED:
                seen.add(key)
                found.append(form)
        return found

    for page in pages:
        forms += walk(page)
    for link in [f for f in forms if f.method == "get" and f.fields]:
        forms += walk(f"{link.action}?{urlencode(link.defaults())}")
    return forms


def _module_keys(app) -> list[str]:
    from app.plugin_host import host

    with app.app_context():
        return list(host().plugins)  # in requirement order


STATION_PAGES = ("/s/", "/p/", "/api/v1/s/")


# The station admin walks every rule; county IT walks the county console and what is
# outside any station (its station pages are the admin's, walked already).
@pytest.mark.parametrize("who", ["dongling-admin", "county-it"])
def test_no_control_character_in_any_field_or_parameter_is_a_500(
        app, demo, make_browser, capsys, who):
    b, admin = make_browser(who), make_browser("dongling-admin")
    keys = _module_keys(app)
    sweep = _Sweep(b, lambda: [admin.post(f"/s/{STATION}/modules/{k}/enable") for k in keys])
    rules = [(m, p) for m, p in _rules(app, _ids(app, demo))
             if who == "dongling-admin" or not p.startswith(STATION_PAGES)]
    pages = [p for m, p in rules if m == "GET" and not p.startswith(("/api/", "/static/"))
             and not p.endswith((".xlsx", ".csv"))]
    forms = _forms_to_fill(b, pages)
    get_forms = [f for f in forms if f.method == "get"]
    post_forms = [f for f in forms if f.method == "post"]
    least = (10, 40) if who == "dongling-admin" else (3, 3)  # what the walk must find
    assert len(get_forms) >= least[0] and len(post_forms) >= least[1], (
        len(get_forms), len(post_forms))

    # Every filter of every list and every link's query, each value offered, poisoned in
    # turn: answered as the same request without the control characters.
    for form in get_forms:
        base = form.defaults()
        for name in dict.fromkeys(f[0] for f in form.fields):
            others = [(k, v) for k, v in base if k != name]
            for value in form.values_of(name)[:4]:
                for poisoned in _poisons(value):
                    sweep.same_as_clean(_path(form.action), [*others, (name, value)],
                                        [*others, (name, poisoned)])

    # Every field of every form that writes, one at a time (the CSRF token too).
    for form in post_forms:
        base = [*form.defaults(), ("csrf_token", b.token())]
        for name in dict.fromkeys([f[0] for f in form.fields] + ["csrf_token"]):
            value = dict(base).get(name) or "x"
            for poisoned in _poisons(value)[::3]:
                sweep.send("POST", _path(form.action),
                           [(k, v) for k, v in base if k != name] + [(name, poisoned)])

    # Every URL rule with every name the code or a form reads, poisoned (a word of its
    # own, then a value a form offers for it), and with its station or county poisoned.
    offered = {f[0]: form.values_of(f[0])[0] for form in forms for f in form.fields}
    names = sorted(_names_the_code_reads() | set(offered))
    for method, path in rules:
        if path in NOT_FOLLOWED:
            continue
        token = {"csrf_token": b.token()} if method == "POST" else {}
        sweep.send(method, path, {**{n: _poisons("x")[0] for n in names}, **token})
        sweep.send(method, path, {**{n: _poisons(offered.get(n, "x"))[3] for n in names},
                                  **token})
        dirty = path.replace(f"/{STATION}/", f"/dong{NUL}ling/").replace("/demo/", "/de%00mo/")
        if dirty != path:
            sweep.send(method, dirty, token)

    assert b.get("/auth/account").status_code == 200, "the sweep signed the user out"
    with capsys.disabled():
        print(f"\ncontrol characters as {who}: {sweep.tried} requests, {len(sweep.errors)} "
              f"answered 500, {len(sweep.differ)} unlike without; statuses {sweep.statuses}")
    assert sweep.errors == [], "\n".join(sweep.errors[:50])
    assert sweep.differ == [], "\n".join(sweep.differ[:50])
