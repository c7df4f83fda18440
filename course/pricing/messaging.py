"""Amazon SQS and SNS request costs in us-east-1: 64 KB chunks, the monthly free tier, per-million prices.

Every SQS action (send, receive, delete, change visibility...) is a request, and each 64 KB chunk of a
call's payload counts as one more: a 256 KB send is 4 requests. SNS bills publishes the same way and
adds a charge per delivery for some protocols (deliveries to SQS and Lambda carry none).
"""

import copy
import math
import numbers
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from course.datafiles import load_json
from course.errors import CourseInputError

DATA_FILE = "messaging_pricing.json"
MAX_PAYLOAD_KB = 1024  # 1 MiB: the largest SQS message and the largest SNS topic setting


@dataclass(frozen=True)
class SqsCost:
    """A month of SQS requests of one queue type (costs in USD) and the request counts behind them."""

    api_calls: int
    payload_kb: float
    queue_type: str
    free_tier: bool
    requests: int
    billable_requests: int
    total: float

    def as_dict(self) -> dict:
        """The inputs and results as a plain dict, e.g. for a pandas row."""
        return asdict(self)


@dataclass(frozen=True)
class SnsCost:
    """A month of SNS publishes and deliveries on a standard topic (costs in USD)."""

    publishes: int
    payload_kb: float
    free_tier: bool
    requests: int
    billable_requests: int
    publish_cost: float
    delivery_costs: dict[str, float]
    total: float

    def as_dict(self) -> dict:
        """The inputs and results as a plain dict, e.g. for a pandas row."""
        return asdict(self)


def messaging_prices() -> dict:
    """A copy of the SQS and SNS prices from course/data/messaging_pricing.json."""
    return copy.deepcopy(load_json(DATA_FILE))


def requests_per_call(payload_kb: float) -> int:
    """Billed requests for one call carrying `payload_kb` KB: one per started 64 KB chunk."""
    prices = load_json(DATA_FILE)
    payload_kb = _payload_kb(payload_kb, prices)
    return math.ceil(payload_kb / prices["sqs"]["chunk_kb"])


def sqs_monthly_cost(
    api_calls: int, payload_kb: float = 1.0, queue_type: str = "standard", free_tier: bool = True
) -> SqsCost:
    """Monthly cost of `api_calls` SQS calls of `payload_kb` KB each; the free tier (if on) is taken
    to be this queue type's alone, though AWS shares it across the account."""
    prices = load_json(DATA_FILE)
    sqs = prices["sqs"]
    api_calls = _count("api_calls", api_calls)
    tiers = sqs["tiers"]
    if not isinstance(queue_type, str) or queue_type not in tiers:
        valid = ", ".join(repr(name) for name in tiers)
        raise CourseInputError(f"queue_type must be one of {valid} (got {queue_type!r})")
    requests = api_calls * requests_per_call(payload_kb)
    free = min(requests, sqs["free_tier_requests"]) if _flag("free_tier", free_tier) else 0
    billable = requests - free
    return SqsCost(
        api_calls=api_calls,
        payload_kb=float(payload_kb),
        queue_type=queue_type,
        free_tier=free_tier,
        requests=requests,
        billable_requests=billable,
        total=_tiered_cost(tiers[queue_type], billable, sqs["per_requests"]),
    )


def sns_monthly_cost(
    publishes: int,
    payload_kb: float = 1.0,
    deliveries: Mapping[str, int] | None = None,
    free_tier: bool = True,
) -> SnsCost:
    """Monthly cost of `publishes` publishes of `payload_kb` KB to a standard topic and of the
    `deliveries` per protocol ({"sqs": n, "http": n, "email": n, "lambda": n, "mobile_push": n})."""
    sns = load_json(DATA_FILE)["sns"]
    publishes = _count("publishes", publishes)
    requests = publishes * requests_per_call(payload_kb)
    flag = _flag("free_tier", free_tier)
    billable = max(0, requests - sns["requests"]["free"]) if flag else requests
    publish_cost = billable * sns["requests"]["price_usd"] / sns["requests"]["per"]
    delivery_costs = {}
    for protocol, count in (deliveries or {}).items():
        if protocol not in sns["deliveries"]:
            valid = ", ".join(repr(name) for name in sns["deliveries"])
            raise CourseInputError(f"unknown delivery protocol {protocol!r}; use one of {valid}")
        rate = sns["deliveries"][protocol]
        paid = max(0, _count(f"deliveries[{protocol!r}]", count) - (rate["free"] if flag else 0))
        delivery_costs[protocol] = paid * rate["price_usd"] / rate["per"]
    return SnsCost(
        publishes=publishes,
        payload_kb=float(payload_kb),
        free_tier=flag,
        requests=requests,
        billable_requests=billable,
        publish_cost=publish_cost,
        delivery_costs=delivery_costs,
        total=publish_cost + sum(delivery_costs.values()),
    )


def _tiered_cost(tiers: list[dict], billable: int, per: int) -> float:
    """Cost of `billable` requests when each tier has its own price per `per` requests."""
    bounds = [tier["from_requests"] for tier in tiers[1:]] + [math.inf]
    return sum(
        tier["price_usd"] * max(0, min(billable, upper) - tier["from_requests"]) / per
        for tier, upper in zip(tiers, bounds, strict=True)
    )


def _payload_kb(value: object, prices: dict) -> float:
    """`value` as a float number of KB within the 1 MiB message limit, else CourseInputError."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
        raise CourseInputError(
            f"payload_kb must be a finite number of KB, got {value!r} ({type(value).__name__})"
        )
    if value <= 0:
        raise CourseInputError(
            f"payload_kb must be more than 0 KB (got {value}); give the size of one call's payload"
        )
    if value > MAX_PAYLOAD_KB:
        hint = ""
        if value / prices["bytes_per_kb"] <= MAX_PAYLOAD_KB:
            hint = f" — did you give bytes? {value} bytes is {value / prices['bytes_per_kb']:g} KB"
        raise CourseInputError(
            f"payload_kb must be at most {MAX_PAYLOAD_KB} KB (1 MiB, the largest message; got {value}){hint}"
        )
    return float(value)


def _count(name: str, value: object) -> int:
    """`value` as a whole number, 0 or more, else CourseInputError."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        hint = ""
        if isinstance(value, float) and value.is_integer():
            hint = f"; write {int(value):_} rather than {value!r}"
        raise CourseInputError(
            f"{name} must be a whole number (an int), got {value!r} ({type(value).__name__}){hint}"
        )
    if value < 0:
        raise CourseInputError(f"{name} must be 0 or more (got {value}); it is a number per month")
    return int(value)


def _flag(name: str, value: object) -> bool:
    """`value` if it is True or False, else CourseInputError."""
    if not isinstance(value, bool):
        raise CourseInputError(f"{name} must be True or False (got {value!r})")
    return value
