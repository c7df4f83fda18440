"""Origin load, TTL cache model and the CloudFront bill."""

import numpy as np
import pytest

from course.data import load_json
from course.errors import CourseInputError
from course.lessons.cdn import cloudfront_monthly_cost, origin_requests, ttl_hit_ratio, zipf_trace


def test_origin_requests_are_the_misses():
    assert origin_requests(10_000_000, 0.92) == pytest.approx(800_000)
    assert origin_requests(5, 0) == 5
    assert origin_requests(5, 1) == 0


def test_a_percent_is_recognised():
    with pytest.raises(CourseInputError, match="0.92"):
        origin_requests(1_000, 92)


@pytest.mark.parametrize("bad", [-0.1, 101, "0.9", True, float("nan")])
def test_bad_hit_ratios_are_refused(bad):
    with pytest.raises(CourseInputError):
        origin_requests(1_000, bad)


def test_ttl_cache_counts_hits_until_expiry():
    times = np.array([0.0, 1.0, 5.0, 11.0, 12.0])
    keys = np.array([7, 7, 3, 7, 3])
    # 7 fetched at 0 (expires 10): hit at 1, miss at 11; 3 fetched at 5 (expires 15): hit at 12
    assert ttl_hit_ratio(times, keys, 10) == pytest.approx(2 / 5)
    assert ttl_hit_ratio(times, keys, 0) == 0


def test_longer_ttls_never_lower_the_hit_ratio():
    times, keys = zipf_trace(500, 5_000, per_second=2.0, seed=4)
    ratios = [ttl_hit_ratio(times, keys, ttl) for ttl in (0, 10, 100, 1_000, 10_000)]
    assert ratios == sorted(ratios) and ratios[0] == 0 and ratios[-1] > 0.5


def test_zipf_trace_is_seeded_and_ordered():
    a, b = zipf_trace(100, 1_000, 1.0, seed=1), zipf_trace(100, 1_000, 1.0, seed=1)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert np.all(np.diff(a[0]) > 0)
    assert np.bincount(a[1]).argmax() == 0


def test_cloudfront_bill_takes_the_free_tier_off_first():
    prices = load_json("cloudfront_pricing.json")
    first = prices["data_transfer_out"]["tiers"][0]["price_usd_per_gb"]
    per = prices["https_requests"]
    bill = cloudfront_monthly_cost(3_072, 40_000_000)
    assert bill.billable_gb == 3_072 - prices["always_free"]["gb_out"]
    assert bill.transfer_cost == pytest.approx(bill.billable_gb * first)
    assert bill.request_cost == pytest.approx(30_000_000 / per["per_requests"] * per["price_usd"])
    assert cloudfront_monthly_cost(500, 1_000_000).total == 0


def test_cloudfront_bill_walks_the_tiers():
    tiers = load_json("cloudfront_pricing.json")["data_transfer_out"]["tiers"]
    gb = tiers[1]["from_gb"] + 100
    expected = tiers[1]["from_gb"] * tiers[0]["price_usd_per_gb"] + 100 * tiers[1]["price_usd_per_gb"]
    assert cloudfront_monthly_cost(gb, 0, free_tier=False).transfer_cost == pytest.approx(expected)


@pytest.mark.parametrize(("gb", "requests"), [(-1, 0), (1, -1), (1, 2.5), ("1", 0)])
def test_cloudfront_bill_refuses_bad_input(gb, requests):
    with pytest.raises(CourseInputError):
        cloudfront_monthly_cost(gb, requests)
