"""DynamoDB on-demand request cost in us-east-1: request units from the item size, then a price per million.

A write takes one write request unit per 1 KB of item (rounded up), two if transactional; a read takes one
read request unit per 4 KB (rounded up) when strongly consistent, half that when eventually consistent and
two when transactional. Storage, backups and data transfer are billed separately and are not counted here.
"""

import copy
import math
from dataclasses import dataclass

from course import inputs
from course.data import load_json
from course.records import Record

DATA_FILE = "dynamodb_pricing.json"
REQUESTS_A_MONTH = "it is a number of requests a month"


@dataclass(frozen=True)
class DynamoDBRequestCost(Record):
    """A month of on-demand requests to one table (costs in USD) and the request units behind them."""

    writes: int
    reads: int
    item_kb: float
    read_consistency: str
    transactional_writes: bool
    write_units: float
    read_units: float
    write_cost: float
    read_cost: float
    total: float


def dynamodb_prices() -> dict:
    """A copy of the DynamoDB on-demand prices and limits from course/data/dynamodb_pricing.json."""
    return copy.deepcopy(load_json(DATA_FILE))


def write_request_units(item_kb: float, transactional: bool = False) -> int:
    """Write request units one write of an `item_kb` KB item takes."""
    prices = load_json(DATA_FILE)
    item_kb = _item_kb(item_kb, prices)
    kind = "transactional" if inputs.flag("transactional", transactional) else "standard"
    size = prices["write_request_units"]["unit_size_kb"]
    return math.ceil(item_kb / size) * prices["write_units_per_request"][kind]


def read_request_units(item_kb: float, consistency: str = "eventually_consistent") -> float:
    """Read request units one read of an `item_kb` KB item takes (0.5 per 4 KB if eventually consistent)."""
    prices = load_json(DATA_FILE)
    item_kb = _item_kb(item_kb, prices)
    per_request = prices["read_units_per_request"]
    inputs.one_of("consistency", consistency, per_request)
    size = prices["read_request_units"]["unit_size_kb"]
    return math.ceil(item_kb / size) * per_request[consistency]


def dynamodb_on_demand_cost(
    writes: int,
    reads: int,
    item_kb: float,
    read_consistency: str = "eventually_consistent",
    transactional_writes: bool = False,
) -> DynamoDBRequestCost:
    """Monthly on-demand cost of `writes` writes and `reads` reads of items of `item_kb` KB each."""
    prices = load_json(DATA_FILE)
    writes = inputs.count("writes", writes, "requests", REQUESTS_A_MONTH)
    reads = inputs.count("reads", reads, "requests", REQUESTS_A_MONTH)
    write_units = writes * write_request_units(item_kb, transactional_writes)
    read_units = reads * read_request_units(item_kb, read_consistency)
    wru, rru = prices["write_request_units"], prices["read_request_units"]
    write_cost = write_units * wru["price_usd"] / wru["per_units"]
    read_cost = read_units * rru["price_usd"] / rru["per_units"]
    return DynamoDBRequestCost(
        writes=writes,
        reads=reads,
        item_kb=float(item_kb),
        read_consistency=read_consistency,
        transactional_writes=transactional_writes,
        write_units=write_units,
        read_units=read_units,
        write_cost=write_cost,
        read_cost=read_cost,
        total=write_cost + read_cost,
    )


def _item_kb(value: object, prices: dict) -> float:
    """`value` as a float number of KB within DynamoDB's item size limit, else CourseInputError."""
    limit = prices["limits"]["max_item_kb"]
    too_big = f"item_kb must be at most {limit} KB, DynamoDB's item size limit (got {value})"
    hint = "give the size of one item"
    return inputs.size("item_kb", value, "KB", limit, too_big, hint, prices["bytes_per_kb"])
