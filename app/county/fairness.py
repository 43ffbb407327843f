"""Comparing stations of different sizes fairly: an interval around each station's figure,
a minimum volume below which a station is not ranked (one case of one is not "best"), the
limits of the funnel plot around the county's rate, and ranks.

- A rate (a proportion) gets Wilson's score interval, which stays inside 0-100 % and is
  honest for small numbers, unlike the normal approximation.
- A count gets Byar's approximation to the exact Poisson interval; divided by the
  station's residents (or officers) it compares stations per 10,000 residents.
- Whether a station stands out from the county's pooled rate p is the exact binomial
  chance of a result at least as far from p with its n cases (Spiegelhalter's funnel
  plots, two-sided 95 % and 99.8 %): beyond 99.8 % it truly stands out, within it the
  difference may be chance as far as its volume can tell. The funnel plot draws the same
  limits (:func:`binomial_limits`), so a dot outside its lines is a station marked as
  standing out, and no other.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from math import exp, lgamma, log, sqrt

from app.plugin_contract import COUNT, HIGHER, LOWER, MEDIAN, RATE, Measure

Z95 = 1.959964
# Fewer cases than this under a rate or a median: too few to judge, not ranked.
MIN_VOLUME = 10
PER_RESIDENTS = 10_000


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson's score interval of the proportion ``k`` of ``n`` (0..1); None for n = 0 (or
    numbers that are not a proportion)."""
    if n <= 0 or not 0 <= k <= n:
        return None
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def byar(count: int, z: float = Z95) -> tuple[float, float]:
    """Byar's interval of a Poisson count (within 1 % of the exact one from a count of 5;
    at 1 its lower end is about half the exact 0.025)."""
    count = max(0, count)
    low = count * (1 - 1 / (9 * count) - z / (3 * sqrt(count))) ** 3 if count > 0 else 0.0
    up = count + 1
    high = up * (1 - 1 / (9 * up) + z / (3 * sqrt(up))) ** 3
    return max(0.0, low), high


def _pmf(n: int, p: float) -> list[float]:
    if p <= 0:
        return [1.0] + [0.0] * n
    if p >= 1:
        return [0.0] * n + [1.0]
    log_p, log_q = log(p), log(1 - p)
    return [exp(lgamma(n + 1) - lgamma(i + 1) - lgamma(n - i + 1) + i * log_p
                + (n - i) * log_q) for i in range(n + 1)]


def binomial_tails(k: int, n: int, p: float) -> tuple[float, float]:
    """P(X ≤ k) and P(X ≥ k) for X ~ Binomial(n, p), exactly (summed in logs)."""
    pmf = _pmf(n, p)
    return min(1.0, sum(pmf[:k + 1])), min(1.0, sum(pmf[k:]))


def binomial_limits(p: float, n: int, tail: float) -> tuple[float, float]:
    """The funnel's limits (0..1) at volume n: the lowest and highest share k/n that are
    not beyond ``tail`` on their side (a station strictly outside them stands out)."""
    pmf = _pmf(n, p)
    below, low = 0.0, 0
    for k, mass in enumerate(pmf):
        below += mass
        if below >= tail:
            low = k
            break
    above, high = 0.0, n
    for k in range(n, -1, -1):
        above += pmf[k]
        if above >= tail:
            high = k
            break
    return low / n, high / n


@dataclass(frozen=True)
class Standing:
    """One station's place in a metric's comparison."""

    station_id: int
    value: float | int | None  # as compared: a rate in %, a count per PER_RESIDENTS if given
    low: float | None = None  # its 95 % interval, in the value's unit
    high: float | None = None
    volume: int | None = None  # the cases it stands on (a rate's denominator)
    judged: bool = True  # False: not ranked, for ``reason``
    reason: str | None = None  # "few" cases, or no "base" (residents, officers) recorded
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
    rate = county_rate(measures) if metric_kind == RATE else None
    standings = [_standing(metric_kind, better, station_id, m, per, scale, min_volume, rate)
                 for station_id, m in measures.items()]
    return _ranked(standings, better)


def judged_values(metric_kind: str, measures: Mapping[int, Measure], *,
                  per: Mapping[int, int] | None = None, scale: int = 1,
                  min_volume: int = MIN_VOLUME) -> dict[int, float | int]:
    """What :func:`compare` would give each judged station as its value, without its
    interval, its test or its rank: the figures a change is taken against."""
    out = {}
    for station_id, m in measures.items():
        if m.value is None:
            continue
        if metric_kind in (RATE, MEDIAN):
            # A rate of no case has no figure at all; a median is judged on enough cases.
            least = max(min_volume, 1) if metric_kind == RATE else min_volume
            if (m.denominator or 0) >= least:
                out[station_id] = m.value
        elif metric_kind == COUNT and per is not None:
            base = per.get(station_id) or 0
            if base > 0:
                out[station_id] = round(m.value * scale / base, 2)
        else:
            out[station_id] = m.value
    return out


def county_rate(measures: Mapping[int, Measure]) -> float | None:
    """The county's pooled rate (0..1): all its stations' numerators over their
    denominators; None when there is nothing to measure."""
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
        if n < min_volume:
            return Standing(station_id, m.value, 100 * interval[0], 100 * interval[1], n,
                            judged=False, reason="few")
        return Standing(station_id, m.value, 100 * interval[0], 100 * interval[1], n,
                        stands_out=_stands_out(m, county_rate, better))
    if kind == MEDIAN:
        n = m.denominator or 0
        if m.value is None:
            return Standing(station_id, None, volume=n, judged=False)
        return Standing(station_id, m.value, volume=n, judged=n >= min_volume,
                        reason=None if n >= min_volume else "few")
    if kind == COUNT and m.value is not None:
        # Things counted one by one get Poisson's interval; a derived amount (hours of
        # travel saved) is compared as it is.
        whole = isinstance(m.value, int) and m.value >= 0
        low, high = byar(m.value) if whole else (None, None)
        volume = m.value if whole else None
        if per is None:
            return Standing(station_id, m.value, low, high, volume)
        base = per.get(station_id) or 0
        if base <= 0:
            return Standing(station_id, None, volume=volume, judged=False, reason="base")
        factor = scale / base
        return Standing(station_id, round(m.value * factor, 2),
                        None if low is None else low * factor,
                        None if high is None else high * factor, volume)
    return Standing(station_id, m.value, judged=m.value is not None)  # money, or nothing


def _stands_out(m: Measure, county_rate: float | None, better: str | None) -> str | None:
    if county_rate is None or not m.denominator or better is None:
        return None
    k, n = m.numerator or 0, m.denominator
    below, above = binomial_tails(k, n, county_rate)
    for tail, suffix in ((0.001, ""), (0.025, "95")):  # two-sided 99.8 % and 95 %
        if min(below, above) < tail:
            high_side = above < below
            return ("better" if high_side == (better == HIGHER) else "worse") + suffix
    return None


def _ranked(standings: list[Standing], better: str | None) -> list[Standing]:
    judged = [s for s in standings if s.judged and s.value is not None]
    rest = [s for s in standings if not (s.judged and s.value is not None)]
    judged.sort(key=lambda s: (-s.value if better != LOWER else s.value, s.station_id))
    out, previous, rank = [], None, 0
    for position, s in enumerate(judged, start=1):
        shown = round(s.value, 1)  # as the page shows it: equal figures, equal ranks
        if shown != previous:  # ties share a rank: 1, 1, 3
            rank, previous = position, shown
        out.append(replace(s, rank=rank if better in (HIGHER, LOWER) else None))
    # Too few to judge before nothing to measure; each by its value, then by station.
    rest.sort(key=lambda s: (s.value is None, -(s.value or 0), s.station_id))
    return out + rest

