"""Through a real server on PostgreSQL, at the same moment: the last place of a slot
asked for by eight people (exactly one gets it, the others are told it is full), and one
booking cancelled four times over (a double tap: its place goes back once). The slot's
count and the bookings agree."""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import time

import pytest

from app.extensions import db
from plugins.appointments.models import Booking
from tests.conftest import PG

from .conftest import (
    ID_CARD,
    PUBLIC,
    bookings,
    configure,
    in_liuxi,
    open_day,
    placed,
    slot_counts,
)

pytestmark = pytest.mark.skipif(not PG, reason="row locks are PostgreSQL's (TEST_DATABASE_URL)")

PEOPLE = 8


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is the answer we want to see


def _resident(base: str):
    """A phone with its own cookies, holding the booking page's CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    page = opener.open(f"{base}{PUBLIC}/", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return opener, token


def _at_once(fn, n: int) -> None:
    threads = [threading.Thread(target=fn, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)


def test_exactly_one_person_gets_the_last_place(app, admin, live_server):
    configure(admin, capacity="2")
    day = open_day()
    placed(app, day, time(9))  # one of the two places is taken
    residents = [_resident(live_server) for _ in range(PEOPLE)]
    barrier = threading.Barrier(PEOPLE)
    answers: list[tuple[int, str]] = []

    def try_to_book(n: int) -> None:
        opener, token = residents[n]
        form = urllib.parse.urlencode({
            "csrf_token": token, "service": ID_CARD, "day": day.isoformat(),
            "starts": "09:00", "name": "抢号人", "phone": f"1390000{n:04d}",
        }).encode()
        barrier.wait()
        try:
            response = opener.open(f"{live_server}{PUBLIC}/", form, timeout=60)
            answers.append((response.status, response.read().decode()))
        except urllib.error.HTTPError as refused:
            answers.append((refused.code, refused.read().decode()))

    _at_once(try_to_book, PEOPLE)

    codes = sorted(status for status, _body in answers)
    assert codes == [302] + [400] * (PEOPLE - 1), codes
    for status, body in answers:
        if status == 400:
            assert "09:00 刚刚约满" in body
    made = [b for b in bookings(app) if b.starts == time(9)]
    assert len(made) == 2 and len({b.phone for b in made}) == 2
    assert slot_counts(app)[(ID_CARD, day, time(9))] == 2


def test_a_booking_cancelled_at_once_four_times_gives_its_place_back_once(app, admin,
                                                                           live_server):
    configure(admin, capacity="2")
    day = open_day()
    first = placed(app, day, time(9))
    placed(app, day, time(9), phone="13800002222")
    code = in_liuxi(app, lambda: db.session.get(Booking, first).code)
    taps = [_resident(live_server) for _ in range(4)]
    barrier = threading.Barrier(len(taps))
    answers: list[int] = []

    def cancel(n: int) -> None:
        opener, token = taps[n]
        form = urllib.parse.urlencode({"csrf_token": token, "code": code,
                                       "phone": "13800001111"}).encode()
        barrier.wait()
        try:
            answers.append(opener.open(f"{live_server}{PUBLIC}/cancel", form,
                                       timeout=60).status)
        except urllib.error.HTTPError as refused:
            answers.append(refused.code)

    _at_once(cancel, len(taps))

    assert sorted(answers) == [200, 400, 400, 400], answers
    assert [b.status for b in bookings(app)] == ["cancelled", "booked"]
    assert slot_counts(app)[(ID_CARD, day, time(9))] == 1
