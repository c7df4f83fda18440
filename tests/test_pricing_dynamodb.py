"""DynamoDB on-demand request cost: AWS's unit rules, the dated prices, rounding and input errors."""

import dataclasses
import random

import numpy as np
import pytest

from course.errors import CourseInputError
from course.pricing.dynamodb import (
    DynamoDBRequestCost,
    dynamodb_on_demand_cost,
    dynamodb_prices,
    read_request_units,
    write_request_units,
)

PRICES = dynamodb_prices()


def test_prices_come_from_the_dated_data_file():
    assert PRICES["as_of"] == "2026-11-26"
    assert PRICES["source"] == "https://aws.amazon.com/dynamodb/pricing/on-demand/"
    assert PRICES["write_request_units"] == {"price_usd": 0.625, "per_units": 1_000_000, "unit_size_kb": 1}
    assert PRICES["read_request_units"] == {"price_usd": 0.125, "per_units": 1_000_000, "unit_size_kb": 4}
    assert PRICES["limits"]["source"].startswith("https://docs.aws.amazon.com/amazondynamodb/")
    old = PRICES["previous_prices"]
    assert old["write_price_usd"] == 2 * PRICES["write_request_units"]["price_usd"]
    assert old["read_price_usd"] == 2 * PRICES["read_request_units"]["price_usd"]


def test_dynamodb_prices_returns_a_copy():
    dynamodb_prices()["write_request_units"]["price_usd"] = 99
    assert dynamodb_prices()["write_request_units"]["price_usd"] == 0.625


@pytest.mark.parametrize(
    ("consistency", "units"), [("strongly_consistent", 2), ("eventually_consistent", 1), ("transactional", 4)]
)
def test_aws_example_read_of_an_8_kb_item(consistency, units):
    # aws.amazon.com/dynamodb/pricing/on-demand: an 8 KB item takes 2, 1 and 4 read request units.
    assert read_request_units(8, consistency) == units


@pytest.mark.parametrize(("item_kb", "units"), [(0.1, 1), (1, 1), (1.01, 2), (2.5, 3), (400, 400)])
def test_writes_round_up_to_the_next_kb(item_kb, units):
    assert write_request_units(item_kb) == units
    assert write_request_units(item_kb, transactional=True) == 2 * units


@pytest.mark.parametrize(("item_kb", "units"), [(0.5, 1), (4, 1), (4.001, 2), (12, 3), (12.5, 4)])
def test_strong_reads_round_up_to_the_next_4_kb(item_kb, units):
    assert read_request_units(item_kb, "strongly_consistent") == units
    assert read_request_units(item_kb, "eventually_consistent") == units / 2


def test_default_read_is_eventually_consistent_like_the_api():
    assert read_request_units(3) == 0.5
    assert dynamodb_on_demand_cost(0, 2, 3).read_units == 1


def test_worked_example_to_the_cent():
    # 2M writes and 10M eventually consistent reads of 2.5 KB items:
    # 2M x 3 WRU = 6M WRU = $3.75; 10M x 0.5 RRU = 5M RRU = $0.625.
    cost = dynamodb_on_demand_cost(2_000_000, 10_000_000, 2.5)
    assert cost.write_units == 6_000_000
    assert cost.read_units == 5_000_000
    assert cost.write_cost == pytest.approx(3.75)
    assert cost.read_cost == pytest.approx(0.625)
    assert cost.total == pytest.approx(4.375)


def test_one_million_small_requests_cost_the_list_price():
    cost = dynamodb_on_demand_cost(1_000_000, 1_000_000, 1, read_consistency="strongly_consistent")
    assert cost.write_cost == pytest.approx(0.625)
    assert cost.read_cost == pytest.approx(0.125)


def test_transactional_writes_cost_twice_as_much():
    plain = dynamodb_on_demand_cost(1_000_000, 0, 3)
    both = dynamodb_on_demand_cost(1_000_000, 0, 3, transactional_writes=True)
    assert both.write_cost == pytest.approx(2 * plain.write_cost)


def test_no_requests_cost_nothing():
    assert dynamodb_on_demand_cost(0, 0, 1).total == 0


def test_result_is_frozen_and_converts_to_a_dict():
    cost = dynamodb_on_demand_cost(10, 20, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cost.total = 0  # type: ignore[misc]
    assert list(cost.as_dict()) == [f.name for f in dataclasses.fields(DynamoDBRequestCost)]


def test_numpy_numbers_are_accepted():
    cost = dynamodb_on_demand_cost(np.int64(2_000_000), np.int32(10_000_000), np.float64(2.5))
    assert cost.total == pytest.approx(4.375)
    assert type(cost.writes) is int and type(cost.item_kb) is float


VALID = {"writes": 10, "reads": 10, "item_kb": 1.0}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"writes": -1}, "writes must be 0 or more (got -1); it is a number of requests a month"),
        (
            {"reads": 1e6},
            "reads must be a whole number of requests (an int), got 1000000.0 (float); "
            "write 1_000_000 rather than 1000000.0",
        ),
        ({"writes": True}, "writes must be a whole number of requests (an int), got True (bool)"),
        ({"item_kb": 0}, "item_kb must be more than 0 KB (got 0); give the size of one item"),
        ({"item_kb": "1"}, "item_kb must be a finite number of KB, got '1' (str)"),
        ({"item_kb": float("nan")}, "item_kb must be a finite number of KB, got nan (float)"),
        (
            {"item_kb": 2048},
            "item_kb must be at most 400 KB, DynamoDB's item size limit (got 2048)"
            " — did you give bytes? 2048 bytes is 2 KB",
        ),
        (
            {"item_kb": 10_000_000},
            "item_kb must be at most 400 KB, DynamoDB's item size limit (got 10000000)",
        ),
        (
            {"read_consistency": "eventual"},
            "consistency must be one of 'strongly_consistent', 'eventually_consistent', 'transactional'"
            " (got 'eventual')",
        ),
        ({"transactional_writes": "no"}, "transactional must be True or False (got 'no')"),
    ],
)
def test_bad_input_is_rejected_with_a_message_saying_what_to_change(change, message):
    with pytest.raises(CourseInputError) as error:
        dynamodb_on_demand_cost(**(VALID | change))
    assert str(error.value) == message


def test_cost_grows_with_requests_and_item_size():
    rng = random.Random(5)
    for _ in range(300):
        writes, reads = rng.randrange(10**9), rng.randrange(10**9)
        item_kb = rng.uniform(0.01, 399)
        consistency = rng.choice(["strongly_consistent", "eventually_consistent", "transactional"])
        cost = dynamodb_on_demand_cost(writes, reads, item_kb, consistency)
        assert cost.total == cost.write_cost + cost.read_cost
        bigger = dynamodb_on_demand_cost(writes, reads, min(400, item_kb + rng.uniform(0, 5)), consistency)
        more = dynamodb_on_demand_cost(writes + 1, reads + 1, item_kb, consistency)
        assert bigger.total >= cost.total and more.total > cost.total
        eventual = dynamodb_on_demand_cost(writes, reads, item_kb, "eventually_consistent")
        strong = dynamodb_on_demand_cost(writes, reads, item_kb, "strongly_consistent")
        assert eventual.read_cost == pytest.approx(strong.read_cost / 2)
