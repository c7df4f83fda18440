"""DynamoDB on-demand request cost in us-east-1: request units from the item size, then a price per million.

A write takes one write request unit per 1 KB of item (rounded up), two if transactional; a read takes one
read request unit per 4 KB (rounded up) when strongly consistent, half that when eventually consistent and
two when transactional. Storage, backups and data transfer are billed separately and are not counted here.
"""

import copy
import math
import numbers
from dataclasses import asdict, dataclass

from course.datafiles import load_json
from course.errors import CourseInputError

DATA_FILE = "dynamodb_pricing.json"


@dataclass(frozen=True)
class DynamoDBRequestCost:
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

    def as_dict(self) -> dict:
        """The inputs and results as a plain dict, e.g. for a pandas row."""
        return asdict(self)


def dynamodb_prices() -> dict:
    """A copy of the DynamoDB on-demand prices and limits from course/data/dynamodb_pricing.json."""
    return copy.deepcopy(load_json(DATA_FILE))


def write_request_units(item_kb: float, transactional: bool = False) -> int:
    """Write request units one write of an `item_kb` KB item takes."""
    prices = load_json(DATA_FILE)
    item_kb = _item_kb(item_kb, prices)
    kind = "transactional" if _flag("transactional", transactional) else "standard"
    size = prices["write_request_units"]["unit_size_kb"]
    return math.ceil(item_kb / size) * prices["write_units_per_request"][kind]


def read_request_units(item_kb: float, consistency: str = "eventually_consistent") -> float:
    """Read request units one read of an `item_kb` KB item takes (0.5 per 4 KB if eventually consistent)."""
    prices = load_json(DATA_FILE)
    item_kb = _item_kb(item_kb, prices)
    per_request = prices["read_units_per_request"]
    if not isinstance(consistency, str) or consistency not in per_request:
        valid = ", ".join(repr(name) for name in per_request)
        raise CourseInputError(f"consistency must be one of {valid} (got {consistency!r})")
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
    writes = _count("writes", writes)
    reads = _count("reads", reads)
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
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
        raise CourseInputError(
            f"item_kb must be a finite number of KB, got {value!r} ({type(value).__name__})"
        )
    if value <= 0:
        raise CourseInputError(f"item_kb must be more than 0 KB (got {value}); give the size of one item")
    limit = prices["limits"]["max_item_kb"]
    if value > limit:
        hint = ""
        if value / prices["bytes_per_kb"] <= limit:
            hint = f" — did you give bytes? {value} bytes is {value / prices['bytes_per_kb']:g} KB"
        raise CourseInputError(
            f"item_kb must be at most {limit} KB, DynamoDB's item size limit (got {value}){hint}"
        )
    return float(value)


def _count(name: str, value: object) -> int:
    """`value` as a whole number of requests, 0 or more, else CourseInputError."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        hint = ""
        if isinstance(value, float) and value.is_integer():
            hint = f"; write {int(value):_} rather than {value!r}"
        raise CourseInputError(
            f"{name} must be a whole number of requests (an int), "
            f"got {value!r} ({type(value).__name__}){hint}"
        )
    if value < 0:
        raise CourseInputError(f"{name} must be 0 or more (got {value}); it is a number of requests a month")
    return int(value)


def _flag(name: str, value: object) -> bool:
    """`value` if it is True or False, else CourseInputError."""
    if not isinstance(value, bool):
        raise CourseInputError(f"{name} must be True or False (got {value!r})")
    return value
