"""Lambda against EC2: monthly EC2 cost, break-even requests and rate, and the cost curve."""

import pytest

from course.aws.instances import on_demand_price
from course.errors import CourseInputError
from course.lessons.breakeven import (
    breakeven_rate,
    breakeven_requests,
    cost_curve,
    ec2_monthly_cost,
    requests_per_month,
    seconds_per_month,
)
from course.pricing.lambda_ import lambda_monthly_cost, lambda_prices

PRICES = lambda_prices()
REQUEST_PRICE = PRICES["requests"]["price_usd"] / PRICES["requests"]["per_requests"]
GB_SECOND_PRICE = PRICES["duration"]["tiers"]["x86_64"][0]["price_usd"]


def _cost(requests: int, duration_ms: float, memory_mb: int, **kwargs) -> float:
    return lambda_monthly_cost(requests, duration_ms, memory_mb, **kwargs).total


def test_seconds_per_month_follows_the_calculator():
    assert seconds_per_month() == 730 * 3600


def test_ec2_monthly_cost_is_hourly_price_times_730():
    assert ec2_monthly_cost("m5.large") == pytest.approx(on_demand_price("m5.large") * 730)
    assert ec2_monthly_cost("m5.large", instances=3) == pytest.approx(3 * ec2_monthly_cost("m5.large"))
    assert ec2_monthly_cost("m5.large", instances=0) == 0


def test_breakeven_is_the_first_request_where_lambda_costs_as_much():
    budget = ec2_monthly_cost("m5.large")
    n = breakeven_requests(budget, 200, 512)
    assert _cost(n, 200, 512) >= budget > _cost(n - 1, 200, 512)


def test_breakeven_matches_the_closed_form_beyond_both_free_tiers():
    budget, duration_ms, memory_mb = 70.08, 200, 512
    per_request = REQUEST_PRICE + duration_ms / 1000 * memory_mb / 1024 * GB_SECOND_PRICE
    free_value = (
        PRICES["free_tier"]["requests"] * REQUEST_PRICE + PRICES["free_tier"]["gb_seconds"] * GB_SECOND_PRICE
    )
    assert breakeven_requests(budget, duration_ms, memory_mb) == pytest.approx(
        (budget + free_value) / per_request, abs=1
    )


def test_free_tier_moves_the_breakeven_later():
    with_free = breakeven_requests(50.0, 300, 1024)
    without = breakeven_requests(50.0, 300, 1024, free_tier=False)
    assert without < with_free


def test_zero_budget_breaks_even_at_zero_requests():
    assert breakeven_requests(0, 100, 128) == 0


def test_breakeven_rate_is_requests_per_second():
    rate = breakeven_rate("t3.small", 100, 256)
    assert rate == pytest.approx(
        breakeven_requests(ec2_monthly_cost("t3.small"), 100, 256) / seconds_per_month()
    )


def test_cost_curve_grows_the_fleet_in_whole_instances():
    curve = cost_curve([0, 10, 30, 51], 200, 512, "m5.large", capacity_rps=25)
    assert list(curve["instances"]) == [1, 1, 2, 3]
    assert curve["ec2_usd"].iloc[3] == pytest.approx(3 * ec2_monthly_cost("m5.large"))
    assert curve["lambda_usd"].iloc[1] == pytest.approx(_cost(requests_per_month(10), 200, 512))
    assert list(cost_curve([0, 100], 200, 512, "m5.large")["instances"]) == [1, 1]


@pytest.mark.parametrize(
    "call",
    [
        lambda: breakeven_requests(-1, 100, 128),
        lambda: breakeven_requests("70", 100, 128),
        lambda: ec2_monthly_cost("m5.large", instances=1.5),
        lambda: requests_per_month(-2),
        lambda: cost_curve([1], 100, 128, "m5.large", capacity_rps=0),
    ],
)
def test_bad_input_raises_a_course_error(call):
    with pytest.raises(CourseInputError):
        call()
