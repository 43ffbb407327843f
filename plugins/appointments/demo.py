"""Demo data: window appointments from two months back to a few days ahead, booked
online, by phone and by WeChat (seed 002, 圣人涧: phone and WeChat booking to spread the
summer queue), as many a day as the station is busy; most people came, a few did not, a
few cancelled; and, the day after tomorrow, four online bookings a script seems to have
made (one network, numbers one after another, one name) for the suspicious-bookings
page. Made-up names and numbers."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.plugin_api import (
    Station,
    db,
    demo_days,
    demo_random,
    demo_scale,
    local_now,
    local_today,
)

from .booking import Full, bookable, cancel, client_digest, place
from .hours import Hours
from .models import ARRIVED, NO_SHOW, ONLINE, PHONE, WALK_IN, WECHAT, Booking

PEOPLE = ["王秀兰", "李建国", "张桂英", "刘志强", "陈海燕", "杨明", "赵丽娟", "黄伟",
          "周小红", "吴俊杰", "徐芳", "孙立新", "马玉珍", "朱国华"]
CHANNELS = [ONLINE, PHONE, WECHAT, ONLINE, WALK_IN]


def demo_data(station: Station) -> dict[str, int]:
    """Create the demo appointments in ``station`` (its context is current); returns the
    id of one for the isolation sweep."""
    hours = Hours.of_station()
    services, starts = list(bookable()), hours.starts()
    today, now = local_today(), local_now()
    ids: dict[str, int] = {}
    # Loaded again in the same station (the isolation sweep does), it carries on with
    # new people and skips the slots already full.
    k = db.session.scalar(select(func.count()).select_from(Booking))
    rng, busy = demo_random(station), demo_scale(station)
    for offset in range(-round(60 * demo_days(station) / 95), 3):
        day = today + timedelta(days=offset)
        if not hours.is_open(day) or not services or not starts:
            continue
        for j in range(round(rng.randint(1, 4) * busy) if offset < -3 else 2 + offset % 2):
            k += 1
            start = starts[(3 * j + offset) % len(starts)]
            try:
                booking = place(
                    station, services[(offset + j) % len(services)], day, start,
                    name=PEOPLE[k % len(PEOPLE)],
                    phone=f"13{3 + k % 7}{(k * 7919) % 10**8:08d}",
                    channel=CHANNELS[k % len(CHANNELS)], hours=hours,
                )
            except Full:
                continue
            ids.setdefault("appointment_id", booking.id)
            if k % 9 == 0:
                cancel(booking)
            elif datetime.combine(day, start) < now:
                booking.status = NO_SHOW if k % 6 == 0 else ARRIVED
    _made_up(station, hours, services, starts, today + timedelta(days=2), k)
    db.session.flush()
    return ids


def _made_up(station, hours, services, starts, day, k) -> None:
    """Four online bookings that look fake, for the page that finds them."""
    while not hours.is_open(day):
        day += timedelta(days=1)
    if not services or len(starts) < 4:
        return
    network = client_digest("203.0.113.7")  # a documentation address
    for n, start in enumerate(starts[-4:]):
        try:
            place(station, services[0], day, start, name="张伟",
                  phone=f"15800001{(k + n) % 1000:03d}", channel=ONLINE, hours=hours,
                  client_hash=network)
        except Full:
            continue
