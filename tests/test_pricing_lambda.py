"""AWS Lambda monthly cost: AWS's worked example, free tier, tiers, rounding and input errors."""

import dataclasses
import math
import random

import numpy as np
import pytest

from course.errors import CourseInputError
from course.pricing.lambda_ import LambdaCost, lambda_monthly_cost, lambda_prices

PRICES = lambda_prices()
X86 = PRICES["duration"]["tiers"]["x86_64"]
ARM = PRICES["duration"]["tiers"]["arm64"]


def test_aws_worked_example_matches_to_the_cent():
    # aws.amazon.com/lambda/pricing: 512 MB, 3M invocations of 1 s. AWS prints $18.34 because it
    # rounds the rate to $0.00001667; at the full $0.0000166667 it is $18.33.
    cost = lambda_monthly_cost(3_000_000, 1000, 512)
    assert cost.gb_seconds == 1_500_000
    assert cost.billable_gb_seconds == 1_100_000
    assert cost.billable_requests == 2_000_000
    assert round(cost.compute_cost, 2) == 18.33
    assert round(cost.request_cost, 2) == 0.40
    assert cost.ephemeral_cost == 0
    assert round(cost.total, 2) == 18.73


def test_free_tier_off_bills_everything():
    cost = lambda_monthly_cost(3_000_000, 1000, 512, free_tier=False)
    assert cost.billable_requests == 3_000_000
    assert cost.billable_gb_seconds == cost.gb_seconds == 1_500_000
    assert round(cost.compute_cost, 2) == 25.00
    assert round(cost.request_cost, 2) == 0.60
    assert round(cost.total, 2) == 25.60


def test_arm64_is_cheaper_than_x86_for_the_same_work():
    x86 = lambda_monthly_cost(3_000_000, 1000, 512)
    arm = lambda_monthly_cost(3_000_000, 1000, 512, arch="arm64")
    assert arm.request_cost == x86.request_cost
    assert arm.compute_cost < x86.compute_cost
    assert arm.total < x86.total
    assert arm.compute_cost / x86.compute_cost == pytest.approx(ARM[0]["price_usd"] / X86[0]["price_usd"])
    assert round(arm.compute_cost, 2) == 14.67


def test_free_tier_alone_costs_nothing():
    cost = lambda_monthly_cost(1_000_000, 100, 128)
    assert cost.gb_seconds == 12_500
    assert cost.billable_requests == 0
    assert cost.billable_gb_seconds == 0
    assert cost.total == 0


def test_zero_requests_cost_nothing():
    assert lambda_monthly_cost(0, 100, 128, free_tier=False).total == 0


def test_free_gb_seconds_run_out_exactly_at_400000():
    # 1 GB for 1 s, 400,000 times: the free GB-seconds cover it all, one more request is billed.
    assert lambda_monthly_cost(400_000, 1000, 1024).compute_cost == 0
    one_more = lambda_monthly_cost(400_001, 1000, 1024)
    assert one_more.billable_gb_seconds == 1
    assert one_more.compute_cost == pytest.approx(X86[0]["price_usd"])


@pytest.mark.parametrize(
    ("duration_ms", "billed_ms"), [(1.2, 2), (2, 2), (2.0001, 3), (0.01, 1), (999.5, 1000)]
)
def test_duration_is_rounded_up_to_the_next_millisecond(duration_ms, billed_ms):
    # 1,000 invocations at 1,024 MB: GB-seconds equal the billed milliseconds.
    cost = lambda_monthly_cost(1000, duration_ms, 1024, free_tier=False)
    assert cost.gb_seconds == pytest.approx(billed_ms)
    assert cost.duration_ms == duration_ms


def test_ephemeral_storage_up_to_512_mb_is_free():
    cost = lambda_monthly_cost(5_000_000, 1000, 1024, free_tier=False, ephemeral_mb=512)
    assert cost.ephemeral_cost == 0


def test_ephemeral_storage_above_512_mb_is_charged_separately():
    base = lambda_monthly_cost(1_000_000, 1000, 128, ephemeral_mb=512)
    big = lambda_monthly_cost(1_000_000, 1000, 128, ephemeral_mb=10240)
    # (10,240 - 512) MB = 9.5 GB for 1,000,000 s = 9,500,000 GB-s at $0.0000000309.
    assert big.ephemeral_cost == pytest.approx(9_500_000 * 0.0000000309)
    assert round(big.ephemeral_cost, 2) == 0.29
    assert big.compute_cost == base.compute_cost
    assert big.total == pytest.approx(base.total + big.ephemeral_cost)


def test_ephemeral_storage_uses_billed_duration_and_no_free_tier():
    cost = lambda_monthly_cost(1000, 1.2, 128, ephemeral_mb=512 + 1024)
    assert cost.ephemeral_cost == pytest.approx(1 * 1000 * 0.002 * 0.0000000309)


def _at_gb_seconds(gb_seconds: int, arch: str = "x86_64", free_tier: bool = False) -> LambdaCost:
    """Cost of `gb_seconds` GB-seconds: that many 1-second invocations at 1,024 MB."""
    return lambda_monthly_cost(gb_seconds, 1000, 1024, arch=arch, free_tier=free_tier)


def test_first_tier_runs_to_6_billion_gb_seconds():
    assert _at_gb_seconds(6_000_000_000).compute_cost == pytest.approx(6e9 * 0.0000166667)


def test_above_6_billion_gb_seconds_uses_the_second_tier():
    cost = _at_gb_seconds(7_000_000_000)
    assert cost.compute_cost == pytest.approx(6e9 * 0.0000166667 + 1e9 * 0.0000150000)
    extra = _at_gb_seconds(7_000_001_000).compute_cost - cost.compute_cost
    assert extra == pytest.approx(1000 * X86[1]["price_usd"], rel=1e-6)


def test_above_15_billion_gb_seconds_uses_the_third_tier():
    cost = _at_gb_seconds(20_000_000_000)
    expected = 6e9 * 0.0000166667 + 9e9 * 0.0000150000 + 5e9 * 0.0000133334
    assert cost.compute_cost == pytest.approx(expected)


def test_arm64_tiers_break_at_7_5_and_18_75_billion_gb_seconds():
    second = _at_gb_seconds(8_000_000_000, arch="arm64")
    assert second.compute_cost == pytest.approx(7.5e9 * 0.0000133334 + 0.5e9 * 0.0000120001)
    third = _at_gb_seconds(20_000_000_000, arch="arm64")
    expected = 7.5e9 * 0.0000133334 + 11.25e9 * 0.0000120001 + 1.25e9 * 0.0000106667
    assert third.compute_cost == pytest.approx(expected)


def test_free_gb_seconds_come_off_the_first_tier():
    cost = _at_gb_seconds(7_000_000_000, free_tier=True)
    expected = (6e9 - 400_000) * 0.0000166667 + 1e9 * 0.0000150000
    assert cost.compute_cost == pytest.approx(expected)
    assert cost.billable_gb_seconds == 7e9 - 400_000


def test_prices_come_from_the_dated_data_file():
    assert PRICES["as_of"] == "2026-11-26"
    assert PRICES["source"] == "https://aws.amazon.com/lambda/pricing/"
    assert PRICES["limits"]["source"].startswith("https://docs.aws.amazon.com/lambda/")
    assert PRICES["requests"] == {"price_usd": 0.2, "per_requests": 1_000_000}
    assert PRICES["free_tier"]["requests"] == 1_000_000
    assert PRICES["free_tier"]["gb_seconds"] == 400_000
    for tiers in (X86, ARM):
        assert tiers[0]["from_gb_seconds"] == 0
        starts = [tier["from_gb_seconds"] for tier in tiers]
        rates = [tier["price_usd"] for tier in tiers]
        assert starts == sorted(starts) and rates == sorted(rates, reverse=True)
    assert all(arm["price_usd"] < x86["price_usd"] for arm, x86 in zip(ARM, X86, strict=True))


def test_lambda_prices_returns_a_copy():
    lambda_prices()["requests"]["price_usd"] = 99
    assert lambda_prices()["requests"]["price_usd"] == 0.2


def test_result_is_frozen_and_converts_to_a_dict():
    cost = lambda_monthly_cost(3_000_000, 1000, 512)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cost.total = 0  # type: ignore[misc]
    row = cost.as_dict()
    assert list(row) == [field.name for field in dataclasses.fields(LambdaCost)]
    assert row["total"] == cost.total
    assert row["arch"] == "x86_64"


def test_numpy_numbers_are_accepted():
    cost = lambda_monthly_cost(np.int64(3_000_000), np.float64(1000.0), np.int32(512))
    assert round(cost.total, 2) == 18.73
    assert type(cost.requests) is int and type(cost.memory_mb) is int


VALID = {"requests": 1000, "duration_ms": 100, "memory_mb": 128}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"requests": -1},
            "requests must be 0 or more (got -1); it is the number of invocations a month",
        ),
        (
            {"requests": 3e6},
            "requests must be a whole number (an int), got 3000000.0 (float); "
            "write 3_000_000 rather than 3000000.0",
        ),
        ({"requests": 2.5}, "requests must be a whole number (an int), got 2.5 (float)"),
        ({"requests": True}, "requests must be a whole number (an int), got True (bool)"),
        ({"requests": "1000"}, "requests must be a whole number (an int), got '1000' (str)"),
        ({"requests": float("nan")}, "requests must be a whole number (an int), got nan (float)"),
        (
            {"duration_ms": 0},
            "duration_ms must be more than 0 ms (got 0); give how long one invocation runs",
        ),
        (
            {"duration_ms": -5.0},
            "duration_ms must be more than 0 ms (got -5.0); give how long one invocation runs",
        ),
        (
            {"duration_ms": 1_200_000},
            "duration_ms must be at most 900000 ms (900 s, Lambda's timeout limit); got 1200000"
            " — give one invocation's run time in milliseconds (1 s = 1000 ms),"
            " not the month's total",
        ),
        (
            {"duration_ms": float("nan")},
            "duration_ms must be a finite number of milliseconds (got nan)",
        ),
        (
            {"duration_ms": float("inf")},
            "duration_ms must be a finite number of milliseconds (got inf)",
        ),
        (
            {"duration_ms": "100"},
            "duration_ms must be a number of milliseconds, got '100' (str)",
        ),
        (
            {"duration_ms": False},
            "duration_ms must be a number of milliseconds, got False (bool)",
        ),
        (
            {"memory_mb": 20000},
            "memory_mb must be between 128 and 10240 MB (got 20000); "
            "Lambda memory is set in MB, in 1 MB steps",
        ),
        (
            {"memory_mb": 127},
            "memory_mb must be between 128 and 10240 MB (got 127); Lambda memory is set in MB, in 1 MB steps",
        ),
        (
            {"memory_mb": 2},
            "memory_mb must be between 128 and 10240 MB (got 2); "
            "Lambda memory is set in MB, in 1 MB steps — did you give GB? 2 GB is 2048 MB",
        ),
        (
            {"memory_mb": 512.5},
            "memory_mb must be a whole number (an int), got 512.5 (float)",
        ),
        ({"arch": "x86"}, "arch must be one of 'arm64', 'x86_64' (got 'x86')"),
        ({"arch": "ARM64"}, "arch must be one of 'arm64', 'x86_64' (got 'ARM64')"),
        ({"arch": None}, "arch must be one of 'arm64', 'x86_64' (got None)"),
        ({"free_tier": "yes"}, "free_tier must be True or False (got 'yes')"),
        ({"free_tier": 1}, "free_tier must be True or False (got 1)"),
        (
            {"ephemeral_mb": 256},
            "ephemeral_mb must be between 512 and 10240 MB (got 256); "
            "the first 512 MB of /tmp is free; set more only if the function needs it",
        ),
        (
            {"ephemeral_mb": 10241},
            "ephemeral_mb must be between 512 and 10240 MB (got 10241); "
            "the first 512 MB of /tmp is free; set more only if the function needs it",
        ),
        (
            {"ephemeral_mb": float("inf")},
            "ephemeral_mb must be a whole number (an int), got inf (float)",
        ),
    ],
)
def test_bad_input_is_rejected_with_a_message_saying_what_to_change(change, message):
    with pytest.raises(CourseInputError) as error:
        lambda_monthly_cost(**(VALID | change))
    assert str(error.value) == message


def test_limits_themselves_are_accepted():
    assert lambda_monthly_cost(1, 900_000, 10240, ephemeral_mb=10240).total >= 0
    assert lambda_monthly_cost(1, 0.001, 128, ephemeral_mb=512).total >= 0


def _random_inputs(rng: random.Random) -> dict:
    """One random but valid set of arguments for lambda_monthly_cost."""
    return {
        "requests": rng.choice([0, rng.randrange(2_000_000), rng.randrange(10**10)]),
        "duration_ms": rng.choice([rng.uniform(0.01, 50), rng.uniform(1, 900_000)]),
        "memory_mb": rng.randint(128, 10240),
        "arch": rng.choice(["x86_64", "arm64"]),
        "free_tier": rng.choice([True, False]),
        "ephemeral_mb": rng.randint(512, 10240),
    }


def test_cost_never_decreases_when_requests_or_memory_increase():
    rng = random.Random(20261126)
    for _ in range(400):
        args = _random_inputs(rng)
        cost = lambda_monthly_cost(**args)
        more_requests = lambda_monthly_cost(**args | {"requests": args["requests"] + rng.randint(1, 10**9)})
        more_memory = lambda_monthly_cost(**args | {"memory_mb": rng.randint(args["memory_mb"], 10240)})
        assert more_requests.total >= cost.total, args
        assert more_requests.compute_cost >= cost.compute_cost, args
        assert more_memory.total >= cost.total, args
        assert more_memory.compute_cost >= cost.compute_cost, args


def test_cost_parts_are_consistent_over_random_inputs():
    rng = random.Random(7)
    for _ in range(400):
        args = _random_inputs(rng)
        cost = lambda_monthly_cost(**args)
        parts = (cost.request_cost, cost.compute_cost, cost.ephemeral_cost)
        assert all(part >= 0 and math.isfinite(part) for part in parts), args
        assert cost.total == sum(parts), args
        assert 0 <= cost.billable_gb_seconds <= cost.gb_seconds, args
        assert 0 <= cost.billable_requests <= cost.requests, args
        if not args["free_tier"]:
            assert cost.billable_requests == cost.requests, args
        without_free_tier = lambda_monthly_cost(**args | {"free_tier": False})
        assert cost.total <= without_free_tier.total, args
        on_arm = lambda_monthly_cost(**args | {"arch": "arm64"})
        assert on_arm.compute_cost <= lambda_monthly_cost(**args | {"arch": "x86_64"}).compute_cost
