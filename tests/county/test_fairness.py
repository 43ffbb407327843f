"""Comparing stations fairly: the intervals are the published ones, a station with one case
of one is not ranked above a station with 95 of 100, and a station far from the county's
rate stands out while one that differs by chance does not."""

import pytest

from app.county.fairness import (
    PER_RESIDENTS,
    binomial_limits,
    binomial_tails,
    byar,
    compare,
    wilson,
)
from app.plugin_contract import COUNT, HIGHER, LOWER, MEDIAN, MONEY, RATE, Measure, Metric


def rate(k, n):
    return Measure(round(100 * k / n, 1) if n else None, k, n)


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (50, 100, 0.4038, 0.5962),  # Wilson (1927); Newcombe (1998), method 3
    (1, 1, 0.2065, 1.0),
    (0, 10, 0.0, 0.2775),
    (81, 263, 0.2553, 0.3662),  # Newcombe's example
])
def test_the_wilson_interval_is_the_published_one(k, n, low, high):
    got = wilson(k, n)
    assert got == pytest.approx((low, high), abs=5e-4)


def test_a_share_of_nothing_has_no_interval():
    assert wilson(0, 0) is None


@pytest.mark.parametrize(("count", "low", "high"), [
    (10, 4.795, 18.39),  # the exact Poisson limits, which Byar's approximation meets
    (1, 0.025, 5.572),
    (0, 0.0, 3.689),
])
def test_byar_is_close_to_the_exact_poisson_interval(count, low, high):
    got = byar(count)
    assert got[0] == pytest.approx(low, abs=0.03) and got[1] == pytest.approx(high, rel=0.02)


def test_the_funnel_narrows_as_the_volume_grows():
    wide, narrow = binomial_limits(0.9, 10, 0.001), binomial_limits(0.9, 1000, 0.001)
    assert wide[0] < narrow[0] < 0.9 < narrow[1] < wide[1] <= 1.0


@pytest.mark.parametrize("n", [10, 20, 27, 40, 100])
def test_a_dot_outside_the_funnel_is_a_station_that_stands_out_and_no_other(n):
    p = 0.771
    low, high = binomial_limits(p, n, 0.001)
    for k in range(n + 1):
        below, above = binomial_tails(k, n, p)
        outside = k / n < low or k / n > high
        assert outside == (min(below, above) < 0.001), (k, n)


def test_one_case_of_one_is_not_best():
    standings = compare(RATE, HIGHER, {1: rate(1, 1), 2: rate(95, 100), 3: rate(80, 100)})
    assert [s.station_id for s in standings] == [2, 3, 1]
    assert [s.rank for s in standings] == [1, 2, None]
    small = standings[-1]
    assert not small.judged and small.value == 100.0 and small.low == pytest.approx(20.65,
                                                                                     abs=0.01)


def test_a_station_far_below_the_county_stands_out_one_near_it_does_not():
    measures = {1: rate(92, 100), 2: rate(90, 100), 3: rate(89, 100), 4: rate(91, 100),
                5: rate(88, 100), 6: rate(90, 100), 7: rate(60, 100), 8: rate(7, 10)}
    out = {s.station_id: s for s in compare(RATE, HIGHER, measures)}
    assert out[7].stands_out == "worse" and out[7].rank == 8
    assert all(out[n].stands_out is None for n in range(1, 7))
    assert out[8].stands_out is None and out[8].judged  # ten cases: judged, within chance


def test_lower_is_better_ranks_the_smallest_first_and_ties_share_a_rank():
    measures = {1: Measure(4.0, None, 20), 2: Measure(2.0, None, 30), 3: Measure(2.0, None, 12),
                4: Measure(1.0, None, 3), 5: Measure(None, None, 0)}
    standings = compare(MEDIAN, LOWER, measures)
    assert [(s.station_id, s.rank) for s in standings] == [
        (2, 1), (3, 1), (1, 3), (4, None), (5, None)]  # 3 cases: too few; none: nothing


def test_counts_compare_per_ten_thousand_residents():
    measures = {1: Measure(30), 2: Measure(10), 3: Measure(5)}
    residents = {1: 60_000, 2: 10_000}  # station 3's population is not on its ground yet
    standings = compare(COUNT, HIGHER, measures, per=residents, scale=PER_RESIDENTS)
    assert [(s.station_id, s.value, s.rank) for s in standings] == [
        (2, 10.0, 1), (1, 5.0, 2), (3, None, None)]
    first = standings[0]
    assert first.low < first.value < first.high  # Byar's interval, per 10,000 too


def test_counts_compare_per_officer():
    standings = compare(COUNT, HIGHER, {1: Measure(30), 2: Measure(12)}, per={1: 10, 2: 3})
    assert [(s.station_id, s.value) for s in standings] == [(2, 4.0), (1, 3.0)]


def test_neither_way_better_orders_without_ranks():
    standings = compare(COUNT, None, {1: Measure(3), 2: Measure(7)})
    assert [s.station_id for s in standings] == [2, 1] and {s.rank for s in standings} == {None}


def test_money_is_compared_as_it_is():
    standings = compare(MONEY, HIGHER, {1: Measure(600_000.0), 2: Measure(900_000.0)})
    assert [(s.station_id, s.rank) for s in standings] == [(2, 1), (1, 2)]


# -- what a metric declares ----------------------------------------------------------------

def read(period, stations):
    return {s: {"k": 3, "n": 4} for s in stations}


def test_a_rate_follows_from_its_parts():
    metric = Metric("m.rate", "rate", "%", kind=RATE, better=HIGHER, by_station=read,
                    parts=lambda d: (d["k"], d["n"]))
    assert metric.measures(None, {7: {}}) == {7: Measure(75.0, 3, 4)}
    assert metric.figures(None, {7: {}}) == {7: 75.0}


def test_a_rate_of_nothing_is_nothing():
    metric = Metric("m.rate", "rate", "%", kind=RATE, by_station=read, parts=lambda d: (0, 0))
    assert metric.measures(None, {7: {}}) == {7: Measure(None, 0, 0)}


def test_a_median_says_how_many_cases_it_stands_on():
    metric = Metric("m.median", "median", "days", kind=MEDIAN, by_station=read,
                    figure=lambda d: 2.5, volume=lambda d: d["n"])
    assert metric.measures(None, {7: {}}) == {7: Measure(2.5, None, 4)}


@pytest.mark.parametrize("declared", [
    {"kind": "share"},
    {"better": "more"},
    {"kind": RATE},  # no parts
    {"kind": RATE, "parts": lambda d: (1, 2), "figure": lambda d: 50},  # both
    {"parts": lambda d: (1, 2)},  # parts on a count
    {"kind": MEDIAN},  # no volume
    {"volume": lambda d: 1},  # volume on a count
])
def test_a_metric_that_contradicts_itself_is_refused_when_declared(declared):
    with pytest.raises(TypeError):
        Metric("m.bad", "bad", "", by_station=read, **declared)


def test_a_station_at_a_time_metric_cannot_be_a_rate():
    with pytest.raises(TypeError):
        Metric("m.bad", "bad", "", lambda period: 1, kind=RATE, parts=lambda d: (1, 2))


def test_standing_out_is_the_exact_binomial_chance_not_the_normal_approximation():
    # The normal approximation puts 8 of 10 beyond 99.8 % of a 99 % county; the exact
    # chance of 8 or fewer is 0.4 %: beyond 95 %, not beyond 99.8 %.
    out = {s.station_id: s for s in compare(RATE, HIGHER, {1: rate(990, 1000), 2: rate(8, 10)})}
    assert out[2].stands_out == "worse95"
    below, above = binomial_tails(8, 10, 0.99)
    assert below == pytest.approx(0.004266, abs=1e-6) and above == pytest.approx(1.0, abs=2e-4)


def test_a_station_too_small_to_judge_does_not_stand_out_either():
    [_, small] = compare(RATE, HIGHER, {1: rate(900, 1000), 2: rate(0, 9)})
    assert not small.judged and small.reason == "few" and small.stands_out is None


def test_a_station_without_residents_recorded_is_not_judged_for_that_reason():
    [judged, unknown] = compare(COUNT, HIGHER, {1: Measure(4), 2: Measure(19)},
                                per={1: 1000, 2: 0}, scale=PER_RESIDENTS)
    assert judged.rank == 1 and (unknown.reason, unknown.volume) == ("base", 19)


def test_an_amount_that_is_not_counted_one_by_one_gets_no_poisson_interval():
    [s] = compare(COUNT, HIGHER, {1: Measure(22.5)})
    assert (s.value, s.low, s.high, s.volume) == (22.5, None, None, None)


def test_figures_equal_as_shown_share_a_rank():
    standings = compare(MONEY, HIGHER, {1: Measure(16.74), 2: Measure(16.66), 3: Measure(9.0)})
    assert [s.rank for s in standings] == [1, 1, 3]


def test_numbers_that_are_not_a_rate_are_not_judged():
    [s] = compare(RATE, HIGHER, {1: Measure(None, 5, 3)})
    assert not s.judged and s.value is None


@pytest.mark.parametrize("kind", ["count", "rate", "median", "money"])
def test_the_values_changes_are_taken_against_are_the_judged_ones_of_compare(kind):
    from app.county.fairness import judged_values

    measures = {
        1: Measure(95.0, 19, 20), 2: Measure(100.0, 1, 1), 3: Measure(None, 0, 0),
        4: Measure(12, None, 12), 5: Measure(7.5, 3, 40), 6: Measure(0, 0, 10),
    }
    if kind == "count":
        measures = {i: Measure(m.value) for i, m in measures.items()}
    for per in (None, {1: 10_000, 2: 0, 4: 2_000, 5: 5_000, 6: 1}):
        for least in (0, 10):
            placed = compare(kind, "higher", measures, per=per, scale=10_000,
                             min_volume=least)
            assert judged_values(kind, measures, per=per, scale=10_000, min_volume=least) \
                == {s.station_id: s.value for s in placed if s.judged}
