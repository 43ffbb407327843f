"""Comparing stations of different sizes fairly: an interval around each station's figure,
a minimum volume below which a station is not ranked (one case of one is not "best"), the
limits of the funnel plot around the county's rate, and ranks.

- A rate (a proportion) gets Wilson's score interval, which stays inside 0-100 % and is
  honest for small numbers, unlike the normal approximation.
- A count gets Byar's approximation to the exact Poisson interval; divided by the
  station's residents (or officers) it compares stations per 10,000 residents.
- The funnel's limits around the county's rate, for a station of volume n, are
  p ± z·√(p(1−p)/n) at 95 % and 99.8 % (Spiegelhalter's funnel plots): a station outside
  the 99.8 % limits truly stands out, one inside them differs by chance as far as its
  volume can tell.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from math import sqrt

from app.plugin_contract import COUNT, HIGHER, LOWER, MEDIAN, RATE, Measure

Z95 = 1.959964
Z998 = 3.090232
# Fewer cases than this under a rate or a median: too few to judge, not ranked.
MIN_VOLUME = 10
PER_RESIDENTS = 10_000


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson's score interval of the proportion ``k`` of ``n`` (0..1); None for n = 0."""
    if n <= 0:
        return None
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def byar(count: int, z: float = Z95) -> tuple[float, float]:
    """Byar's interval of a Poisson count (close to the exact one from a count of 1)."""
    low = count * (1 - 1 / (9 * count) - z / (3 * sqrt(count))) ** 3 if count > 0 else 0.0
    up = count + 1
    high = up * (1 - 1 / (9 * up) + z / (3 * sqrt(up))) ** 3
    return max(0.0, low), high


def funnel_limits(p: float, n: int, z: float) -> tuple[float, float]:
    """The funnel plot's limits (0..1) around the county's proportion ``p`` at volume n."""
    if n <= 0:
        return 0.0, 1.0
    half = z * sqrt(p * (1 - p) / n)
    return max(0.0, p - half), min(1.0, p + half)


@dataclass(frozen=True)
class Standing:
    """One station's place in a metric's comparison."""

    station_id: int
    value: float | int | None  # as compared: a rate in %, a count per PER_RESIDENTS if given
    low: float | None = None  # its 95 % interval, in the value's unit
    high: float | None = None
    volume: int | None = None  # the cases it stands on (a rate's denominator)
    judged: bool = True  # False: too few cases to judge, not ranked
    rank: int | None = None  # 1 is best; None when not ranked or no way is better
    # Against the funnel's limits (rates): "better" or "worse" beyond 99.8 %, "better95"
    # or "worse95" beyond 95 % only, None inside them.
    stands_out: str | None = None


def compare(metric_kind: str, better: str | None, measures: Mapping[int, Measure], *,
            per: Mapping[int, int] | None = None, scale: int = 1,
            min_volume: int = MIN_VOLUME) -> list[Standing]:
    """Every station of ``measures`` placed, best first (stations too few to judge, then
    those with nothing to measure, last). With ``per`` (station id -> its residents, or
    its officers) a count is compared per ``scale`` of them (10,000 residents, 1 officer);
    a station whose number is unknown is then not judged."""
    county_rate = _county_rate(measures) if metric_kind == RATE else None
    standings = [_standing(metric_kind, better, station_id, m, per, scale, min_volume,
                           county_rate) for station_id, m in measures.items()]
    return _ranked(standings, better)


def _county_rate(measures: Mapping[int, Measure]) -> float | None:
    k = sum(m.numerator or 0 for m in measures.values())
    n = sum(m.denominator or 0 for m in measures.values())
    return k / n if n else None


def _standing(kind, better, station_id, m: Measure, per, scale, min_volume,
              county_rate) -> Standing:
    if kind == RATE:
        n = m.denominator or 0
        interval = wilson(m.numerator or 0, n)
        if interval is None:
            return Standing(station_id, None, volume=0, judged=False)
        return Standing(station_id, m.value, 100 * interval[0], 100 * interval[1], n,
                        n >= min_volume, stands_out=_stands_out(m, county_rate, better))
    if kind == MEDIAN:
        n = m.denominator or 0
        return Standing(station_id, m.value, volume=n, judged=n >= min_volume and
                        m.value is not None)
    if kind == COUNT and m.value is not None:
        low, high = byar(int(m.value))
        if per is None:
            return Standing(station_id, m.value, low, high, int(m.value))
        base = per.get(station_id) or 0
        if base <= 0:
            return Standing(station_id, None, volume=int(m.value), judged=False)
        factor = scale / base
        return Standing(station_id, round(m.value * factor, 2), low * factor, high * factor,
                        int(m.value))
    return Standing(station_id, m.value, judged=m.value is not None)  # money, or nothing


def _stands_out(m: Measure, county_rate: float | None, better: str | None) -> str | None:
    if county_rate is None or not m.denominator:
        return None
    p = (m.numerator or 0) / m.denominator
    for z, suffix in ((Z998, ""), (Z95, "95")):
        low, high = funnel_limits(county_rate, m.denominator, z)
        if low <= p <= high:
            continue
        above = p > high
        if better is None:
            return None
        good = above == (better == HIGHER)
        return ("better" if good else "worse") + suffix
    return None


def _ranked(standings: list[Standing], better: str | None) -> list[Standing]:
    judged = [s for s in standings if s.judged and s.value is not None]
    rest = [s for s in standings if not (s.judged and s.value is not None)]
    judged.sort(key=lambda s: (-s.value if better != LOWER else s.value, s.station_id))
    out, previous, rank = [], None, 0
    for position, s in enumerate(judged, start=1):
        if s.value != previous:  # ties share a rank: 1, 1, 3
            rank, previous = position, s.value
        out.append(replace(s, rank=rank if better in (HIGHER, LOWER) else None))
    # Too few to judge before nothing to measure; each by its value, then by station.
    rest.sort(key=lambda s: (s.value is None, -(s.value or 0), s.station_id))
    return out + rest

