"""SQS and SNS request costs: 64 KB chunks, the free tier, per-million prices, tiers and input errors."""

import dataclasses
import random

import numpy as np
import pytest

from course.errors import CourseInputError
from course.pricing.messaging import (
    SnsCost,
    SqsCost,
    messaging_prices,
    requests_per_call,
    sns_monthly_cost,
    sqs_monthly_cost,
)

PRICES = messaging_prices()


def test_prices_come_from_the_dated_data_file():
    assert PRICES["as_of"] == "2026-11-26"
    assert PRICES["source"] == "https://aws.amazon.com/sqs/pricing/"
    assert PRICES["sns"]["source"] == "https://aws.amazon.com/sns/pricing/"
    assert PRICES["sqs"]["free_tier_requests"] == 1_000_000
    assert PRICES["sqs"]["tiers"]["standard"][0] == {"from_requests": 0, "price_usd": 0.40}
    assert PRICES["sqs"]["tiers"]["fifo"][0] == {"from_requests": 0, "price_usd": 0.50}
    assert PRICES["sns"]["requests"] == {"free": 1_000_000, "price_usd": 0.50, "per": 1_000_000}


def test_messaging_prices_returns_a_copy():
    messaging_prices()["sqs"]["chunk_kb"] = 1
    assert messaging_prices()["sqs"]["chunk_kb"] == 64


@pytest.mark.parametrize(
    ("kb", "requests"), [(0.001, 1), (1, 1), (64, 1), (64.01, 2), (200, 4), (256, 4), (1024, 16)]
)
def test_each_started_64_kb_chunk_is_a_request(kb, requests):
    # AWS: "a single API call with a 256 KB payload is billed as four requests".
    assert requests_per_call(kb) == requests


def test_one_million_small_requests_are_free():
    assert sqs_monthly_cost(1_000_000).total == 0
    assert sqs_monthly_cost(1_000_000, queue_type="fifo").total == 0


def test_worked_example_to_the_cent():
    # 10M calls of 200 KB = 40M requests; 39M after the free tier at $0.40 per million = $15.60.
    cost = sqs_monthly_cost(10_000_000, 200)
    assert (cost.requests, cost.billable_requests) == (40_000_000, 39_000_000)
    assert cost.total == pytest.approx(15.60)
    fifo = sqs_monthly_cost(10_000_000, 200, "fifo")
    assert fifo.total == pytest.approx(19.50)
    assert sqs_monthly_cost(10_000_000, 200, free_tier=False).total == pytest.approx(16.00)


def test_volume_tiers_apply_above_100_billion_requests():
    cost = sqs_monthly_cost(250_000_000_000, free_tier=False)
    assert cost.total == pytest.approx(100_000 * 0.40 + 100_000 * 0.30 + 50_000 * 0.24)


def test_sns_publishes_and_deliveries():
    cost = sns_monthly_cost(2_000_000, 1, {"sqs": 4_000_000, "email": 21_000, "http": 1_100_000, "lambda": 5})
    assert cost.publish_cost == pytest.approx(0.50)
    assert cost.delivery_costs == pytest.approx({"sqs": 0.0, "email": 0.40, "http": 0.60, "lambda": 0.0})
    assert cost.total == pytest.approx(1.50)
    assert sns_monthly_cost(1_000_000, 100).billable_requests == 1_000_000  # 2 chunks each
    assert sns_monthly_cost(10, deliveries={"email": 10}, free_tier=False).total == pytest.approx(
        10 * 0.5 / 1e6 + 10 * 2.0 / 1e5
    )


def test_results_are_frozen_and_convert_to_dicts():
    sqs, sns = sqs_monthly_cost(5), sns_monthly_cost(5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        sqs.total = 0  # type: ignore[misc]
    assert list(sqs.as_dict()) == [f.name for f in dataclasses.fields(SqsCost)]
    assert list(sns.as_dict()) == [f.name for f in dataclasses.fields(SnsCost)]


def test_numpy_numbers_are_accepted():
    cost = sqs_monthly_cost(np.int64(10_000_000), np.float64(200.0))
    assert cost.total == pytest.approx(15.60) and type(cost.api_calls) is int


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sqs_monthly_cost(-1), "api_calls must be 0 or more (got -1); it is a number per month"),
        (
            lambda: sqs_monthly_cost(1e6),
            "api_calls must be a whole number (an int), got 1000000.0 (float);"
            " write 1_000_000 rather than 1000000.0",
        ),
        (
            lambda: sqs_monthly_cost(10, 0),
            "payload_kb must be more than 0 KB (got 0); give the size of one call's payload",
        ),
        (
            lambda: sqs_monthly_cost(10, 262_144),
            "payload_kb must be at most 1024 KB (1 MiB, the largest message; got 262144)"
            " — did you give bytes? 262144 bytes is 256 KB",
        ),
        (lambda: sqs_monthly_cost(10, "1"), "payload_kb must be a finite number of KB, got '1' (str)"),
        (
            lambda: sqs_monthly_cost(10, 1, "Fifo"),
            "queue_type must be one of 'standard', 'fifo' (got 'Fifo')",
        ),
        (lambda: sqs_monthly_cost(10, 1, free_tier="yes"), "free_tier must be True or False (got 'yes')"),
        (
            lambda: sns_monthly_cost(10, deliveries={"sms": 1}),
            "unknown delivery protocol 'sms'; use one of 'sqs', 'lambda', 'http', 'email', 'mobile_push'",
        ),
    ],
)
def test_bad_input_is_rejected_with_a_message_saying_what_to_change(call, message):
    with pytest.raises(CourseInputError) as error:
        call()
    assert str(error.value) == message


def test_cost_grows_with_calls_and_payload():
    rng = random.Random(10)
    for _ in range(300):
        calls, kb = rng.randrange(10**10), rng.uniform(0.1, 1000)
        kind = rng.choice(["standard", "fifo"])
        cost = sqs_monthly_cost(calls, kb, kind)
        assert cost.total >= 0 and cost.requests >= calls
        assert sqs_monthly_cost(calls + 10**6, kb, kind).total > cost.total
        assert sqs_monthly_cost(calls, min(1024, kb + 64), kind).total >= cost.total
        assert sqs_monthly_cost(calls, kb, "fifo").total >= sqs_monthly_cost(calls, kb).total
